"""One episode being judged: what every completeness rule reads, and how a rule's gaps
refer to events."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ledger.domain.calendar import WorkingDayCalendar
from ledger.domain.configuration import RulesConfig
from ledger.domain.episodes import EpisodeEvents
from ledger.domain.events import HouseholdEvent
from ledger.domain.gaps import Gap
from ledger.domain.procedure import EpisodeKind
from ledger.domain.record import HouseholdRecord, day
from ledger.domain.wording import marking_zh


@dataclass(frozen=True)
class Judging:
    """An episode of a household, with the configuration and calendar it is judged by."""

    record: HouseholdRecord
    events: EpisodeEvents
    config: RulesConfig
    calendar: WorkingDayCalendar

    @property
    def marking(self) -> HouseholdEvent:
        return self.events.marking

    @property
    def kind(self) -> EpisodeKind:
        return self.events.kind

    def closing(self) -> str:
        return (
            f"the '{self.marking.data.get('marking')}' marking {self.marking.id} "
            f"({day(self.marking)})"
        )

    def window(self) -> str:
        opened = self.events.opened_by
        after = (
            f"after the '{opened.data.get('marking')}' marking {opened.id} ({day(opened)})"
            if opened
            else "since the registration"
        )
        return f"recorded {after} up to {self.closing()}, nor remedying that marking"

    def closing_zh(self) -> str:
        return marking_zh(self.marking)

    def window_zh(self) -> str:
        """The span ``window`` names, in Chinese: 自…之后至…."""
        opened = self.events.opened_by
        after = f"{marking_zh(opened)}之后" if opened else "建档登记以来"
        return f"自{after}至{self.closing_zh()}"


Rule = Callable[[Judging], Iterable[Gap]]
"""A completeness rule: the gaps it finds in one episode."""


def ref(event: HouseholdEvent) -> str:
    """How a gap's detail names an event: its type, id and field date."""
    return f"{event.TYPE} {event.id} ({day(event)})"
