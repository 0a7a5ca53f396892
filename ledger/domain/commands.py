"""What a caller asks: append these events to a household (the command side).

Each ``<Type>In`` is the envelope of CONTRACT §1 with its type's ``data``, made from the
catalog; ``NewEvent`` is their union, discriminated on ``type`` so an error names the type
it was judged as.
"""

import hashlib
import hmac
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union
from uuid import UUID

from pydantic import BaseModel, Field, StrictInt, create_model

from ledger.domain import shapes
from ledger.domain.catalog import CATALOG, EventType
from ledger.domain.fields import IDENTIFIER_PATTERN, PAYLOAD_CONFIG, CorrelationId, Rfc3339
from ledger.domain.integrity import canonical_json

HOUSEHOLD_ID_PATTERN = IDENTIFIER_PATTERN
"""A household's id in the upstream system (1–64 characters)."""
MAX_BATCH = 500
"""At most this many events in one append (all or none)."""
MAX_VERSION = 2**53 - 1
"""The largest version a caller may name: every JSON library reads it exactly, and an
idempotent request is hashed as RFC 8785 JSON, which allows no larger integer."""


class Envelope(BaseModel):
    model_config = PAYLOAD_CONFIG

    type: str
    occurred_at: Rfc3339
    actor: shapes.Actor
    data: BaseModel
    materials: list[shapes.Material] = Field(default_factory=list, max_length=100)
    remedies: UUID | None = None  # the SystemMarked whose missing step this completes (补齐)
    source: shapes.Source | None = None
    correlation_id: CorrelationId | None = None


def _command_of(entry: EventType[Any]) -> type[Envelope]:
    """``<Type>In``: the envelope with the type's own ``data``."""
    fields: dict[str, Any] = {"type": (Literal[entry.name], ...), "data": (entry.payload, ...)}
    if entry.needs_materials:
        fields["materials"] = (list[shapes.Material], Field(min_length=1, max_length=100))
    return create_model(f"{entry.name}In", __base__=Envelope, __module__=__name__, **fields)


COMMANDS: Mapping[str, type[Envelope]] = MappingProxyType(
    {name: _command_of(entry) for name, entry in CATALOG.items()}
)
"""The command model of each event type, by name."""

if TYPE_CHECKING:
    NewEvent = Envelope
else:  # their union, discriminated on ``type``: an error names the type it was judged as
    NewEvent = Annotated[Union[tuple(COMMANDS.values())], Field(discriminator="type")]  # noqa: UP007


class AppendBatch(BaseModel):
    """The body of ``POST /v1/households/{household_id}/events``."""

    model_config = PAYLOAD_CONFIG

    events: list[NewEvent] = Field(min_length=1, max_length=MAX_BATCH)
    expected_version: StrictInt | None = Field(default=None, ge=0, le=MAX_VERSION)


def request_digest(household_id: str, batch: AppendBatch, key: bytes) -> str:
    """HMAC-SHA256 (hex), under ``key``, of an append request's canonical JSON: what an
    idempotency key is bound to, so that a retry is told apart from another request under
    the same key. Keyed, because the request holds personal values in clear: a plain hash
    beside the stored events would give a name away to a dictionary search."""
    request = {
        "household_id": household_id,
        "body": batch.model_dump(mode="json", by_alias=True, exclude_unset=True),
    }
    return hmac.new(key, canonical_json(request), hashlib.sha256).hexdigest()
