"""A household's read-model rows are what the domain's functions say about its stream,
each called on its own: sharing the replayed state and the completeness report between
them changes nothing, nor does resolving the configuration once per division."""

from typing import Any

from hypothesis import HealthCheck, given, settings

from ledger.config import default_text, load_default
from ledger.domain.completeness import assess
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, replay
from ledger.domain.lookback import candidate_windows
from projections.rows import rows_for
from tests.unit.test_rules_never_crash import HOUSEHOLD_ID, histories

_RULES_TEXT = default_text()


@settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories())
def test_rows_hold_what_replay_assess_and_candidate_windows_say_alone(
    history: tuple[Household, list[HouseholdEvent]],
) -> None:
    _, events = history
    configuration = load_default()
    rows = rows_for(HOUSEHOLD_ID, events, configuration)
    state = replay(HOUSEHOLD_ID, events)
    assert rows is not None
    assert rows.household["status"] == str(state.status)
    assert rows.household["version"] == state.version
    config = RulesConfiguration.from_toml(_RULES_TEXT).for_division(state.village_code)
    report = assess(HOUSEHOLD_ID, events, config)
    assert rows.gaps == [
        {
            "household_id": HOUSEHOLD_ID,
            "village_code": state.village_code,
            "status": str(state.status),
            "episode": e.marking_event_id,
            "kind": e.kind,
            "code": g.code,
            "step": g.step,
            "severity": g.severity,
            "detail": g.detail,
            "detail_zh": g.detail_zh,
        }
        for e in report.episodes
        for g in e.gaps
    ]
    windows = candidate_windows(HOUSEHOLD_ID, events, config)
    assert [
        (w["code"], w["action"], w["detail"], w["detail_zh"], w["active_from"], w["active_until"])
        for w in rows.lookback
    ] == [(w.code, w.action, w.detail, w.detail_zh, w.active_from, w.active_until) for w in windows]


def test_a_division_resolves_once_and_equals_a_fresh_resolution() -> None:
    configuration = load_default()
    for code in ("530925101201", "530925101201", "530921000000", "110101000000", "53", ""):
        resolved = configuration.for_division(code)
        assert resolved is configuration.for_division(code)
        assert resolved == RulesConfiguration.from_toml(_RULES_TEXT).for_division(code)
        assert resolved.division == code
    villages: Any = [configuration.for_division(f"5309251012{n:02d}") for n in range(3)]
    assert len({v.division for v in villages}) == 3
    assert villages[0].floors is villages[1].floors  # one chain of overrides, shared
