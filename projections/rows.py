"""What the read models hold for one household, computed from its events alone.

A household's rows are always recomputed whole from its stream, so applying them is an
idempotent replace and a rebuild from zero gives exactly what live updating gave.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from ledger.domain.completeness import Completeness, assess
from ledger.domain.configuration import RulesConfiguration
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import replay
from ledger.domain.lookback import candidate_windows
from ledger.domain.quality import NO_OPENINGS, Fact, Finding, Openings, assess_quality


@dataclass(frozen=True)
class HouseholdRows:
    household_id: str
    household: dict[str, Any]
    episodes: list[dict[str, Any]] = field(default_factory=list)
    gaps: list[dict[str, Any]] = field(default_factory=list)
    lookback: list[dict[str, Any]] = field(default_factory=list)
    materials: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)

    def all_rows(self) -> list[dict[str, Any]]:
        return [
            self.household,
            *self.episodes,
            *self.gaps,
            *self.lookback,
            *self.materials,
            *self.findings,
            *self.facts,
        ]


def rows_for(
    household_id: str,
    events: Sequence[HouseholdEvent],
    configuration: RulesConfiguration,
    openings: Openings = NO_OPENINGS,
) -> HouseholdRows | None:
    """The household's rows, or None while it is not registered; ``openings`` are its
    personal values the quality rules may use (none: those rules judge nothing)."""
    events = sorted(events, key=lambda e: e.version)
    state = replay(household_id, events)
    if not state.registered or state.village_code is None:
        return None
    config = configuration.for_division(state.village_code)
    completeness: Completeness = assess(household_id, events, config)
    survey = state.latest_survey
    quality = assess_quality(household_id, events, state, config, openings)
    keys = {
        "household_id": household_id,
        "village_code": state.village_code,
        "status": str(state.status),
    }
    return HouseholdRows(
        household_id=household_id,
        household={
            **keys,
            "monitoring_type": state.monitoring_type,
            "category": state.category,
            "filed_card": bool(state.filed_card),
            "latest_income": None if survey is None else survey["per_capita_net_income"],
            "latest_survey_year": None if survey is None else survey["period"]["end"].year,
            "version": state.version,
            "config_version": config.version,
            "violations": sum(
                g.severity == "violation" for e in completeness.episodes for g in e.gaps
            ),
        },
        episodes=[
            {
                "household_id": household_id,
                "village_code": state.village_code,
                "marking_event_id": e.marking_event_id,
                "kind": e.kind,
            }
            for e in completeness.episodes
        ],
        gaps=[
            {
                **keys,
                "episode": e.marking_event_id,
                "kind": e.kind,
                "code": g.code,
                "step": g.step,
                "severity": g.severity,
                "detail": g.detail,
                "detail_zh": g.detail_zh,
            }
            for e in completeness.episodes
            for g in e.gaps
        ],
        lookback=[
            {
                **keys,
                "code": w.code,
                "action": w.action,
                "detail": w.detail,
                "detail_zh": w.detail_zh,
                "active_from": w.active_from,
                "active_until": w.active_until,
            }
            for w in candidate_windows(
                household_id, events, config, completeness=completeness, state=state
            )
        ],
        materials=_materials(household_id, state.village_code, events),
        findings=[finding_row(keys, f) for f in quality.findings],
        facts=[fact_row(f) for f in quality.facts],
    )


def finding_row(keys: dict[str, Any], finding: Finding) -> dict[str, Any]:
    """A finding as ``finding_view`` (with ``keys``: household, village, status) and
    ``derived_finding_view`` store it: its events as a JSON list."""
    return {
        **keys,
        "code": finding.code.value,
        "rule": finding.rule,
        "detail": finding.detail,
        "detail_zh": finding.detail_zh,
        "events": orjson.dumps(list(finding.events)).decode(),
        "active_from": finding.active_from,
        "active_until": finding.active_until,
    }


def fact_row(fact: Fact) -> dict[str, Any]:
    return {
        "household_id": fact.household_id,
        "village_code": fact.village_code,
        "kind": fact.kind.value,
        "key": fact.key,
        "value": fact.value,
        "day": fact.day,
        "event_id": fact.event_id,
    }


def _materials(
    household_id: str, village_code: str, events: Sequence[HouseholdEvent]
) -> list[dict[str, Any]]:
    """Each file an event cites in its envelope, once per event. A voided event still
    counts: it stays in the history, which shows its materials to the same readers."""
    cited = dict.fromkeys((str(m["sha256"]), str(e.id)) for e in events for m in e.materials)
    return [
        {
            "sha256": sha256,
            "household_id": household_id,
            "village_code": village_code,
            "event_id": event_id,
        }
        for sha256, event_id in cited
    ]
