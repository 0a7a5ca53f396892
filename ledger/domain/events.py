"""The events of a household's stream: immutable facts, one class per contract type.

The classes are made by the catalog (``ledger.domain.catalog``), one per entry. Each has
an explicit ``TOPIC`` that is stored with the event, so a class can be renamed or moved
without breaking stored history, and a ``class_version``: a change of shape bumps it and
adds a static ``upcast_v1_v2(state)`` that rewrites old stored state on read (the
library's upcasting). The ``data`` keeps the validated payload as plain values (``str``,
``int``, ``bool``, ``Decimal``, ``date``, lists, dicts): that is what is stored and
hashed; ``payload`` reads it as the type's typed payload. Personal fields hold
commitments, never values (``ledger.domain.personal``).
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import new_class
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.domain import DomainEvent
from eventsourcing.utils import register_topic

from ledger.domain.shapes import Payload

P = TypeVar("P", bound=Payload)
Upcast = Callable[[dict[str, Any]], None]
"""Rewrites an event's stored state of one class version into the next, in place."""


@dataclass(frozen=True)  # also done by the library's metaclass; this tells type checkers
class HouseholdEvent(DomainEvent):
    """The envelope every event keeps. ``timestamp`` is the server's ``recorded_at``;
    ``originator_version`` is the event's ``version`` in its household."""

    TYPE: ClassVar[str]
    TOPIC: ClassVar[str]
    PAYLOAD: ClassVar[type[Payload]]
    VOIDABLE: ClassVar[bool] = True
    class_version: ClassVar[int] = 1

    id: UUID
    household_id: str
    occurred_at: datetime
    actor: dict[str, Any]
    data: dict[str, Any]
    materials: list[dict[str, Any]]
    remedies: UUID | None
    recorded_by: dict[str, Any]
    source: dict[str, Any] | None
    correlation_id: str | None
    prev_hash: str
    hash: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "TOPIC" not in cls.__dict__:
            raise TypeError(f"{cls.__name__} must declare its own explicit TOPIC")
        cls.TYPE = cls.__name__
        register_topic(cls.TOPIC, cls)

    @property
    def version(self) -> int:
        return self.originator_version

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp

    @property
    def payload(self) -> Payload:
        """``data`` as its type's payload, read anew on each access (the event's own
        attributes are what is stored, so nothing is cached on it): read it once."""
        return self.PAYLOAD.from_stored(self.data)

    def payload_as(self, model: type[P]) -> P:
        """``payload``, known to be a ``model``: for code that handles one type."""
        payload = self.payload
        if not isinstance(payload, model):
            raise TypeError(f"a {self.TYPE} event's payload is not a {model.__name__}")
        return payload


def event_class(
    name: str,
    summary: str,
    payload: type[Payload],
    *,
    voidable: bool = True,
    upcasts: Sequence[Upcast] = (),
) -> type[HouseholdEvent]:
    """The event class of a catalog entry: ``name`` is its type and ``household/<name>``
    its stored topic, forever; ``upcasts[i]`` rewrites version ``i + 1`` into ``i + 2``."""
    namespace: dict[str, Any] = {
        "__doc__": summary,
        "__module__": __name__,
        "__qualname__": name,
        "TOPIC": f"household/{name}",
        "PAYLOAD": payload,
        "VOIDABLE": voidable,
        "class_version": 1 + len(upcasts),
    }
    for version, upcast in enumerate(upcasts, start=1):
        namespace[f"upcast_v{version}_v{version + 1}"] = staticmethod(upcast)
    made: type[HouseholdEvent] = new_class(
        name, (HouseholdEvent,), exec_body=lambda body: body.update(namespace)
    )
    return made
