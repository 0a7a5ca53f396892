"""The two look-back rules that look at the reference date.

They are judged in two parts: what the household's events alone decide, once; then,
cheaply, the reasons at each reference date. Most households give no reason at any date,
which the first part already knows (None).
"""

from collections.abc import Callable
from datetime import date, timedelta

from ledger.domain.lookback.facts import Facts
from ledger.domain.procedure import TRIGGERS
from ledger.domain.record import day
from ledger.domain.wording import Said, date_zh, event_zh, marking_zh

ReasonsAt = Callable[[date], list[Said]]
"""A dated rule's reasons for one household at a reference date."""
DatedRule = Callable[[Facts], ReasonsAt | None]


def trigger_unverified(f: Facts) -> ReasonsAt | None:
    days = f.config.trigger_followup_days
    checks = [day(e) for e in f.record.of_type("ScreeningAnalyzed", "FieldSurveyConducted")]
    unverified: list[tuple[date, Said]] = []  # (deadline, reason once it has passed)
    for trigger in f.record.of_type(*TRIGGERS):
        deadline = day(trigger) + timedelta(days=days.value)
        if any(day(trigger) <= on <= deadline for on in checks):
            continue
        unverified.append(
            (
                deadline,
                Said(
                    f"{trigger.TYPE} {trigger.id} ({day(trigger)}) had no ScreeningAnalyzed or "
                    f"FieldSurveyConducted by {deadline}, {days.value} days after it "
                    f"({days.source}).",
                    f"{event_zh(trigger)}之后{days.value}天内（至{date_zh(deadline)}）没有"
                    "“综合分析研判”或“入户核查（实地调查）”记录核实"
                    f"（配置依据：{days.source}）。",
                ),
            )
        )
    if not unverified:
        return None
    return lambda reference: [reason for deadline, reason in unverified if deadline < reference]


def annual_effectiveness(f: Facts) -> ReasonsAt | None:
    entry = f.last_marking("enrolled", "risk_remarked")
    if f.status != "monitored" or entry is None:
        return None
    entered = day(entry)
    appraisals = f.record.of_type("EffectivenessAppraised")

    def reasons_at(reference: date) -> list[Said]:
        since = year_before(reference)
        if entered >= since:
            return []
        appraised = [e for e in appraisals if day(e) <= reference]
        latest = max(appraised, key=day) if appraised else None
        if latest is not None and day(latest) >= since:
            return []
        # Said without the reference date, so the detail stays the same across a window.
        last = f"the last was {latest.id} ({day(latest)})" if latest else "there was none since"
        last_zh = f"最近一次为{event_zh(latest)}" if latest else "纳入监测以来从未评议"
        return [
            Said(
                f"Monitored since the '{entry.data.get('marking')}' marking {entry.id} "
                f"({entered}), with no EffectivenessAppraised in the 12 months before the "
                f"reference date: {last} (002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议).",
                f"自{marking_zh(entry)}起监测，判断日前12个月内没有“帮扶成效评议”记录："
                f"{last_zh}（002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议）。",
            )
        ]

    return reasons_at


def at_reference(rule: DatedRule) -> Callable[[Facts], list[Said]]:
    """A dated rule judged at the facts' own reference date."""

    def judged(f: Facts) -> list[Said]:
        reasons_at = rule(f)
        return reasons_at(f.reference) if reasons_at else []

    return judged


def year_before(reference: date) -> date:
    """The first day of the 12 months that end on ``reference`` (the same day included)."""
    try:
        start = reference.replace(year=reference.year - 1)
    except ValueError:  # 29 February
        start = reference.replace(year=reference.year - 1, day=28)
    return start + timedelta(days=1)
