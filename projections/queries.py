"""The evaluators' questions, answered from the read models (CONTRACT §5 list shapes)."""

from collections import defaultdict
from datetime import date
from typing import Any

from ledger.domain.gaps import MISSING
from ledger.domain.procedure import REQUIRED_STEPS
from projections.views import Filters, ViewTables


def completeness_page(views: ViewTables, filters: Filters) -> dict[str, Any]:
    """Households with gaps: ``{"items": [{household_id, village_code, status, gaps}], "next"}``;
    each gap with its ``detail`` and ``detail_zh`` (CONTRACT §7.5)."""
    ids = views.households_with("gap_view", filters)
    gaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    places: dict[str, tuple[str, str]] = {}
    for row in views.rows_of("gap_view", ids):
        places[row["household_id"]] = (row["village_code"], row["status"])
        gaps[row["household_id"]].append(
            {
                "code": row["code"],
                "step": row["step"],
                "severity": row["severity"],
                "episode": row["episode"],
                "detail": row["detail"],
                "detail_zh": row["detail_zh"],
            }
        )
    items: list[dict[str, Any]] = [
        {
            "household_id": h,
            "village_code": places[h][0],
            "status": places[h][1],
            "gaps": sorted(gaps[h], key=lambda g: (g["episode"], g["code"], g["step"] or "")),
        }
        for h in ids
    ]
    return {"items": items, "next": ids[-1] if len(ids) == filters.limit else None}


def lookback_page(views: ViewTables, filters: Filters, reference_date: date) -> dict[str, Any]:
    """Look-back candidates at ``reference_date``."""
    ids = views.households_with("lookback_view", filters, reference_date)
    candidates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    places: dict[str, tuple[str, str]] = {}
    for row in views.rows_of("lookback_view", ids):
        if not _active(row, reference_date) or (filters.code and row["code"] != filters.code):
            continue
        places[row["household_id"]] = (row["village_code"], row["status"])
        candidates[row["household_id"]].append(
            {
                "code": row["code"],
                "action": row["action"],
                "detail": row["detail"],
                "detail_zh": row["detail_zh"],
            }
        )
    items: list[dict[str, Any]] = [
        {
            "household_id": h,
            "village_code": places[h][0],
            "status": places[h][1],
            "candidates": sorted(candidates[h], key=lambda c: c["code"]),
        }
        for h in ids
        if h in places
    ]
    return {"items": items, "next": ids[-1] if len(ids) == filters.limit else None}


def _active(row: Any, day: date) -> bool:
    start, end = _day(row["active_from"]), _day(row["active_until"])
    return (start is None or start <= day) and (end is None or day < end)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def summary(views: ViewTables, division: str, reference_date: date | None = None) -> dict[str, Any]:
    """Counts by status × monitoring type, completeness rate per step, gap counts, and the
    findings and signals per code at ``reference_date`` (default today)."""
    by_status: dict[str, dict[str, int]] = defaultdict(dict)
    for row in views.status_by_type(division):
        by_status[row["status"]][row["monitoring_type"] or "none"] = row["households"]
    episodes = {row["kind"]: row["episodes"] for row in views.episodes_by_kind(division)}
    missing: dict[tuple[str, str], int] = defaultdict(int)
    gap_counts = []
    for row in views.gap_counts(division):
        gap_counts.append(
            {
                "kind": row["kind"],
                "code": row["code"],
                "step": row["step"],
                "severity": row["severity"],
                "gaps": row["gaps"],
                "households": row["households"],
            }
        )
        if row["step"] and row["code"] == MISSING.get(row["step"]):
            missing[(row["kind"], row["step"])] += row["gaps"]
    # Every required step of each kind that happened, with its rate (1.0: never missing).
    rates = {
        kind: {
            str(step): round(1 - missing[(kind, step)] / episodes[kind], 4)
            for step in REQUIRED_STEPS.get(kind, ())
        }
        for kind in sorted(episodes)
    }
    return {
        "division": division,
        "households": sum(n for types in by_status.values() for n in types.values()),
        "status_by_type": by_status,
        "episodes": episodes,
        "completeness_rate": rates,
        "gap_counts": gap_counts,
        **quality_counts(views, division, reference_date or date.today()),
    }


def quality_counts(views: ViewTables, division: str, reference_date: date) -> dict[str, Any]:
    """Findings and signals per code in ``division`` at ``reference_date``, with the
    households involved."""
    return {
        "quality_counts": [
            {"code": r["code"], "findings": int(r["findings"]), "households": int(r["households"])}
            for r in views.finding_counts(division, reference_date)
        ],
        "signal_counts": [
            {"code": r["code"], "signals": int(r["signals"]), "households": int(r["households"])}
            for r in views.signal_counts(division, reference_date)
        ],
    }


# Division codes: province 2 digits, city 4, county 6, township 9, village 12 (GB/T 2260
# and the statistical division codes).
_NEXT_LEVEL = {0: 2, 1: 2, 2: 4, 3: 4, 4: 6, 5: 6, 6: 9, 7: 9, 8: 9, 9: 12, 10: 12, 11: 12}


def parts(views: ViewTables, division: str) -> list[dict[str, Any]]:
    """The divisions one level below ``division`` (a county's townships, a township's
    villages) with their households, those monitored and those with violations."""
    length = _NEXT_LEVEL.get(len(division))
    if length is None:
        return []
    return [
        {
            "division": row["part"],
            "households": int(row["households"]),
            "monitored": int(row["monitored"]),
            "flagged": int(row["flagged"]),
        }
        for row in views.households_by_part(division, length)
    ]
