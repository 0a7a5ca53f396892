"""Completeness (程序完整性): did the official procedure behind each marking happen, in
order, with its paperwork? CONTRACT §3, judged per episode.

``assess`` is pure: the household's events, the configuration in force for its division
and a working-day calendar in; the episodes with their steps (event ids) and gaps out.
Every gap's detail names the events, dates and rule, so an auditor can check it by hand.
The rules live in this package's modules, each listing its own in ``RULES``; their gap
codes in ``ledger.domain.gaps``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.completeness import exits, identification, notice, order, presence, remedies
from ledger.domain.completeness.judging import Judging, Rule
from ledger.domain.configuration import RulesConfig
from ledger.domain.episodes import episodes
from ledger.domain.events import HouseholdEvent
from ledger.domain.gaps import Gap
from ledger.domain.procedure import EpisodeKind
from ledger.domain.record import HouseholdRecord

__all__ = ["Completeness", "Episode", "assess"]

# The order in which an episode's gaps are listed.
_RULES: tuple[Rule, ...] = (
    *presence.RULES,
    *order.RULES,
    *notice.RULES,
    *identification.RULES,
    *exits.RULES,
    *remedies.RULES,
)


@dataclass(frozen=True)
class Episode:
    """The procedure a marking closes: its steps (event ids, oldest first) and gaps."""

    kind: EpisodeKind
    marking_event_id: str
    steps: dict[str, list[str]]  # by Step, in procedure order
    gaps: list[Gap]

    def to_document(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "marking_event_id": self.marking_event_id,
            "steps": {str(k): list(v) for k, v in self.steps.items()},
            "gaps": [g.to_document() for g in self.gaps],
        }


@dataclass(frozen=True)
class Completeness:
    """A household's completeness report (CONTRACT §5)."""

    household_id: str
    config_version: str
    episodes: list[Episode]

    def to_document(self) -> dict[str, Any]:
        return {
            "household_id": self.household_id,
            "config_version": self.config_version,
            "episodes": [e.to_document() for e in self.episodes],
        }


def assess(
    household_id: str,
    events: Iterable[HouseholdEvent],
    config: RulesConfig,
    calendar: WorkingDayCalendar | None = None,
) -> Completeness:
    """The completeness of every episode of the household, oldest first."""
    record = HouseholdRecord.of(events)
    judging = [
        Judging(record, episode, config, calendar or config.calendar)
        for episode in episodes(record)
    ]
    return Completeness(household_id, config.version, [_episode(j) for j in judging])


def _episode(j: Judging) -> Episode:
    gaps: list[Gap] = []
    if j.kind != EpisodeKind.TYPE_ADJUSTMENT:
        for rule in _RULES:
            gaps.extend(rule(j))
    steps: dict[str, list[str]] = {
        name: [str(e.id) for e in step.events] for name, step in j.events.steps.items()
    }
    return Episode(j.kind, str(j.marking.id), steps, gaps)
