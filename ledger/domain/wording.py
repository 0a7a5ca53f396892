"""How the rules explain what they find in two languages (CONTRACT §7.5): ``detail`` in
English names the events by type and id, for an auditor checking by hand; ``detail_zh``
says the same for county staff (评估人员) in Chinese, naming the events by the Chinese label
of their type and their date, and codes by their labels, never by a raw event id.

A rule builds both at once, as a ``Said`` pair, so a detail made of several reasons joins
parallel English and Chinese sentences rather than translating text after the fact.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ledger.domain.events import HouseholdEvent
from ledger.domain.exclusions import Finding
from ledger.domain.labels import Vocabulary, field_label, label, value_vocabulary
from ledger.domain.record import day


@dataclass(frozen=True)
class Said:
    """One explanation, in English (``en``) and in Chinese (``zh``)."""

    en: str
    zh: str


def joined(reasons: Iterable[Said]) -> Said:
    """Several reasons as one explanation: English sentences spaced, Chinese ones not."""
    listed = list(reasons)
    return Said(" ".join(r.en for r in listed), "".join(r.zh for r in listed))


def date_zh(on: date | datetime | None) -> str:
    """A date as county documents write it: 2021年10月20日 (未填写 when there is none)."""
    if isinstance(on, datetime):
        on = on.date()
    return f"{on.year}年{on.month}月{on.day}日" if isinstance(on, date) else "（日期未填写）"


def event_zh(event: HouseholdEvent) -> str:
    """An event by its field date and its type's Chinese label: 2021年10月20日的“公示”记录."""
    if event.TYPE == "SystemMarked":
        return marking_zh(event)
    return f"{date_zh(day(event))}的“{label('event_type', event.TYPE)}”记录"


def marking_zh(event: HouseholdEvent) -> str:
    """A marking by its date and its label: 2021年11月20日的“纳入监测”标注."""
    return f"{date_zh(day(event))}的“{label('marking', event.data.get('marking'))}”标注"


def events_zh(events: Iterable[HouseholdEvent]) -> str:
    return "、".join(event_zh(e) for e in events) or "无"


def labelled_zh(vocabulary: Vocabulary, values: Iterable[Any], joiner: str = "、") -> str:
    """Values of a vocabulary by their labels, in quotes: “村公开栏”、“政府救助平台”."""
    return joiner.join(f"“{label(vocabulary, v)}”" for v in values)


def value_zh(event_type: str, field: str, value: Any) -> str:
    """A field's value as a reader sees it: its label where the field has a vocabulary."""
    if value is None or value == "":
        return "（未填写）"
    vocabulary = value_vocabulary(event_type, field)
    return label(vocabulary, value) if vocabulary else str(value)


def field_zh(event_type: str, field: str) -> str:
    return field_label(field, event_type)


def finding_zh(finding: Finding) -> str:
    """A department's finding of an exclusion situation, as ``Finding.describe`` says it:
    the department, the date, the situation, the member (by member id) and since when."""
    verification = finding.verification
    department = label("department", verification.data.get("department"))
    who = f"（涉及成员 {finding.member_id}）" if finding.member_id else ""
    since = f"，自{date_zh(finding.since)}起" if finding.since else ""
    return (
        f"{event_zh(verification)}中，{department}发现"
        f"“{label('exclusion', finding.exclusion)}”{who}{since}"
    )
