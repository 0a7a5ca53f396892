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

ReasonsAt = Callable[[date], list[str]]
"""A dated rule's reasons for one household at a reference date."""
DatedRule = Callable[[Facts], ReasonsAt | None]


def trigger_unverified(f: Facts) -> ReasonsAt | None:
    days = f.config.trigger_followup_days
    checks = [day(e) for e in f.record.of_type("ScreeningAnalyzed", "FieldSurveyConducted")]
    unverified: list[tuple[date, str]] = []  # (deadline, reason once it has passed)
    for trigger in f.record.of_type(*TRIGGERS):
        deadline = day(trigger) + timedelta(days=days.value)
        if any(day(trigger) <= on <= deadline for on in checks):
            continue
        unverified.append(
            (
                deadline,
                (
                    f"{trigger.TYPE} {trigger.id} ({day(trigger)}) had no ScreeningAnalyzed or "
                    f"FieldSurveyConducted by {deadline}, {days.value} days after it "
                    f"({days.source})."
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

    def reasons_at(reference: date) -> list[str]:
        since = year_before(reference)
        if entered >= since:
            return []
        appraised = [e for e in appraisals if day(e) <= reference]
        latest = max(appraised, key=day) if appraised else None
        if latest is not None and day(latest) >= since:
            return []
        # Said without the reference date, so the detail stays the same across a window.
        last = f"the last was {latest.id} ({day(latest)})" if latest else "there was none since"
        return [
            f"Monitored since the '{entry.data.get('marking')}' marking {entry.id} "
            f"({entered}), with no EffectivenessAppraised in the 12 months before the "
            f"reference date: {last} (002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议)."
        ]

    return reasons_at


def at_reference(rule: DatedRule) -> Callable[[Facts], list[str]]:
    """A dated rule judged at the facts' own reference date."""

    def judged(f: Facts) -> list[str]:
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
