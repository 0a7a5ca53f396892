"""The evaluators' questions, answered from the read models (CONTRACT §5 list shapes)."""

from collections import defaultdict
from datetime import date
from typing import Any

from ledger.domain.episodes import REQUIRED_STEPS
from projections.views import Filters, ViewTables

MISSING = "MISSING_"


def completeness_page(views: ViewTables, filters: Filters) -> dict[str, Any]:
    """Households with gaps: ``{"items": [{household_id, village_code, status, gaps}], "next"}``."""
    ids = views.households_with("gap_view", filters)
    gaps: dict[str, list[dict[str, Any]]] = defaultdict(list)
    places: dict[str, tuple[str, str]] = {}
    for row in views.rows_of("gap_view", ids):
        places[row["household_id"]] = (row["village_code"], row["status"])
        gaps[row["household_id"]].append({"code": row["code"], "step": row["step"],
                                          "severity": row["severity"],
                                          "episode": row["episode"]})
    items: list[dict[str, Any]] = [
             {"household_id": h, "village_code": places[h][0], "status": places[h][1],
              "gaps": sorted(gaps[h], key=lambda g: (g["episode"], g["code"], g["step"] or ""))}
             for h in ids]
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
        candidates[row["household_id"]].append({"code": row["code"], "action": row["action"],
                                                "detail": row["detail"]})
    items: list[dict[str, Any]] = [
             {"household_id": h, "village_code": places[h][0], "status": places[h][1],
              "candidates": sorted(candidates[h], key=lambda c: c["code"])}
             for h in ids if h in places]
    return {"items": items, "next": ids[-1] if len(ids) == filters.limit else None}


def _active(row: Any, day: date) -> bool:
    start, end = _day(row["active_from"]), _day(row["active_until"])
    return (start is None or start <= day) and (end is None or day < end)


def _day(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def summary(views: ViewTables, division: str) -> dict[str, Any]:
    """Counts by status × monitoring type, completeness rate per step, gap counts."""
    by_status: dict[str, dict[str, int]] = defaultdict(dict)
    for row in views.status_by_type(division):
        by_status[row["status"]][row["monitoring_type"] or "none"] = row["households"]
    episodes = {row["kind"]: row["episodes"] for row in views.episodes_by_kind(division)}
    missing: dict[tuple[str, str], int] = defaultdict(int)
    gap_counts = []
    for row in views.gap_counts(division):
        gap_counts.append({"kind": row["kind"], "code": row["code"], "step": row["step"],
                           "severity": row["severity"], "gaps": row["gaps"],
                           "households": row["households"]})
        if row["step"] and row["code"] == MISSING + row["step"].upper():
            missing[(row["kind"], row["step"])] += row["gaps"]
    # Every required step of each kind that happened, with its rate (1.0: never missing).
    rates = {kind: {step: round(1 - missing[(kind, step)] / episodes[kind], 4)
                    for step in REQUIRED_STEPS.get(kind, ())}
             for kind in sorted(episodes)}
    return {
        "division": division,
        "households": sum(n for types in by_status.values() for n in types.values()),
        "status_by_type": by_status,
        "episodes": episodes,
        "completeness_rate": rates,
        "gap_counts": gap_counts,
    }
