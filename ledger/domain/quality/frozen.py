"""``AF_ENROLMENT_FROZEN`` (CONTRACT §7.5; 002 §三 应纳尽纳, 不得设置规模限制): a village
with ``enrolment_freeze_triggers`` or more triggers (warnings received, applications) in
``enrolment_freeze_months`` months and no enrolment.

It depends on the reference date R: the signal holds at R when the months before R —
the dates d with R − months < d ≤ R — hold that many triggers and no enrolment (R − months
is the same day that many months earlier, the month's last day when it has no such day).
As R moves, facts enter that window on their date and leave it on the first R whose
window starts on or after it, so the dates where it holds are a few maximal stretches.
Each stretch is its own signal, keyed "<village>/<first day, ISO>", holding from that day
(``active_from``) until before the first day it no longer does (``active_until``, None
only when a window never closes within the calendar): an enrolment ends it on its date.
Facts without a date cannot be placed and are not counted.
"""

import calendar
from collections import Counter
from collections.abc import Sequence
from datetime import date, timedelta

from ledger.domain.configuration.quality import QualityThresholds
from ledger.domain.quality.codes import SignalCode
from ledger.domain.quality.groups import (
    division_of,
    events_of,
    households_of,
    listed,
    zh_date,
)
from ledger.domain.quality.model import Fact, FactKind, Signal

_COUNTED = (FactKind.TRIGGER, FactKind.ENROLMENT)


def shift_months(day: date, months: int) -> date | None:
    """The same day ``months`` later (earlier when negative), the month's last day when it
    has no such day; None beyond the calendar."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        return None
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def window_start(reference: date, months: int) -> date | None:
    """The exclusive lower end of the window at ``reference`` (None: before the calendar)."""
    return shift_months(reference, -months)


def leaves(day: date, months: int) -> date | None:
    """The first reference date whose window no longer holds ``day`` (None: never)."""
    candidate = shift_months(day, months)
    while candidate is not None:
        start = window_start(candidate, months)
        if start is not None and start >= day:
            return candidate
        candidate = candidate + timedelta(days=1) if candidate < date.max else None
    return None


def placed(facts: Sequence[Fact]) -> list[Fact]:
    """The village's triggers and enrolments that have a date, one per event (its
    earliest date, should an event give two): an event counts once, however many facts
    it gave."""
    earliest: dict[tuple[FactKind, str], tuple[tuple[date, str, str, str], Fact]] = {}
    for fact in facts:
        if fact.day is None or fact.kind not in _COUNTED:
            continue
        rank = (fact.day, fact.household_id, fact.village_code, fact.value)
        seen = earliest.get((fact.kind, fact.event_id))
        if seen is None or rank < seen[0]:
            earliest[fact.kind, fact.event_id] = (rank, fact)
    return [earliest[place][1] for place in sorted(earliest)]


def holds_at(reference: date, facts: Sequence[Fact], thresholds: QualityThresholds) -> bool:
    """The rule read directly at one reference date (what the stretches must agree with)."""
    months = thresholds.enrolment_freeze_months.value
    start = window_start(reference, months)

    def inside(fact: Fact) -> bool:
        day = fact.day
        return day is not None and day <= reference and (start is None or start < day)

    events = placed(facts)
    triggers = sum(1 for f in events if f.kind is FactKind.TRIGGER and inside(f))
    enrolled = any(f.kind is FactKind.ENROLMENT and inside(f) for f in events)
    return triggers >= thresholds.enrolment_freeze_triggers.value and not enrolled


def enrolment_frozen(
    village: str, facts: Sequence[Fact], thresholds: QualityThresholds
) -> list[Signal]:
    """One signal per maximal stretch of reference dates where the village's rule holds;
    ``facts`` are the village's triggers and enrolments together."""
    months = thresholds.enrolment_freeze_months.value
    least = thresholds.enrolment_freeze_triggers.value
    spans = [(f, f.day, leaves(f.day, months)) for f in placed(facts) if f.day is not None]
    changes: Counter[tuple[date, FactKind]] = Counter()
    for fact, entered, left in spans:
        changes[entered, fact.kind] += 1
        if left is not None:
            changes[left, fact.kind] -= 1
    counts: Counter[FactKind] = Counter()
    stretches: list[tuple[date, date | None]] = []
    opened: date | None = None
    for day in sorted({day for day, _ in changes}):
        for kind in _COUNTED:
            counts[kind] += changes[day, kind]
        holds = counts[FactKind.TRIGGER] >= least and counts[FactKind.ENROLMENT] == 0
        if holds and opened is None:
            opened = day
        elif not holds and opened is not None:
            stretches.append((opened, day))
            opened = None
    if opened is not None:
        stretches.append((opened, None))
    return [_signal(village, start, end, spans, months, least) for start, end in stretches]


def _signal(
    village: str,
    start: date,
    end: date | None,
    spans: list[tuple[Fact, date, date | None]],
    months: int,
    least: int,
) -> Signal:
    triggers = [
        fact
        for fact, entered, left in spans
        if fact.kind is FactKind.TRIGGER
        and (end is None or entered < end)
        and (left is None or start < left)
    ]
    kinds = Counter(fact.value for fact in triggers)
    households = households_of(triggers)
    until = f" until {end.isoformat()}" if end else ""
    until_zh = f"至{zh_date(end)}前" if end else "起至今"
    detail = (
        f"village {village}: {least} or more triggers within {months} months and no enrolment "
        f"from {start.isoformat()}{until}; {len(triggers)} triggers in that time "
        f"({kinds['warning']} warnings, {kinds['application']} applications) of "
        f"{len(households)} households ({listed(h for h, _ in households)}), none enrolled"
    )
    detail_zh = (
        f"村 {village} 自{zh_date(start)}{until_zh}，{months} 个月内有 {least} 次及以上预警或申请"
        f"（其间共 {len(triggers)} 次：预警 {kinds['warning']} 次、申请 {kinds['application']} 次，"
        f"涉及 {len(households)} 户），但同期无一户纳入监测。应纳尽纳，不得设置规模限制，请核实"
    )
    return Signal(
        SignalCode.AF_ENROLMENT_FROZEN,
        f"{village}/{start.isoformat()}",
        division_of(triggers),
        detail,
        detail_zh,
        households,
        events_of(triggers),
        active_from=start,
        active_until=end,
    )
