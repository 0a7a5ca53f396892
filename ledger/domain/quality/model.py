"""What the quality rules give: findings of one household, the facts of one household that
cross-household checks group by, and what a group of facts is judged to show.

Everything here is plain data, so the read models store it and a rebuild gives exactly
what live updating gave: a household's findings and facts are computed from its own
events (and its opened personal values); a group's signals and cross-household findings
from the facts of that group alone.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from ledger.domain.personal import is_commitment
from ledger.domain.quality.codes import FindingCode, SignalCode


@dataclass(frozen=True)
class Finding:
    """A prompt to check one household (CONTRACT §7.5): ``detail`` names the events, values
    and rule in English, ``detail_zh`` the same in Chinese (numbers, dates and the events'
    types in words, no raw ids); ``events`` are the ids of the events it rests on. It holds
    at a reference date from ``active_from`` (None: always) until before ``active_until``
    (None: for ever), as look-back windows do: an age or a deadline moves with the date."""

    code: FindingCode
    detail: str
    detail_zh: str
    events: tuple[str, ...] = ()
    active_from: date | None = None
    active_until: date | None = None

    @property
    def rule(self) -> str:
        return self.code.rule

    def active_at(self, day: date) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_until is None or day < self.active_until
        )

    def to_document(self) -> dict[str, Any]:
        return {
            "code": self.code.value,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
            "rule": self.rule,
            "events": list(self.events),
        }


class FactKind(StrEnum):
    """What a fact is grouped by (its ``key``) in a cross-household check."""

    PERSON = "person"  # key: the ID number's keyed index (HMAC), value: the member id
    INCOME = "income"  # key: "<village code>/<year>", value: per-capita income (yuan, text)
    ELIMINATION = "elimination"  # key: "<actor>/<date>", value: "" (actor: "actor:<id>" or
    #                              "token:<recorded_by token id>")
    TEXT = "text"  # key: SHA-256 of the trimmed text, value: the field ("summary", …)
    MATERIAL = "material"  # key: the file's SHA-256, value: the material kind
    TRIGGER = "trigger"  # key: the village code, value: "warning" / "application"
    ENROLMENT = "enrolment"  # key: the village code, value: ""


@dataclass(frozen=True)
class Fact:
    """One household's contribution to a group: ``day`` is the event's date (occurred_at)
    where the check needs one."""

    kind: FactKind
    key: str
    household_id: str
    village_code: str
    event_id: str
    value: str = ""
    day: date | None = None


@dataclass(frozen=True)
class Signal:
    """A formalism signal over a group of households (CONTRACT §7.5): ``key`` is the group's
    (``code`` and ``key`` together name it for good), ``division`` the longest common
    prefix (2, 4, 6, 9 or 12 digits) of its households' village codes."""

    code: SignalCode
    key: str
    division: str
    detail: str
    detail_zh: str
    households: tuple[tuple[str, str], ...]  # (household id, village code), by id
    events: tuple[str, ...]
    active_from: date | None = None
    active_until: date | None = None

    def to_document(self, households: list[str] | None = None) -> dict[str, Any]:
        """The API's item; ``households`` the ones the caller may see (default: all)."""
        return {
            "code": self.code.value,
            "division": self.division,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
            "households": households
            if households is not None
            else [household_id for household_id, _ in self.households],
            "events": list(self.events),
        }


@dataclass(frozen=True)
class Derived:
    """What one group of facts shows: its signals, and findings of its households (a
    duplicate person, an income outlier) by household id."""

    signals: list[Signal] = field(default_factory=list)
    findings: list[tuple[str, Finding]] = field(default_factory=list)


def common_division(village_codes: list[str] | tuple[str, ...] | set[str]) -> str:
    """The longest of a village code's division prefixes (12, 9, 6, 4, 2 digits, else "")
    that every code shares."""
    codes = sorted(set(village_codes))
    if not codes:
        return ""
    first, last = codes[0], codes[-1]
    for length in (12, 9, 6, 4, 2):
        if first[:length] == last[:length]:
            return first[:length]
    return ""


@dataclass(frozen=True)
class Openings:
    """A household's personal values as the quality rules may use them (CONTRACT §7.3):
    ``values`` maps each commitment that still opens to its value (an erased one is
    absent); ``index_key`` keys the duplicate-person index, so the read models hold an
    ID number only as an HMAC no one without the key can test a guess against."""

    values: Mapping[str, Any] = field(default_factory=dict)
    index_key: bytes = b""

    def value(self, held: Any) -> Any:
        """The opened value of a field as the state holds it (a commitment, or a value
        recorded before commitments), None when erased or unknown."""
        if is_commitment(held):
            return self.values.get(held)
        return held

    def person_key(self, id_number: str) -> str | None:
        """The index key of an ID number (upper-cased, trimmed), None without a key."""
        if not self.index_key:
            return None
        normalized = id_number.strip().upper().encode()
        return hmac.new(self.index_key, normalized, hashlib.sha256).hexdigest()


NO_OPENINGS = Openings()
"""No personal values: the rules that need them judge nothing."""
