"""How findings name things, in English and in Chinese for county staff: events by type
and date (the Chinese without raw ids), vocabulary values by their labels, dates as
2021年10月20日. Never a personal value: members are named by their member id."""

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from ledger.domain import labels
from ledger.domain.events import HouseholdEvent
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.model import Finding
from ledger.domain.record import day

RULES_ZH: Mapping[str, str] = {"Guizhou rule": "贵州省规定"}


def zh_date(on: date) -> str:
    return f"{on.year}年{on.month}月{on.day}日"


def cite(event: HouseholdEvent) -> str:
    return f"{event.TYPE} {event.id} ({day(event)})"


def cite_zh(event: HouseholdEvent) -> str:
    """An event for a Chinese reader: its date and type (2021年10月21日入户核查)."""
    return f"{zh_date(day(event))}{labels.EVENT_TYPE_LABELS.get(event.TYPE, event.TYPE)}"


def label(table: Mapping[str, str], value: Any) -> str:
    """A vocabulary value's Chinese label (the value itself when unknown)."""
    return table.get(str(value), str(value))


def labelled(table: Mapping[str, str], values: Iterable[Any]) -> str:
    return "、".join(label(table, v) for v in values)


def listed(values: Iterable[Any]) -> str:
    return ", ".join(f"'{v}'" for v in values)


def yuan(value: Decimal, places: str = "0.01") -> str:
    """An amount to the cent (or ``places``), without trailing zeros (3000, 2500.5)."""
    try:
        rounded = value.quantize(Decimal(places))
    except InvalidOperation:  # more digits than the context holds: shown as it is
        rounded = value
    text = format(rounded, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def finding(
    code: FindingCode,
    detail: str,
    detail_zh: str,
    events: Iterable[str],
    active_from: date | None = None,
    active_until: date | None = None,
) -> Finding:
    """A finding whose details end with the rule number; ``events`` in first-cited order."""
    ids = tuple(dict.fromkeys(e for e in events if e))
    national = code.rule[:1].isdigit()  # a rule number of the national system's checks
    rule = f"national rule {code.rule}" if national else code.rule
    rule_zh = (
        f"国家监测系统校验规则 {code.rule}" if national else RULES_ZH.get(code.rule, code.rule)
    )
    return Finding(
        code,
        f"{detail} ({code.value}, {rule})",
        f"{detail_zh}（{code.label_zh}；{rule_zh}）",
        ids,
        active_from,
        active_until,
    )
