"""The evaluators' lists and summary, from the read models, in the caller's division."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.domain.access import chosen_division
from ledger.domain.callers import Caller
from projections.queries import completeness_page, lookback_page, parts, summary
from projections.views import Filters, ViewTables

EXPORT_PAGE = 1000  # households read at a time while exporting a whole list
Page = dict[str, Any]  # {"items": [...], "next": cursor or None} (CONTRACT §5)


@dataclass(frozen=True)
class Selection:
    """A list's filters as asked: the division (default: the caller's), a code, a
    status, where the page starts and how long it is."""

    division: str | None = None
    code: str | None = None
    status: str | None = None
    after: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class DivisionOverview:
    """A division page's figures: the summary, the divisions below, a page of each list."""

    division: str
    summary: dict[str, Any]
    parts: list[dict[str, Any]]
    gaps: Page
    candidates: Page


class EvaluationQueries:
    """Completeness gaps, look-back candidates and the summary of a division."""

    def __init__(self, views: ViewTables) -> None:
        self.views = views

    def completeness(self, caller: Caller, selection: Selection) -> Page:
        """A page of the households with gaps."""
        return completeness_page(self.views, self._filters(caller, selection))

    def lookback(self, caller: Caller, selection: Selection, reference_date: date) -> Page:
        """A page of the look-back (回头看) candidates at ``reference_date``."""
        return lookback_page(self.views, self._filters(caller, selection), reference_date)

    def all_completeness(self, caller: Caller, selection: Selection) -> list[dict[str, Any]]:
        """Every household with gaps (an export)."""
        return self._all(lambda f: completeness_page(self.views, f), caller, selection)

    def all_lookback(
        self, caller: Caller, selection: Selection, reference_date: date
    ) -> list[dict[str, Any]]:
        """Every look-back candidate (an export)."""
        return self._all(lambda f: lookback_page(self.views, f, reference_date), caller, selection)

    def summary(
        self, caller: Caller, division: str | None, reference_date: date | None = None
    ) -> dict[str, Any]:
        """Counts by status × monitoring type, completeness rate per step, gap counts, and
        the data-quality findings and formalism signals per code at ``reference_date``
        (default today)."""
        return summary(self.views, chosen_division(caller, division), reference_date)

    def overview(
        self,
        caller: Caller,
        division: str,
        gaps: Selection,
        candidates: Selection,
        reference_date: date,
    ) -> DivisionOverview:
        """What a division page shows: the summary, its parts and a page of each list."""
        chosen = chosen_division(caller, division)
        return DivisionOverview(
            chosen,
            summary(self.views, chosen, reference_date),
            parts(self.views, chosen),
            self.completeness(caller, _within(gaps, chosen)),
            self.lookback(caller, _within(candidates, chosen), reference_date),
        )

    def _all(self, fetch: Any, caller: Caller, selection: Selection) -> list[dict[str, Any]]:
        filters = self._filters(caller, selection)
        page = Filters(filters.division, filters.code, filters.status, None, EXPORT_PAGE)
        items: list[dict[str, Any]] = []
        while True:
            result = fetch(page)
            items += result["items"]
            if result["next"] is None:
                return items
            page = Filters(page.division, page.code, page.status, result["next"], EXPORT_PAGE)

    @staticmethod
    def _filters(caller: Caller, selection: Selection) -> Filters:
        return filters_of(caller, selection)


def filters_of(caller: Caller, selection: Selection) -> Filters:
    """A list's filters as asked, in the caller's division (its own by default)."""
    return Filters(
        chosen_division(caller, selection.division),
        selection.code,
        selection.status,
        selection.after,
        selection.limit,
    )


def _within(selection: Selection, division: str) -> Selection:
    return Selection(division, selection.code, selection.status, selection.after, selection.limit)
