"""The two look-back rules that look at the reference date are judged once per household
and then cheaply per date; that gives exactly what judging them afresh at every date gave.
The former rules are kept here, verbatim (with the Chinese each reason now carries), as
the oracle."""

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.config import load_default
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, replay
from ledger.domain.lookback import CandidateWindow, candidate_windows, candidates
from ledger.domain.lookback.candidates import _turning_points
from ledger.domain.lookback.dated import year_before
from ledger.domain.lookback.facts import Facts
from ledger.domain.lookback.rules import RULES
from ledger.domain.procedure import TRIGGERS
from ledger.domain.record import HouseholdRecord, day
from ledger.domain.wording import Said, date_zh, event_zh, joined, marking_zh
from tests.unit.test_lookback_windows import STREAMS
from tests.unit.test_rules_never_crash import HOUSEHOLD_ID, histories

CONFIGURATION = load_default()


def trigger_unverified(f: Facts) -> Iterator[Said]:
    days = f.config.trigger_followup_days
    checks = [day(e) for e in f.record.of_type("ScreeningAnalyzed", "FieldSurveyConducted")]
    for trigger in f.record.of_type(*TRIGGERS):
        deadline = day(trigger) + timedelta(days=days.value)
        if deadline >= f.reference or any(day(trigger) <= on <= deadline for on in checks):
            continue
        yield Said(
            f"{trigger.TYPE} {trigger.id} ({day(trigger)}) had no ScreeningAnalyzed or "
            f"FieldSurveyConducted by {deadline}, {days.value} days after it "
            f"({days.source}).",
            f"{event_zh(trigger)}之后{days.value}天内（至{date_zh(deadline)}）没有"
            "“综合分析研判”或“入户核查（实地调查）”记录核实"
            f"（配置依据：{days.source}）。",
        )


def annual_effectiveness(f: Facts) -> Iterator[Said]:
    entry = f.last_marking("enrolled", "risk_remarked")
    if f.status != "monitored" or entry is None:
        return
    since = year_before(f.reference)
    if day(entry) >= since:
        return
    appraised = [e for e in f.record.of_type("EffectivenessAppraised") if day(e) <= f.reference]
    latest = max(appraised, key=day) if appraised else None
    if latest is not None and day(latest) >= since:
        return
    last = f"the last was {latest.id} ({day(latest)})" if latest else "there was none since"
    last_zh = f"最近一次为{event_zh(latest)}" if latest else "纳入监测以来从未评议"
    yield Said(
        f"Monitored since the '{entry.data.get('marking')}' marking {entry.id} "
        f"({day(entry)}), with no EffectivenessAppraised in the 12 months before the "
        f"reference date: {last} (002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议).",
        f"自{marking_zh(entry)}起监测，判断日前12个月内没有“帮扶成效评议”记录："
        f"{last_zh}（002 §五(一) 每年至少组织开展一次监测对象帮扶成效评议）。",
    )


FORMER: dict[str, Callable[[Facts], Iterator[Said]]] = {
    "LB_TRIGGER_UNVERIFIED": trigger_unverified,
    "LB_NO_ANNUAL_EFFECTIVENESS": annual_effectiveness,
}


def facts(household_id: str, events: list[HouseholdEvent], reference: date) -> Facts:
    ordered = sorted(events, key=lambda e: e.version)
    config = CONFIGURATION.for_division(replay(household_id, ordered).village_code)
    return Facts(
        household_id,
        ordered,
        replay(household_id, ordered),
        HouseholdRecord.of(ordered),
        config,
        reference,
        None,
    )


def former_windows(household_id: str, events: list[HouseholdEvent]) -> list[CandidateWindow]:
    """``candidate_windows`` as it was: every rule judged afresh at every turning point."""
    judged = facts(household_id, events, date.max)
    windows: list[CandidateWindow] = []
    for code, action, rule in RULES:
        if code not in FORMER:
            reasons = list(rule(judged))
            if reasons:
                said = joined(reasons)
                windows.append(CandidateWindow(code, action, said.en, said.zh))
            continue
        current: CandidateWindow | None = None
        for moment in _turning_points(judged.events, judged.config):
            said = joined(FORMER[code](replace(judged, reference=moment)))
            if current and (current.detail, current.detail_zh) == (said.en, said.zh):
                continue
            if current:
                windows.append(replace(current, active_until=moment))
            current = CandidateWindow(code, action, said.en, said.zh, moment) if said.en else None
        if current:
            windows.append(current)
    return windows


SETTINGS: dict[str, Any] = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=150, **SETTINGS)
@given(history=histories())
def test_windows_equal_those_of_rules_judged_afresh_at_every_turning_point(
    history: tuple[Household, list[HouseholdEvent]],
) -> None:
    household, events = history
    config = CONFIGURATION.for_division(household.village_code)
    assert candidate_windows(HOUSEHOLD_ID, events, config) == former_windows(HOUSEHOLD_ID, events)


def test_the_sample_streams_give_the_windows_of_the_former_rules() -> None:
    for stream in STREAMS:
        config = CONFIGURATION.for_division(replay(stream.household_id, stream.events).village_code)
        windows = candidate_windows(stream.household_id, stream.events, config)
        assert windows == former_windows(stream.household_id, stream.events)
    assert any(w.code in FORMER for s in STREAMS for w in former_windows(s.household_id, s.events))


@settings(max_examples=150, **SETTINGS)
@given(history=histories(), reference=st.dates(date(2015, 1, 1), date(2031, 12, 31)))
def test_candidates_at_any_date_give_the_reasons_of_the_former_rules(
    history: tuple[Household, list[HouseholdEvent]], reference: date
) -> None:
    household, events = history
    config = CONFIGURATION.for_division(household.village_code)
    found = {
        c.code: Said(c.detail, c.detail_zh)
        for c in candidates(HOUSEHOLD_ID, events, config, reference)
    }
    at = facts(HOUSEHOLD_ID, events, reference)
    for code, rule in FORMER.items():
        assert found.get(code, Said("", "")) == joined(rule(at))
