"""Hypothesis strategies for valid events, as an upstream app would send them (plain JSON).

Every strategy here yields JSON values only (``dict``, ``list``, ``str``, ``int``,
``float``, ``bool``, ``None``), shaped like CONTRACT §1, so the ledger's own validation
(``AppendBatch``) and rules (``decide``) are what is exercised, never bypassed.

Two layers:

- context-free strategies, ``event_data(type_)`` and ``events(type_)``: valid shapes,
  with references (member ids, measure ids, event ids …) drawn at random;
- ``Context``: what the rules of CONTRACT §1 need to know of one household (its members,
  measures, objections, issues, events and status), so that ``context.event(type_)``
  yields an event the rules accept *now*, and ``context.apply(event)`` keeps the context
  in step within a batch.

Derived fields are computed, not hoped for: ID numbers carry their GB 11643 check digit,
``per_capita_net_income`` is the income divided by the household size (rounded to cents),
exactly one member is the head, ``filed_card`` follows the category, votes fit the room,
periods and notices end on or after they start, and a marking carries a
``monitoring_type`` exactly when it must.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from ledger.domain.fields import IDENTIFIER_PATTERN
from ledger.domain.idnumber import with_check_digit
from ledger.domain.vocabulary import (
    ActorRole,
    ApplicationChannel,
    AppraisalResult,
    Category,
    CommitteeDecision,
    CountyDecision,
    DataIssueSource,
    Department,
    EffectivenessResult,
    Exclusion,
    Guarantee,
    Health,
    Labor,
    MaterialKind,
    Measure,
    MemberAddedReason,
    MemberRemovedReason,
    MonitoringType,
    NoticeChannel,
    ObjectionOutcome,
    Purpose,
    Relation,
    RiskType,
    ScreeningDecision,
    Sex,
    TownshipDecision,
    WarningCode,
)

JsonDict = dict[str, Any]
_NO_CONTROLS = st.characters(exclude_categories=["Cc", "Cs"])  # CONTRACT §7.1


def _values(enum: Any) -> list[str]:
    return [member.value for member in enum]


@functools.cache
def _one_of_values(enum: Any) -> SearchStrategy[str]:
    return st.sampled_from(_values(enum))


# The status machine of CONTRACT §2, as the generators need it (written out from the
# contract, not imported from the product).
MARKINGS = (
    "enrolled",
    "risk_eliminated",
    "risk_remarked",
    "elimination_rolled_back",
    "withdrawn",
    "risk_mark_rolled_back",
    "type_adjusted",
)
MARKINGS_WITH_TYPE = frozenset({"enrolled", "risk_remarked", "type_adjusted"})
MARKINGS_ALLOWED_FROM: dict[str, frozenset[str]] = {
    "enrolled": frozenset({"not_monitored", "withdrawn"}),
    "risk_eliminated": frozenset({"monitored"}),
    "risk_remarked": frozenset({"risk_eliminated"}),
    "elimination_rolled_back": frozenset({"risk_eliminated"}),
    "withdrawn": frozenset({"monitored", "risk_eliminated"}),
    "risk_mark_rolled_back": frozenset({"monitored", "risk_eliminated"}),
    "type_adjusted": frozenset({"monitored", "risk_eliminated"}),
}
MARKING_TARGET: dict[str, str | None] = {
    "enrolled": "monitored",
    "risk_eliminated": "risk_eliminated",
    "risk_remarked": "monitored",
    "elimination_rolled_back": "monitored",
    "withdrawn": "withdrawn",
    "risk_mark_rolled_back": "not_monitored",
    "type_adjusted": None,  # status unchanged, new type
}
MONITORING_TYPES = tuple(_values(MonitoringType))

STEP_TYPES = frozenset(
    {
        "ScreeningAnalyzed",
        "FieldSurveyConducted",
        "ApplicationSigned",
        "AuthorizationSigned",
        "DemocraticAppraisalHeld",
        "VillageCommitteeDecided",
        "PublicNoticePosted",
        "TownshipReviewed",
        "DepartmentVerified",
        "CountyConfirmed",
        "AssistancePlanned",
        "EffectivenessAppraised",
        "InformedConsentGiven",
    }
)
"""Procedure steps (§3): the types that may carry ``remedies`` (补齐)."""

UNVOIDABLE = frozenset({"HouseholdRegistered", "SystemMarked", "EntryVoided"})

# Scalars

_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
_CJK_PUNCTUATION = st.sampled_from(list("，。、；：（）《》“”0123456789元户人"))


@functools.cache
def chinese(min_size: int = 1, max_size: int = 30) -> SearchStrategy[str]:
    return st.text(st.one_of(_CJK, _CJK_PUNCTUATION), min_size=min_size, max_size=max_size)


_SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗罕岩俸字")


@functools.cache
def person_names() -> SearchStrategy[str]:
    """Han names, and names of the county's minorities written with a middle dot."""
    han = st.builds(
        lambda s, g: s + g, st.sampled_from(_SURNAMES), st.text(_CJK, min_size=1, max_size=2)
    )
    minority = st.builds(
        lambda a, b: f"{a}·{b}",
        st.text(_CJK, min_size=1, max_size=4),
        st.text(_CJK, min_size=1, max_size=4),
    )
    return st.one_of(han, han, minority)


@functools.cache
def texts(max_size: int = 40) -> SearchStrategy[str]:
    """Text (``Text``): mostly Chinese, sometimes any Unicode but control characters."""
    return st.one_of(
        chinese(1, max_size),
        chinese(1, max_size),
        st.text(_NO_CONTROLS, min_size=1, max_size=max_size),
    )


@functools.cache
def identifiers() -> SearchStrategy[str]:
    """``Identifier``: as apps really make them, or anything the pattern allows."""
    return st.one_of(
        st.from_regex(r"[a-z]{1,3}-?[0-9]{1,8}", fullmatch=True),
        st.uuids().map(str),
        st.from_regex(IDENTIFIER_PATTERN, fullmatch=True),
    )


@functools.cache
def references() -> SearchStrategy[str]:
    """``Reference`` (a record's id in another system): 1–64 characters, no control one."""
    return st.one_of(identifiers(), st.text(_NO_CONTROLS, min_size=1, max_size=64))


@functools.cache
def division_codes(prefix: str = "53") -> SearchStrategy[str]:
    """12-digit division codes under ``prefix`` (53 is Yunnan)."""
    return st.text("0123456789", min_size=12 - len(prefix), max_size=12 - len(prefix)).map(
        lambda rest: prefix + rest
    )


# Within the bounds of CONTRACT §7.1 whenever the tests run (from December 2026 on):
# occurred_at until the day before, dates in data until within a year.
LATEST_OCCURRED = date(2026, 12, 5)
LATEST_DATE = date(2026, 12, 31)


@functools.cache
def dates(
    min_value: date = date(1925, 1, 1), max_value: date = date(2035, 12, 31)
) -> SearchStrategy[date]:
    return st.dates(min_value=min_value, max_value=max_value)


@functools.cache
def iso_dates(
    min_value: date = date(2015, 1, 1), max_value: date = LATEST_DATE
) -> SearchStrategy[str]:
    return dates(min_value, max_value).map(date.isoformat)


@functools.cache
def date_ranges(
    min_value: date = date(2015, 1, 1), max_value: date = LATEST_DATE
) -> SearchStrategy[tuple[str, str]]:
    """(start, end) ISO dates with end ≥ start."""
    return st.tuples(dates(min_value, max_value), st.integers(0, 400)).map(
        lambda p: (p[0].isoformat(), min(p[0] + timedelta(days=p[1]), max_value).isoformat())
    )


@functools.cache
def utc_offsets() -> SearchStrategy[str]:
    """RFC 3339 offsets: China's +08:00 and Z most often, and any real one besides."""
    arbitrary = st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}:{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 13),
        st.sampled_from([0, 15, 30, 45]),
    ).filter(lambda offset: offset != "-00:00")  # RFC 3339's "unknown offset"
    return st.one_of(
        st.just("+08:00"),
        st.just("Z"),
        st.sampled_from(
            [
                "+00:00",
                "+05:30",
                "+05:45",
                "-03:30",
                "+14:00",
                "-12:00",
                "+09:00",
                "-08:00",
                "+07:00",
            ]
        ),
        arbitrary,
    )


@st.composite
def rfc3339(
    draw: Any, min_value: date = date(2015, 1, 1), max_value: date = LATEST_OCCURRED
) -> str:
    """An RFC 3339 date-time with an offset, with 0–6 fractional digits."""
    day = draw(dates(min_value, max_value))
    h, m, s = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    digits = draw(st.integers(0, 6))
    fraction = (
        "" if digits == 0 else "." + draw(st.text("0123456789", min_size=digits, max_size=digits))
    )
    return f"{day.isoformat()}T{h:02d}:{m:02d}:{s:02d}{fraction}{draw(utc_offsets())}"


# Yuan: at most 13 integer digits and 2 decimals, sent as a JSON int or float

MAX_CENTS = 10**15 - 1  # 9 999 999 999 999.99


@functools.cache
def cents(max_value: int = MAX_CENTS) -> SearchStrategy[int]:
    """Amounts in cents: mostly what a rural household sees, sometimes up to the limit."""
    return st.one_of(st.integers(0, 5_000_000), st.integers(0, max_value))


@st.composite
def as_json_number(draw: Any, amount: Decimal) -> int | float:
    """``amount`` (≤ 15 significant digits) as a JSON int or float: what an app sends.

    A float of at most 15 significant digits prints back as the same decimal digits, so
    the ledger sees exactly ``amount``."""
    if amount == amount.to_integral_value() and draw(st.booleans()):
        return int(amount)
    return float(amount)


@st.composite
def yuan(draw: Any, max_cents: int = MAX_CENTS) -> int | float:
    """A non-negative amount in yuan, as a JSON number."""
    amount: int | float = draw(as_json_number(Decimal(draw(cents(max_cents))) / 100))
    return amount


# Shapes shared by several types


@functools.cache
def actors() -> SearchStrategy[JsonDict]:
    return st.fixed_dictionaries(
        {
            "id": identifiers(),
            "name": person_names(),
            "role": _one_of_values(ActorRole),
            "org": st.one_of(
                division_codes(),
                st.sampled_from(
                    ["双江县医疗保障局", "双江县乡村振兴局", "沙河乡人民政府", "县民政局"]
                ),
            ),
        }
    )


@functools.cache
def materials() -> SearchStrategy[JsonDict]:
    return st.fixed_dictionaries(
        {
            "sha256": st.binary(max_size=32).map(lambda b: hashlib.sha256(b).hexdigest()),
            "kind": _one_of_values(MaterialKind),
            "name": st.builds(
                lambda stem, ext: stem + ext,
                chinese(1, 20),
                st.sampled_from([".jpg", ".png", ".pdf", ".xlsx", ""]),
            ),
            "media_type": st.sampled_from(
                [
                    "image/jpeg",
                    "image/png",
                    "application/pdf",
                    "application/vnd.ms-excel",
                    "text/plain",
                ]
            ),
            # Count caps at 1 000 000: see the report on material sizes.
            "size": st.integers(0, 1_000_000),
        }
    )


_REGIONS = ["530925", "530921", "530900", "532923", "110101", "440305"]


def _id_number(region: str, born: date, sex: str, serial: int) -> str:
    # GB 11643: region, birth date, a serial whose last digit is odd for men.
    serial = serial * 2 + (1 if sex == "M" else 0)
    return with_check_digit(f"{region}{born:%Y%m%d}{serial % 1000:03d}")


@st.composite
def members(
    draw: Any,
    member_id: SearchStrategy[str] | None = None,
    relation: SearchStrategy[str] | None = None,
    taken_id_numbers: frozenset[str] = frozenset(),
) -> JsonDict:
    """A MEMBER, with an ID number not in ``taken_id_numbers`` (or none, with a reason)."""
    sex = draw(_one_of_values(Sex))
    born = draw(dates(date(1925, 1, 1), date(2014, 12, 31)))  # before any occurred_at
    member: JsonDict = {
        "member_id": draw(member_id if member_id is not None else identifiers()),
        "name": draw(person_names()),
        "relation": draw(relation if relation is not None else _one_of_values(Relation)),
        "sex": sex,
        "birth_date": born.isoformat(),
        "labor": draw(_one_of_values(Labor)),
        "health": draw(_one_of_values(Health)),
    }
    if draw(st.integers(0, 5)) == 0:
        member["id_number"] = None
        member["id_missing_reason"] = draw(
            st.sampled_from(["新生儿，尚未办理", "户籍待迁入", "未落户"]) | texts(40)
        )
    else:
        region, serial = draw(st.sampled_from(_REGIONS)), draw(st.integers(0, 499))
        number = _id_number(region, born, sex, serial)
        while number in taken_id_numbers:
            serial = (serial + 1) % 500
            number = _id_number(region, born, sex, serial)
        member["id_number"] = number
    for key, values in (("disability_grade", st.integers(1, 4)), ("in_school", st.booleans())):
        if draw(st.booleans()):
            member[key] = draw(st.none() | values)
    return member


_NON_HEAD = st.sampled_from([r for r in _values(Relation) if r != "head"])


@st.composite
def household_registered_data(draw: Any, village_prefix: str = "53") -> JsonDict:
    ids = draw(st.lists(identifiers(), min_size=1, max_size=6, unique=True))
    head = draw(st.integers(0, len(ids) - 1))
    people: list[JsonDict] = []
    for index, member_id in enumerate(ids):
        taken = frozenset(m["id_number"] for m in people if m["id_number"])
        relation = st.just("head") if index == head else _NON_HEAD
        people.append(draw(members(st.just(member_id), relation, taken)))
    category = draw(_one_of_values(Category))
    return {
        "village_code": draw(division_codes(village_prefix)),
        "group": draw(st.sampled_from(["大文一组", "邦况二组", "忙糯三组"]) | chinese(1, 10)),
        "category": category,
        "filed_card": category == "poverty_alleviated",
        "members": people,
    }


def _optional(
    entries: dict[str, SearchStrategy[Any]], nullable: bool = True
) -> dict[str, SearchStrategy[Any]]:
    """Optional keys: absent, present, or (where ``nullable``) present as null."""
    return {key: (st.none() | value) if nullable else value for key, value in entries.items()}


def _data(
    required: dict[str, SearchStrategy[Any]], optional: dict[str, SearchStrategy[Any]] | None = None
) -> SearchStrategy[JsonDict]:
    return st.fixed_dictionaries(required, optional=optional or {})


@st.composite
def field_survey_data(draw: Any) -> JsonDict:
    start, end = draw(date_ranges(date(2015, 1, 1), LATEST_DATE))
    parts = {
        name: Decimal(draw(cents())) / 100
        for name in ("wage", "operating", "property", "transfer", "operating_cost")
    }
    size: int = draw(st.one_of(st.integers(1, 8), st.integers(1, 100)))

    def per_capita_of(parts: dict[str, Decimal]) -> Decimal:
        net = (
            parts["wage"]
            + parts["operating"]
            + parts["property"]
            + parts["transfer"]
            - parts["operating_cost"]
        )
        return (net / size).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN)

    per_capita = per_capita_of(parts)
    if abs(per_capita) >= 10**13:
        # The result, like every amount, has at most 13 integer digits, so a survey whose
        # sources add up to 10 trillion yuan a head cannot be recorded: scale them down.
        parts = {
            k: (v / 5).quantize(Decimal("0.01"), rounding=ROUND_DOWN) for k, v in parts.items()
        }
        per_capita = per_capita_of(parts)
    data: JsonDict = {
        "purpose": draw(_one_of_values(Purpose)),
        "period": {"start": start, "end": end},
        "income": {name: draw(as_json_number(amount)) for name, amount in parts.items()},
        "household_size": size,
        "per_capita_net_income": draw(as_json_number(per_capita)),
        "rigid_expenditure": {name: draw(yuan()) for name in ("medical", "education", "other")},
        "guarantees": {
            name: draw(_one_of_values(Guarantee))
            for name in ("food_clothing", "education", "medical", "housing", "drinking_water")
        },
        "whole_household_lacks_labor": draw(st.booleans()),
        "risk_types": draw(st.lists(_one_of_values(RiskType), max_size=5, unique=True)),
    }
    data.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional=_optional(
                    {
                        "stable_income_from_work": st.booleans(),
                        "system_ref": references(),
                    }
                ),
            )
        )
    )
    return data


@st.composite
def democratic_appraisal_data(draw: Any) -> JsonDict:
    party, heads = draw(st.integers(0, 60)), draw(st.integers(0, 400))
    total = party + heads + draw(st.integers(0, 100))
    data: JsonDict = {
        "purpose": draw(_one_of_values(Purpose)),
        "attendees": {"party_members": party, "household_heads": heads, "total": total},
        "result": draw(_one_of_values(AppraisalResult)),
    }
    choice = draw(st.integers(0, 2))
    if choice == 1:
        data["votes"] = None
    elif choice == 2:
        cast = draw(st.integers(0, total))
        for_ = draw(st.integers(0, cast))
        against = draw(st.integers(0, cast - for_))
        data["votes"] = {
            "for": for_,
            "against": against,
            "abstain": draw(st.integers(0, cast - for_ - against)),
        }
    return data


@st.composite
def county_confirmed_data(draw: Any) -> JsonDict:
    purpose, decision = draw(_one_of_values(Purpose)), draw(_one_of_values(CountyDecision))
    data: JsonDict = {"purpose": purpose, "decision": decision}
    if purpose == "identification" and decision == "confirmed":
        data["monitoring_type"] = draw(st.sampled_from(MONITORING_TYPES))
    elif draw(st.booleans()):
        data["monitoring_type"] = draw(st.none() | st.sampled_from(MONITORING_TYPES))
    data.update(
        draw(
            st.fixed_dictionaries(
                {},
                optional={
                    "risk_types": st.lists(_one_of_values(RiskType), max_size=5, unique=True),
                    "responsible_department": st.none() | _one_of_values(Department),
                    "special_inclusion": st.none() | texts(),
                },
            )
        )
    )
    return data


@st.composite
def system_marked_data(
    draw: Any, markings: SearchStrategy[str] | None = None, current_type: str | None = None
) -> JsonDict:
    """A marking, with a ``monitoring_type`` exactly when it needs one (a type adjustment
    to a type other than ``current_type``)."""
    marking = draw(markings if markings is not None else st.sampled_from(MARKINGS))
    data: JsonDict = {"marking": marking}
    if marking in MARKINGS_WITH_TYPE:
        choices = [
            t for t in MONITORING_TYPES if not (marking == "type_adjusted" and t == current_type)
        ]
        data["monitoring_type"] = draw(st.sampled_from(choices))
    elif draw(st.booleans()):
        data["monitoring_type"] = None
    if draw(st.booleans()):
        data["system_ref"] = draw(st.none() | references())
    return data


@st.composite
def member_updated_data(draw: Any, member_id: SearchStrategy[str]) -> JsonDict:
    changes = {
        "labor": _one_of_values(Labor),
        "health": _one_of_values(Health),
        "disability_grade": st.none() | st.integers(1, 4),
        "in_school": st.none() | st.booleans(),
    }
    keys = draw(st.lists(st.sampled_from(sorted(changes)), min_size=1, unique=True))
    return {"member_id": draw(member_id), **{key: draw(changes[key]) for key in keys}}


@st.composite
def notice_data(draw: Any) -> JsonDict:
    start, end = draw(date_ranges())
    return {
        "purpose": draw(_one_of_values(Purpose)),
        "channels": draw(st.lists(_one_of_values(NoticeChannel), max_size=3, unique=True)),
        "start_date": start,
        "end_date": end,
    }


_ITEMS_CHECKED = [
    "household_registration",
    "property",
    "vehicle",
    "civil_servant",
    "business",
    "health",
    "schooling",
    "employment",
]


@functools.cache
def findings(member_id: SearchStrategy[str]) -> SearchStrategy[JsonDict]:
    return _data(
        {"exclusion": _one_of_values(Exclusion)},
        _optional({"member_id": member_id, "since": iso_dates(date(2000, 1, 1))}),
    )


@dataclass(frozen=True)
class Refs:
    """Where a generated event's references come from (default: anywhere)."""

    member_id: SearchStrategy[str] = field(default_factory=identifiers)
    present_member_id: SearchStrategy[str] = field(default_factory=identifiers)
    new_member: SearchStrategy[JsonDict] = field(
        default_factory=lambda: members(relation=_NON_HEAD)
    )
    objection_id: SearchStrategy[str] = field(default_factory=lambda: st.uuids().map(str))
    new_measure_id: SearchStrategy[str] = field(default_factory=identifiers)
    running_measure_id: SearchStrategy[str] = field(default_factory=identifiers)
    new_issue_id: SearchStrategy[str] = field(default_factory=identifiers)
    open_issue_id: SearchStrategy[str] = field(default_factory=identifiers)
    event_id: SearchStrategy[str] = field(default_factory=lambda: st.uuids().map(str))
    voidable_event_id: SearchStrategy[str] = field(default_factory=lambda: st.uuids().map(str))
    marking: SearchStrategy[JsonDict] = field(default_factory=system_marked_data)
    village_prefix: str = "53"


@functools.lru_cache(maxsize=512)
def event_data(type_: str, refs: Refs | None = None) -> SearchStrategy[JsonDict]:
    """Valid ``data`` of ``type_``, its references drawn from ``refs``."""
    r = refs or Refs()
    purpose = _one_of_values(Purpose)
    builders: dict[str, Any] = {
        "HouseholdRegistered": lambda: household_registered_data(r.village_prefix),
        "MemberAdded": lambda: _data(
            {"member": r.new_member, "reason": _one_of_values(MemberAddedReason)}
        ),
        "MemberRemoved": lambda: _data(
            {"member_id": r.present_member_id, "reason": _one_of_values(MemberRemovedReason)}
        ),
        "MemberUpdated": lambda: member_updated_data(r.member_id),
        "LocationRecorded": lambda: _data(
            {
                "lat": st.one_of(
                    st.floats(-90, 90), st.integers(-90, 90), st.floats(21.1, 29.2)
                ),  # Yunnan lies within 21–30°N
                "lon": st.one_of(
                    st.floats(-180, 180), st.integers(-180, 180), st.floats(97.5, 106.2)
                ),
            },
            _optional({"accuracy_m": st.one_of(st.floats(0, 10_000), st.integers(0, 10_000))}),
        ),
        "AssistanceApplied": lambda: _data(
            {"channel": _one_of_values(ApplicationChannel), "summary": texts()}
        ),
        "WarningReceived": lambda: _data(
            {
                "department": _one_of_values(Department),
                "code": _one_of_values(WarningCode),
                "summary": texts(),
            },
            _optional({"amount": yuan()}),
        ),
        "ScreeningAnalyzed": lambda: _data(
            {"decision": _one_of_values(ScreeningDecision), "basis": texts()}
        ),
        "FieldSurveyConducted": field_survey_data,
        "ApplicationSigned": lambda: _data({"member_id": r.member_id}),
        "AuthorizationSigned": lambda: _data({"member_id": r.member_id}),
        "DemocraticAppraisalHeld": democratic_appraisal_data,
        "VillageCommitteeDecided": lambda: _data(
            {"purpose": purpose, "decision": _one_of_values(CommitteeDecision)},
            _optional({"measures": st.lists(_one_of_values(Measure), max_size=5, unique=True)}),
        ),
        "PublicNoticePosted": notice_data,
        "ObjectionRaised": lambda: _data({"purpose": purpose, "summary": texts()}),
        "ObjectionResolved": lambda: _data(
            {
                "objection_id": r.objection_id,
                "outcome": _one_of_values(ObjectionOutcome),
                "summary": texts(),
            },
            _optional({"feedback_given": st.booleans()}),
        ),
        "TownshipReviewed": lambda: _data(
            {
                "purpose": purpose,
                "decision": _one_of_values(TownshipDecision),
                "spot_checked": st.booleans(),
            }
        ),
        "DepartmentVerified": lambda: _data(
            {
                "purpose": purpose,
                "department": _one_of_values(Department),
                "consistent": st.booleans(),
                "findings": st.lists(findings(r.member_id), max_size=3),
                "summary": texts(),
            },
            _optional(
                {
                    "items_checked": st.lists(
                        st.sampled_from(_ITEMS_CHECKED), max_size=4, unique=True
                    )
                }
            ),
        ),
        "CountyConfirmed": county_confirmed_data,
        "AssistancePlanned": lambda: _data(
            {
                "measure_id": r.new_measure_id,
                "category": _one_of_values(Measure),
                "summary": texts(),
            },
            _optional({"start_date": iso_dates()}),
        ),
        "AssistanceDelivered": lambda: _data(
            {"measure_id": r.running_measure_id, "delivered_on": iso_dates(), "summary": texts()},
            _optional({"amount": yuan()}),
        ),
        "AssistanceEnded": lambda: _data({"measure_id": r.running_measure_id, "reason": texts()}),
        "EffectivenessAppraised": lambda: _data(
            {"result": _one_of_values(EffectivenessResult), "summary": texts()}
        ),
        "InformedConsentGiven": lambda: _data({"purpose": purpose, "member_id": r.member_id}),
        "SystemMarked": lambda: r.marking,
        "DataIssueRaised": lambda: _data(
            {
                "issue_id": r.new_issue_id,
                "source": _one_of_values(DataIssueSource),
                "code": st.sampled_from(["ID_MISMATCH", "INCOME_MISSING", "DUPLICATE_MEMBER"])
                | identifiers(),
                "summary": texts(),
            },
            _optional({"member_id": r.member_id}),
        ),
        "DataIssueResolved": lambda: _data({"issue_id": r.open_issue_id, "summary": texts()}),
        "MaterialAttached": lambda: _data({"target_event_id": r.event_id, "note": texts()}),
        "EntryVoided": lambda: _data({"target_event_id": r.voidable_event_id, "reason": texts()}),
    }
    strategy: SearchStrategy[JsonDict] = builders[type_]()
    return strategy


@st.composite
def events(
    draw: Any, type_: str, refs: Refs | None = None, remedies: SearchStrategy[str] | None = None
) -> JsonDict:
    """A whole event (envelope and ``data``) of ``type_``.

    ``remedies`` (the marking a step completes) is only ever set on procedure steps; by
    default it is any UUID."""
    event: JsonDict = {
        "type": type_,
        "occurred_at": draw(rfc3339()),
        "actor": draw(actors()),
        "data": draw(event_data(type_, refs)),
    }
    attached = st.lists(materials(), min_size=1, max_size=3)
    if type_ == "MaterialAttached":
        event["materials"] = draw(attached)
    elif draw(st.booleans()):
        event["materials"] = draw(st.just([]) | attached)
    if type_ in STEP_TYPES:
        remedies = remedies if remedies is not None else st.uuids().map(str)
        if draw(st.booleans()):
            event["remedies"] = draw(st.none() | remedies)
    return event


class _Unused:
    """A filter predicate: not among ``used`` (a class, so Hypothesis does not parse it)."""

    def __init__(self, used: frozenset[str]) -> None:
        self.used = used

    def __call__(self, value: str) -> bool:
        return value not in self.used


_REFERENCES: dict[str, tuple[str, ...]] = {
    "MemberAdded": ("new_member",),
    "MemberRemoved": ("present_member_id",),
    "MemberUpdated": ("member_id",),
    "ApplicationSigned": ("member_id",),
    "AuthorizationSigned": ("member_id",),
    "InformedConsentGiven": ("member_id",),
    "DepartmentVerified": ("member_id",),
    "ObjectionResolved": ("objection_id",),
    "AssistancePlanned": ("new_measure_id",),
    "AssistanceDelivered": ("running_measure_id",),
    "AssistanceEnded": ("running_measure_id",),
    "DataIssueRaised": ("new_issue_id", "member_id"),
    "DataIssueResolved": ("open_issue_id",),
    "MaterialAttached": ("event_id",),
    "EntryVoided": ("voidable_event_id",),
    "SystemMarked": ("marking",),
}
"""The references each type makes (the fields of ``Refs`` it reads)."""


@dataclass
class Context:
    """What CONTRACT §1's rules need to know of one household, to generate accepted events.

    Built from a registration (``registered``) or from the ledger's state of a household
    (``of``), then advanced with ``apply`` after each generated event of a batch. Event
    ids exist only once appended: ``identify`` notes them (or placeholders that the
    caller swaps for the real ids), and only then can events refer to them (objections,
    attachments, voids, ``remedies``). ``apply`` of an ``EntryVoided`` notes the void but
    not its effect on state; rebuild with ``of`` where that matters.
    """

    members: dict[str, bool] = field(default_factory=dict)  # member_id -> present
    id_numbers: dict[str, str | None] = field(default_factory=dict)
    open_objections: set[str] = field(default_factory=set)
    measures: dict[str, bool] = field(default_factory=dict)  # measure_id -> ended
    issues: dict[str, bool] = field(default_factory=dict)  # issue_id -> open
    event_types: dict[str, str] = field(default_factory=dict)  # event id -> type
    voided: set[str] = field(default_factory=set)
    status: str = "not_monitored"
    monitoring_type: str | None = None

    @classmethod
    def registered(cls, registration: JsonDict) -> Context:
        context = cls()
        context.apply(registration)
        return context

    @classmethod
    def of(cls, household: Any) -> Context:
        """From a ``ledger.domain.household.Household``."""
        return cls(
            members={k: m["present"] for k, m in household.members.items()},
            id_numbers={k: m["id_number"] for k, m in household.members.items()},
            open_objections={o["objection_id"] for o in household.open_objections()},
            measures={k: m["ended"] for k, m in household.measures.items()},
            issues={k: i["open"] for k, i in household.data_issues.items()},
            event_types=dict(household.event_types),
            voided=set(household.voided),
            status=str(household.status),
            monitoring_type=household.monitoring_type,
        )

    # What can be referenced now

    def _present(self) -> list[str]:
        return sorted(k for k, present in self.members.items() if present)

    def _running(self) -> list[str]:
        return sorted(k for k, ended in self.measures.items() if not ended)

    def _open_issues(self) -> list[str]:
        return sorted(k for k, is_open in self.issues.items() if is_open)

    def _voidable(self) -> list[str]:
        return sorted(
            k for k, t in self.event_types.items() if t not in UNVOIDABLE and k not in self.voided
        )

    def _markings(self) -> list[str]:
        return sorted(k for k, t in self.event_types.items() if t == "SystemMarked")

    def allowed_markings(self) -> list[str]:
        return [m for m in MARKINGS if self.status in MARKINGS_ALLOWED_FROM[m]]

    def available(self, type_: str) -> bool:
        """Whether an event of ``type_`` can be accepted now."""
        needs = {
            "HouseholdRegistered": not self.members,
            "MemberAdded": bool(self.members),
            "MemberRemoved": bool(self._present()),
            "ObjectionResolved": bool(self.open_objections),
            "AssistanceDelivered": bool(self._running()),
            "AssistanceEnded": bool(self._running()),
            "DataIssueResolved": bool(self._open_issues()),
            "MaterialAttached": bool(self.event_types),
            "EntryVoided": bool(self._voidable()),
        }
        return needs.get(type_, bool(self.members))

    def refs(self, type_: str) -> Refs:
        """References an event of ``type_`` can make now (only those it needs are built)."""

        def some(values: list[str]) -> SearchStrategy[str]:
            return st.sampled_from(values) if values else st.nothing()

        def new(used: Any) -> SearchStrategy[str]:
            return identifiers().filter(_Unused(frozenset(used)))

        taken = frozenset(n for k, n in self.id_numbers.items() if n and self.members[k])
        makers: dict[str, Callable[[], SearchStrategy[Any]]] = {
            "member_id": lambda: some(sorted(self.members)),
            "present_member_id": lambda: some(self._present()),
            "new_member": lambda: members(new(self.members), _NON_HEAD, taken),
            "objection_id": lambda: some(sorted(self.open_objections)),
            "new_measure_id": lambda: new(self.measures),
            "running_measure_id": lambda: some(self._running()),
            "new_issue_id": lambda: new(self.issues),
            "open_issue_id": lambda: some(self._open_issues()),
            "event_id": lambda: some(sorted(self.event_types)),
            "voidable_event_id": lambda: some(self._voidable()),
            "marking": lambda: system_marked_data(
                st.sampled_from(self.allowed_markings()), self.monitoring_type
            ),
        }
        chosen: dict[str, Any] = {name: makers[name]() for name in _REFERENCES.get(type_, ())}
        return Refs(**chosen)

    def event(self, type_: str) -> SearchStrategy[JsonDict]:
        """An event of ``type_`` the rules accept in this state (see ``available``)."""
        markings = self._markings()
        return events(
            type_,
            self.refs(type_),
            remedies=st.sampled_from(markings) if markings else st.nothing(),
        )

    def apply(self, event: JsonDict, event_id: str | None = None) -> None:
        """Advances the context past ``event`` (and notes its id, if given)."""
        d = event["data"]
        type_ = event["type"]
        if type_ == "HouseholdRegistered":
            for m in d["members"]:
                self.members[m["member_id"]] = True
                self.id_numbers[m["member_id"]] = m["id_number"]
        elif type_ == "MemberAdded":
            self.members[d["member"]["member_id"]] = True
            self.id_numbers[d["member"]["member_id"]] = d["member"]["id_number"]
        elif type_ == "MemberRemoved":
            self.members[d["member_id"]] = False
        elif type_ == "ObjectionResolved":
            self.open_objections.discard(d["objection_id"])
        elif type_ == "AssistancePlanned":
            self.measures[d["measure_id"]] = False
        elif type_ == "AssistanceEnded":
            self.measures[d["measure_id"]] = True
        elif type_ == "DataIssueRaised":
            self.issues[d["issue_id"]] = True
        elif type_ == "DataIssueResolved":
            self.issues[d["issue_id"]] = False
        elif type_ == "EntryVoided":
            self.voided.add(d["target_event_id"])
        elif type_ == "SystemMarked":
            marking = d["marking"]
            self.status = MARKING_TARGET[marking] or self.status
            if marking in MARKINGS_WITH_TYPE:
                self.monitoring_type = d["monitoring_type"]
            elif marking in ("withdrawn", "risk_mark_rolled_back"):
                self.monitoring_type = None
        if event_id is not None:
            self.identify(event, event_id)

    def identify(self, event: JsonDict, event_id: str) -> None:
        """Notes the id of ``event``, already applied, once it is known."""
        self.event_types[event_id] = event["type"]
        if event["type"] == "ObjectionRaised":
            self.open_objections.add(event_id)


def registrations(village_prefix: str = "53") -> SearchStrategy[JsonDict]:
    """A whole ``HouseholdRegistered`` event in a village under ``village_prefix``."""
    return events("HouseholdRegistered", Refs(village_prefix=village_prefix))
