"""Exclusion situations (10类不纳入情形, 002 附件2) that departments found, and the county's
explanation for including a household despite one."""

from dataclasses import dataclass
from datetime import date

from ledger.domain.episodes import EpisodeEvents
from ledger.domain.events import HouseholdEvent
from ledger.domain.procedure import Step
from ledger.domain.record import HouseholdRecord, day


@dataclass(frozen=True)
class Finding:
    """A department's finding of an exclusion situation (10类不纳入情形)."""

    verification: HouseholdEvent
    exclusion: str
    member_id: str | None
    since: date | None

    @property
    def household_level(self) -> bool:
        """Household-level unless it names a member or is 'absent_member' (a person)."""
        return self.member_id is None and self.exclusion != "absent_member"

    def counts_against(self, marking: HouseholdEvent) -> bool:
        """Whether the situation existed at the marking: checked on or before it, or
        ``since`` on or before it."""
        on = day(marking)
        return day(self.verification) <= on or (self.since is not None and self.since <= on)

    def describe(self) -> str:
        who = f", member '{self.member_id}'" if self.member_id else ""
        since = f", since {self.since}" if self.since else ""
        return (
            f"DepartmentVerified {self.verification.id} "
            f"({self.verification.data.get('department')}, {day(self.verification)}) "
            f"found '{self.exclusion}'{who}{since}"
        )


def findings(record: HouseholdRecord) -> list[Finding]:
    found = []
    for event in record.of_type("DepartmentVerified"):
        for item in event.data.get("findings") or ():
            since = item.get("since")
            found.append(
                Finding(
                    event,
                    str(item.get("exclusion")),
                    None if item.get("member_id") is None else str(item["member_id"]),
                    since if isinstance(since, date) else None,
                )
            )
    return found


def special_inclusion(episode: EpisodeEvents) -> str | None:
    """The county's public explanation for including the household despite an exclusion
    (特殊情况确需纳入的专门说明, 002 §二(三)), if its confirmation gives one."""
    confirmation = episode.judged(Step.COUNTY_CONFIRMATION)
    text = confirmation.data.get("special_inclusion") if confirmation else None
    return str(text) if text else None


def unexplained_exclusions(record: HouseholdRecord, episode: EpisodeEvents) -> list[Finding]:
    """Household-level findings that count against an identification and that its county
    confirmation does not explain."""
    if special_inclusion(episode):
        return []
    return [f for f in findings(record) if f.household_level and f.counts_against(episode.marking)]
