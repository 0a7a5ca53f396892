"""Look-back candidates (监测对象"回头看"): households to check again, and the action each
finding suggests (CONTRACT §3). A candidate is a household to check, not a verdict.

``candidates`` is pure: it judges the household's current state (``replay``) and its
events that count, at a ``reference_date``; time windows count back from that date, the
same day included. ``candidate_windows`` gives every candidate with the reference dates at
which it holds. The rules are in ``rules`` and ``dated``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.completeness import Completeness
from ledger.domain.configuration import RulesConfig
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, replay
from ledger.domain.lookback.facts import Facts
from ledger.domain.lookback.rules import DATED, RULES
from ledger.domain.record import HouseholdRecord, day
from ledger.domain.wording import joined


@dataclass(frozen=True)
class Candidate:
    """One reason to look at the household again, and what it would lead to: ``detail``
    gives its reasons in English, ``detail_zh`` the same in Chinese for county staff
    (CONTRACT §7.5), each reason written in both (``ledger.domain.wording.Said``)."""

    code: str
    action: str
    detail: str
    detail_zh: str

    def to_document(self) -> dict[str, str]:
        return {
            "code": self.code,
            "action": self.action,
            "detail": self.detail,
            "detail_zh": self.detail_zh,
        }


def candidates(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    reference_date: date,
    calendar: WorkingDayCalendar | None = None,
) -> list[Candidate]:
    """The household's look-back candidates at ``reference_date``, at most one per code."""
    ordered = sorted(events, key=lambda e: e.version)
    facts = Facts(
        household_id,
        ordered,
        replay(household_id, ordered),
        HouseholdRecord.of(ordered),
        config,
        reference_date,
        calendar,
    )
    found: list[Candidate] = []
    for code, action, rule in RULES:
        reasons = list(rule(facts))
        if reasons:
            said = joined(reasons)
            found.append(Candidate(code, action, said.en, said.zh))
    return found


@dataclass(frozen=True)
class CandidateWindow:
    """A candidate and the reference dates at which it holds: ``active_from`` (inclusive)
    to ``active_until`` (exclusive); ``None`` is unbounded."""

    code: str
    action: str
    detail: str
    detail_zh: str
    active_from: date | None = None
    active_until: date | None = None


def candidate_windows(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    calendar: WorkingDayCalendar | None = None,
    completeness: Completeness | None = None,
    state: Household | None = None,
) -> list[CandidateWindow]:
    """Every candidate with the reference dates at which it holds, so read models can
    answer ``candidates(…, reference_date)`` for any date without recomputing.
    ``completeness`` and ``state`` are the household's, when the caller already has them.

    Only two rules look at the reference date; their answer can change only on the dates
    where a window of theirs opens or closes, so judging them on each such date is exact.
    """
    ordered = sorted(events, key=lambda e: e.version)
    facts = Facts(
        household_id,
        ordered,
        replay(household_id, ordered) if state is None else state,
        HouseholdRecord.of(ordered),
        config,
        date.max,
        calendar,
        completeness,
    )
    windows: list[CandidateWindow] = []
    turning_points: list[date] | None = None
    for code, action, rule in RULES:
        dated = DATED.get(code)
        if dated is None:
            reasons = list(rule(facts))
            if reasons:
                said = joined(reasons)
                windows.append(CandidateWindow(code, action, said.en, said.zh))
            continue
        reasons_at = dated(facts)
        if reasons_at is None:
            continue
        if turning_points is None:
            turning_points = _turning_points(ordered, config)
        current: CandidateWindow | None = None
        for moment in turning_points:
            said = joined(reasons_at(moment))
            if current and (current.detail, current.detail_zh) == (said.en, said.zh):
                continue
            if current:
                windows.append(replace(current, active_until=moment))
            current = CandidateWindow(code, action, said.en, said.zh, moment) if said.en else None
        if current:
            windows.append(current)
    return windows


def _turning_points(events: list[HouseholdEvent], config: RulesConfig) -> list[date]:
    follow_up = timedelta(days=config.trigger_followup_days.value)
    one_day = timedelta(days=1)
    points: set[date] = set()
    for on in {day(e) for e in events}:
        year_later = _year_after(on)
        points.update(
            {
                on,
                on + one_day,
                on + follow_up,
                on + follow_up + one_day,
                year_later - one_day,
                year_later,
                year_later + one_day,
            }
        )
    if points:
        points.add(min(points) - one_day)
    return sorted(points)


def _year_after(on: date) -> date:
    try:
        return on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        return on.replace(year=on.year + 1, day=28)
