"""The shapes payloads are made of: the ``Payload`` base, the MEMBER, actor and material
shapes (CONTRACT §1) and the parts of a survey, an appraisal and a verification.

These are validation schemas for what callers send. Events keep the validated values as
plain data (``str``, ``int``, ``bool``, ``Decimal``, ``date``, lists and dicts), so the
stored format does not depend on pydantic; ``Payload.from_stored`` reads that data back
as typed objects.
"""

from collections.abc import Callable, Mapping
from datetime import date
from functools import cache, partial
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, Field, StrictInt, ValidationInfo, field_validator
from pydantic_core import PydanticUndefined

from ledger.domain.fields import (
    PAYLOAD_CONFIG,
    ByteSize,
    Count,
    Flag,
    Identifier,
    IdNumber,
    IsoDate,
    MediaType,
    Name,
    NonNegativeYuan,
    RecordId,
    Sha256Hex,
    Text,
)
from ledger.domain.idnumber import has_valid_check_digit
from ledger.domain.vocabulary import (
    ActorRole,
    Exclusion,
    Guarantee,
    Health,
    Labor,
    MaterialKind,
    Relation,
    Sex,
)


class Payload(BaseModel):
    model_config = PAYLOAD_CONFIG

    @classmethod
    def from_stored(cls, data: Mapping[str, Any]) -> Self:
        """The payload as it was recorded, read without judging it again: it was judged
        by the rules of the day it was recorded, and a later, stricter rule must not make
        history unreadable. Values are kept as stored; nested shapes become payloads."""
        values: dict[str, Any] = {}
        given = set()
        for key, name, nested, default, factory in _plan_of(cls):
            if key in data:
                value = data[key]
                values[name] = value if nested is None else _nested(nested, value)
                given.add(name)
            elif factory is not None:
                values[name] = factory()
            elif default is not PydanticUndefined:
                values[name] = default
        # What pydantic's model_construct does, without its per-call overhead: a replay
        # reads many payloads.
        payload = cls.__new__(cls)
        object.__setattr__(payload, "__dict__", values)
        object.__setattr__(payload, "__pydantic_fields_set__", given)
        object.__setattr__(payload, "__pydantic_extra__", None)
        object.__setattr__(payload, "__pydantic_private__", None)
        return payload


_Field = tuple[str, str, "type[Payload] | None", Any, Callable[[], Any] | None]


@cache
def _plan_of(model: type[Payload]) -> tuple[_Field, ...]:
    """How ``model`` reads stored data: each field's stored key, name, nested payload,
    default and default factory."""
    return tuple(
        (
            field.alias or name,
            name,
            _payload_in(field.annotation),
            field.default,
            partial(field.get_default, call_default_factory=True)
            if field.default_factory
            else None,
        )
        for name, field in model.model_fields.items()
    )


def _payload_in(annotation: Any) -> type[Payload] | None:
    """The payload class an annotation holds (``Votes | None``, ``list[Member]``), if any."""
    if isinstance(annotation, type) and issubclass(annotation, Payload):
        return annotation
    for argument in get_args(annotation):
        if (found := _payload_in(argument)) is not None:
            return found
    return None


def _nested(model: type[Payload], value: Any) -> Any:
    if isinstance(value, dict):
        return model.from_stored(value)
    if isinstance(value, list):
        return [model.from_stored(item) if isinstance(item, dict) else item for item in value]
    return value  # not the recorded shape: kept as it is, as the rest of the stored data


class Actor(Payload):
    """Who did it and answers for it (谁采集谁负责)."""

    id: Identifier
    name: Name
    role: ActorRole
    org: Name  # a 12-digit division code or a department name


class Source(Payload):
    """The upstream record an event was captured from (CONTRACT §7.2)."""

    system: Literal[
        "national_app", "rescue_platform", "kobo", "odk", "roster", "department_feed", "other"
    ]
    record_id: RecordId


class Material(Payload):
    """A trace material (痕迹资料) proven by its SHA-256."""

    sha256: Sha256Hex
    kind: MaterialKind
    name: Name
    media_type: MediaType
    size: ByteSize


DisabilityGrade = StrictInt


class Member(Payload):
    member_id: Identifier
    name: Name
    id_number: IdNumber | None
    id_missing_reason: Text | None = Field(default=None, validate_default=True)
    relation: Relation
    sex: Sex
    birth_date: IsoDate
    labor: Labor
    health: Health
    disability_grade: DisabilityGrade | None = Field(default=None, ge=1, le=4)
    in_school: Flag | None = None

    # Each error names the field to correct (CONTRACT §7.1), not the whole member: a client
    # or a fuzzer reading "…members[0]: … is required" would take the member for missing.
    @field_validator("id_number")
    @classmethod
    def _gb11643(cls, id_number: str | None) -> str | None:
        if id_number is not None and not has_valid_check_digit(id_number):
            raise ValueError(
                "id_number is not an 18-character GB 11643 number with a valid check digit"
            )
        return id_number

    @field_validator("id_missing_reason")
    @classmethod
    def _reason_without_number(cls, reason: str | None, info: ValidationInfo) -> str | None:
        if "id_number" in info.data and info.data["id_number"] is None and not reason:
            raise ValueError("id_number is null, so id_missing_reason is required")
        return reason


class Period(Payload):
    start: IsoDate
    end: IsoDate

    @field_validator("end")
    @classmethod
    def _ordered(cls, end: date, info: ValidationInfo) -> date:
        start = info.data.get("start")
        if start is not None and end < start:
            raise ValueError(f"period end {end} is before its start {start}")
        return end


class Income(Payload):
    wage: NonNegativeYuan
    operating: NonNegativeYuan
    property: NonNegativeYuan
    transfer: NonNegativeYuan
    operating_cost: NonNegativeYuan


class RigidExpenditure(Payload):
    medical: NonNegativeYuan
    education: NonNegativeYuan
    other: NonNegativeYuan


class Guarantees(Payload):
    """两不愁三保障及饮水安全."""

    food_clothing: Guarantee
    education: Guarantee
    medical: Guarantee
    housing: Guarantee
    drinking_water: Guarantee


class Attendees(Payload):
    party_members: Count
    household_heads: Count
    total: Count


class Votes(Payload):
    for_: Count = Field(alias="for")
    against: Count
    abstain: Count


class Finding(Payload):
    exclusion: Exclusion
    member_id: Identifier | None = None
    since: IsoDate | None = None
