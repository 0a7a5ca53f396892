"""One run's results as the rows of one table: what was measured on which backend, the
target it is held to, and its ratio to that target's reference."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Result:
    """One measured value (or, with ``value`` None, why there is none: ``note``)."""

    backend: str
    workload: str
    measure: str  # what the value counts, with its unit: "events/s", "p50 ms"
    value: float | None
    key: str = ""  # how targets name it, e.g. "raw.copy"
    note: str = ""


@dataclass(frozen=True)
class Target:
    """What the result ``key`` must reach: with a ``reference``, ``bound`` × that result's
    value; without, ``bound`` itself. The ratio shown is value ÷ reference, or value ÷
    bound. A target without ``bound`` only shows the ratio (for comparison, judged
    nowhere), and one whose ``judged`` is False shows ratio and target but no verdict
    (the issue sets it for the other backend)."""

    key: str
    text: str
    bound: float | None
    reference: str | None = None
    at_most: bool = False
    judged: bool = True


@dataclass(frozen=True)
class Row:
    result: Result
    target: Target | None
    ratio: float | None
    met: bool | None


def evaluate(results: list[Result], targets: dict[str, list[Target]]) -> list[Row]:
    """Each result with its backend's target for it (``targets[backend]``), if any."""
    values = {(r.backend, r.key): r.value for r in results if r.key}
    rows = []
    for result in results:
        target = next((t for t in targets.get(result.backend, []) if t.key == result.key), None)
        if target is None or result.value is None or not result.key:
            rows.append(Row(result, target, None, None))
            continue
        if target.reference is None:
            ratio = result.value / target.bound if target.bound else None
            judged_value = result.value
        else:
            reference = values.get((result.backend, target.reference))
            ratio = result.value / reference if reference else None
            judged_value = ratio if ratio is not None else math.nan
        met = None
        if target.bound is not None and target.judged and not math.isnan(judged_value):
            met = judged_value <= target.bound if target.at_most else judged_value >= target.bound
        rows.append(Row(result, target, ratio, met))
    return rows


def number(value: float) -> str:
    """Three significant figures or so, thousands separated."""
    if math.isnan(value):
        return "–"
    if float(value).is_integer():  # counts arrive as int, which has no is_integer()
        return f"{value:,.0f}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def render(rows: list[Row]) -> str:
    lines = [
        "| backend | workload | measure | value | target | ratio | met? |",
        "| --- | --- | --- | ---: | --- | ---: | --- |",
    ]
    for row in rows:
        r = row.result
        value = number(r.value) if r.value is not None else f"– ({r.note})" if r.note else "–"
        if r.value is not None and r.note:
            value += f" ({r.note})"
        target = row.target.text if row.target else ""
        ratio = f"{row.ratio:,.2f}×" if row.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(
            f"| {r.backend} | {r.workload} | {r.measure} | {value} | {target} | {ratio} | {met} |"
        )
    return "\n".join(lines)
