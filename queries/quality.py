"""Data-quality findings and formalism signals (CONTRACT §7.5) from the read models, in the
caller's division."""

import re
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from ledger.domain.access import chosen_division, in_scope
from ledger.domain.callers import Caller
from ledger.domain.errors import UnknownHousehold, ValidationFailed
from projections.queries import quality_counts
from projections.views import Filters, ViewTables
from queries.evaluation import EXPORT_PAGE, Page, Selection, filters_of

FACTS_READ = 1000  # households whose facts one query reads (far below any bound of parameters)


@dataclass(frozen=True)
class QualityQueries:
    """A household's findings, the households with findings and the signals of a
    division, and their counts: what the caller's token may see of them."""

    views: ViewTables

    def household(self, household_id: str, caller: Caller, reference_date: date) -> dict[str, Any]:
        """``{"household_id", "village_code", "status", "findings": [...]}`` (each finding
        ``code, detail, detail_zh, rule, events``); 404 outside the caller's scope as the
        other household reads."""
        place = self.views.places_of([household_id]).get(household_id)
        if place is None or not in_scope(caller, place[0]):
            raise UnknownHousehold(f"household '{household_id}' is not registered")
        rows = self.views.findings_of([household_id], reference_date)
        return _item(household_id, place, rows)

    def findings(self, caller: Caller, selection: Selection, reference_date: date) -> Page:
        """A page of households with findings (``GET /v1/quality``)."""
        return self._findings_page(filters_of(caller, selection), reference_date)

    def all_findings(
        self, caller: Caller, selection: Selection, reference_date: date
    ) -> list[dict[str, Any]]:
        """Every household with findings (an export)."""
        return _all(
            lambda filters: self._findings_page(filters, reference_date),
            filters_of(caller, selection),
        )

    def signals(self, caller: Caller, selection: Selection, reference_date: date) -> Page:
        """A page of signals involving a household in the division, each listing only the
        households in the caller's scope (``{"household_id", "village_code"}``) and their
        events (``GET /v1/signals``)."""
        return self._signals_page(caller, _signal_filters(caller, selection), reference_date)

    def all_signals(
        self, caller: Caller, selection: Selection, reference_date: date
    ) -> list[dict[str, Any]]:
        """Every signal involving a household in the division (an export)."""
        return _all(
            lambda filters: self._signals_page(caller, filters, reference_date),
            _signal_filters(caller, selection),
        )

    def counts(self, caller: Caller, division: str | None, reference_date: date) -> dict[str, Any]:
        """``{"quality_counts": [{code, findings, households}], "signal_counts": [{code,
        signals, households}]}`` for the summary."""
        return quality_counts(self.views, chosen_division(caller, division), reference_date)

    def _findings_page(self, filters: Filters, reference_date: date) -> Page:
        ids = self.views.households_with_findings(filters, reference_date)
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.views.findings_of(ids, reference_date):
            if filters.code is None or row["code"] == filters.code:
                found[row["household_id"]].append(row)
        places = self.views.places_of(ids)
        items = [_item(h, places[h], found[h]) for h in ids if h in places and found[h]]
        return {"items": items, "next": ids[-1] if len(ids) == filters.limit else None}

    def _signals_page(self, caller: Caller, filters: Filters, reference_date: date) -> Page:
        rows = self.views.signals_in(filters, reference_date)
        foreign = {
            household_id
            for row in rows
            for household_id, village_code in row["households"]
            if not in_scope(caller, village_code)
        }
        # A signal's events are its households' facts; those of households beyond the
        # caller's scope are dropped with the households (events nobody's fact names stay).
        beyond = sorted(foreign)
        hidden = {
            fact["event_id"]
            for start in range(0, len(beyond), FACTS_READ)
            for fact in self.views.rows_of("fact_view", beyond[start : start + FACTS_READ])
        }
        items = [_signal(row, caller, hidden) for row in rows]
        last = rows[-1] if len(rows) == filters.limit else None
        return {"items": items, "next": signal_cursor(last["code"], last["key"]) if last else None}


def _item(
    household_id: str, place: tuple[str, str], rows: Iterable[dict[str, Any]]
) -> dict[str, Any]:
    findings = [
        {
            "code": row["code"],
            "detail": row["detail"],
            "detail_zh": row["detail_zh"],
            "rule": row["rule"],
            "events": list(row["events"]),
        }
        for row in rows
    ]
    return {
        "household_id": household_id,
        "village_code": place[0],
        "status": place[1],
        "findings": sorted(findings, key=lambda f: (f["code"], f["detail"])),
    }


def _signal(row: dict[str, Any], caller: Caller, hidden: set[str]) -> dict[str, Any]:
    return {
        "code": row["code"],
        "division": row["division"],
        "detail": _within(caller, row["detail"], "beyond this division"),
        "detail_zh": _within(caller, row["detail_zh"], "辖区外"),
        "households": [
            {"household_id": household_id, "village_code": village_code}
            for household_id, village_code in row["households"]
            if in_scope(caller, village_code)
        ],
        "events": [event for event in row["events"] if event not in hidden],
    }


# A village code standing alone (not a run of digits inside a digest or a longer number).
_VILLAGE_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9]{12}(?![0-9A-Za-z])")


def _within(caller: Caller, text: str, beyond: str) -> str:
    """A signal's explanation with each village beyond the caller's division named by
    ``beyond`` instead: a signal shows only the caller's part of it (its explanations
    name villages, never households)."""
    return _VILLAGE_CODE.sub(lambda code: code[0] if in_scope(caller, code[0]) else beyond, text)


def signal_cursor(code: str, key: str) -> str:
    """The opaque cursor after the signal (``code``, ``key``): its "<code>/<key>" in
    URL-safe base64, as a key may hold any text (a slash, a long digest)."""
    return urlsafe_b64encode(f"{code}/{key}".encode()).decode()


def signal_after(cursor: str) -> str:
    """The "<code>/<key>" a cursor of ``signal_cursor`` was issued for; any other cursor
    is refused (nothing unprintable reaches the SQL)."""
    try:
        after = urlsafe_b64decode(cursor.encode()).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError both are
        after = ""
    if "/" not in after or not after.isprintable():
        raise ValidationFailed(
            "cursor is not one this service issued",
            [{"field": "cursor", "message": "unknown cursor"}],
        )
    return after


def _signal_filters(caller: Caller, selection: Selection) -> Filters:
    filters = filters_of(caller, selection)
    if selection.after is None:
        return filters
    return replace(filters, after=signal_after(selection.after))


def _all(fetch: Callable[[Filters], Page], filters: Filters) -> list[dict[str, Any]]:
    page = replace(filters, after=None, limit=EXPORT_PAGE)
    items: list[dict[str, Any]] = []
    while True:
        result = fetch(page)
        items += result["items"]
        if result["next"] is None:
            return items
        page = replace(page, after=result["next"])
