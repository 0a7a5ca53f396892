"""The evaluators' quality questions over the read models (CONTRACT §7.5): findings by
household, signals by division, their counts. Mixed into ``ViewTables`` beside
``ViewQueries``; plain SQL naming views in braces (the live set's tables).

Rows come back as dicts with ``events`` (and a signal's ``households``) decoded from JSON.
A finding or signal counts at ``reference_date`` when its window holds it (``active_from``
None or on/before the date, ``active_until`` None or after it).
"""

from collections.abc import Sequence
from datetime import date
from typing import Any

from projections.view_queries import Filters


class QualityViewQueries:
    def households_with_findings(self, filters: Filters, reference_date: date) -> list[str]:
        """One page of the ids of households in ``filters.division`` with findings (of
        ``filters.code`` if given; ``filters.status`` their status) active at
        ``reference_date``, own or derived, by id after ``filters.after``."""
        raise NotImplementedError

    def findings_of(
        self, household_ids: Sequence[str], reference_date: date
    ) -> list[dict[str, Any]]:
        """The findings active at ``reference_date`` of the households, own and derived:
        ``household_id, village_code, code, rule, detail, detail_zh, events`` (a list)."""
        raise NotImplementedError

    def places_of(self, household_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """Each household's (village code, status), from ``household_view``."""
        raise NotImplementedError

    def signals_in(self, filters: Filters, reference_date: date) -> list[dict[str, Any]]:
        """One page of the signals (of ``filters.code``) active at ``reference_date`` that
        involve a household in ``filters.division``, ordered by ``code`` then ``key``,
        after the cursor ``filters.after`` ("<code>/<key>"): ``code, key, division,
        detail, detail_zh, households`` (a list of ``[household id, village code]``, every
        one of the signal's), ``events`` (a list)."""
        raise NotImplementedError

    def finding_counts(self, division: str, reference_date: date) -> list[dict[str, Any]]:
        """Per finding code in ``division`` at ``reference_date``: ``code, findings,
        households``."""
        raise NotImplementedError

    def signal_counts(self, division: str, reference_date: date) -> list[dict[str, Any]]:
        """Per signal code involving a household in ``division`` at ``reference_date``:
        ``code, signals, households`` (households of the division involved)."""
        raise NotImplementedError
