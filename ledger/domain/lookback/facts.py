"""What the look-back rules read of one household: its current state (``replay``), its
events that count, the configuration in force and the reference date."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import Any

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.completeness import Completeness
from ledger.domain.configuration import RulesConfig
from ledger.domain.episodes import EpisodeEvents, episodes
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household
from ledger.domain.labels import label
from ledger.domain.procedure import EpisodeKind
from ledger.domain.record import HouseholdRecord
from ledger.domain.wording import Said, date_zh


@dataclass(frozen=True)
class Facts:
    household_id: str
    events: list[HouseholdEvent]
    state: Household
    record: HouseholdRecord
    config: RulesConfig
    reference: date
    calendar: WorkingDayCalendar | None
    completeness: Completeness | None = None  # when the caller has already assessed it

    @property
    def status(self) -> str:
        return str(self.state.status)

    @cached_property
    def episodes(self) -> list[EpisodeEvents]:
        return episodes(self.record)

    def latest_identification(self) -> EpisodeEvents | None:
        found = [e for e in self.episodes if e.kind == EpisodeKind.IDENTIFICATION]
        return found[-1] if found else None

    def last_marking(self, *markings: str) -> HouseholdEvent | None:
        found = [m for m in self.record.markings if m.data.get("marking") in markings]
        return found[-1] if found else None


def survey_income(
    survey: Mapping[str, Any] | None, config: RulesConfig
) -> tuple[Decimal, Decimal, date] | None:
    """(per-capita income, floor, period end) of a survey whose year has a floor."""
    if not survey:
        return None
    end = (survey.get("period") or {}).get("end")
    income = survey.get("per_capita_net_income")
    if not isinstance(end, date) or not isinstance(income, Decimal | int):
        return None
    floor = config.floor(end.year)
    return None if floor is None else (Decimal(income), floor, end)


def survey_ref(survey: Mapping[str, Any]) -> Said:
    """The household's latest survey (the state's copy of it) as a detail names it."""
    occurred = survey.get("occurred_at")
    return Said(
        f"FieldSurveyConducted {survey.get('event_id')}",
        f"{date_zh(occurred if isinstance(occurred, date) else None)}的"
        f"“{label('event_type', 'FieldSurveyConducted')}”记录",
    )


def below_floor(f: Facts) -> Said | None:
    judged = survey_income(f.state.latest_survey, f.config)
    if judged is None or judged[0] >= judged[1]:
        return None
    income, floor, end = judged
    survey, source = survey_ref(f.state.latest_survey or {}), f.config.floors[end.year].source
    return Said(
        f"The latest survey, {survey.en}, found "
        f"{income} yuan per head for the period ending {end}, below the {end.year} floor "
        f"of {floor} ({source}).",
        f"最近一次调查即{survey.zh}，测算收入计算期（止于{date_zh(end)}）家庭人均纯收入"
        f"{income}元，低于{end.year}年监测底线{floor}元（配置依据：{source}）。",
    )
