"""Data-quality findings and formalism signals (CONTRACT §7.5) from the read models, in the
caller's division."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.domain.callers import Caller
from projections.views import ViewTables
from queries.evaluation import Page, Selection


@dataclass(frozen=True)
class QualityQueries:
    views: ViewTables

    def household(self, household_id: str, caller: Caller, reference_date: date) -> dict[str, Any]:
        """``{"household_id", "village_code", "status", "findings": [...]}`` (each finding
        ``code, detail, detail_zh, rule, events``); 404 outside the caller's scope as the
        other household reads."""
        raise NotImplementedError

    def findings(self, caller: Caller, selection: Selection, reference_date: date) -> Page:
        """A page of households with findings (``GET /v1/quality``)."""
        raise NotImplementedError

    def all_findings(
        self, caller: Caller, selection: Selection, reference_date: date
    ) -> list[dict[str, Any]]:
        """Every household with findings (an export)."""
        raise NotImplementedError

    def signals(self, caller: Caller, selection: Selection, reference_date: date) -> Page:
        """A page of signals involving a household in the division, each listing only the
        households in the caller's scope (``GET /v1/signals``)."""
        raise NotImplementedError

    def all_signals(
        self, caller: Caller, selection: Selection, reference_date: date
    ) -> list[dict[str, Any]]:
        raise NotImplementedError

    def counts(self, caller: Caller, division: str | None, reference_date: date) -> dict[str, Any]:
        """``{"quality_counts": [{code, findings, households}], "signal_counts": [{code,
        signals, households}]}`` for the summary."""
        raise NotImplementedError
