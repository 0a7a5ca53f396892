"""What the division page shows, shaped from the evaluators' queries: Chinese labels,
the completeness chart's bars, the list rows (gaps, look-back, data-quality findings and
formalism signals); and the household page's timeline pages."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from ledger.domain.events import HouseholdEvent
from ledger.domain.labels import Vocabulary, label, labels
from ledger.domain.quality.codes import FindingCode, SignalCode

KEPT_WHOLE = frozenset({"SystemMarked", "EntryVoided"})
"""Events shaped in full on every page of a timeline: the status history lists every
marking, and a voided event is struck through wherever it is shown."""


@dataclass(frozen=True)
class Bar:
    """One bar of the completeness chart: a required step and the share of episodes that
    have it."""

    step: str
    label: str
    rate: float

    @property
    def percent(self) -> str:
        return f"{self.rate * 100:.1f}%"

    @property
    def low(self) -> bool:
        return self.rate < 0.95


@dataclass(frozen=True)
class Chart:
    kind: str
    label: str
    episodes: int
    bars: list[Bar]


def status_table(summary: dict[str, Any]) -> dict[str, Any]:
    """Households by status (rows) × monitoring type (columns), with totals."""
    by_status: dict[str, dict[str, int]] = summary["status_by_type"]
    types = [
        t
        for t in (*labels("monitoring_type"), "none")
        if any(t in row for row in by_status.values())
    ]
    cells = {
        status: [row.get(t, 0) for t in types]
        for status in labels("status")
        if (row := by_status.get(status))
    }
    return {
        "columns": [label("monitoring_type", t) if t != "none" else "未分类型" for t in types],
        "rows": [
            {
                "status": status,
                "label": label("status", status),
                "cells": counts,
                "total": sum(counts),
            }
            for status, counts in cells.items()
        ],
        "totals": [sum(counts[i] for counts in cells.values()) for i in range(len(types))],
        "total": summary["households"],
    }


def charts(summary: dict[str, Any]) -> list[Chart]:
    """Completeness rate per required step, one chart per kind of procedure that happened."""
    return [
        Chart(
            kind,
            label("episode_kind", kind),
            summary["episodes"][kind],
            [Bar(step, label("step", step), rate) for step, rate in steps.items()],
        )
        for kind, steps in summary["completeness_rate"].items()
        if steps
    ]


def gap_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "status_label": label("status", item["status"]),
            "gaps": [
                {
                    **gap,
                    "label": label("gap_code", gap["code"]),
                    "step_label": label("step", gap["step"]) if gap["step"] else "—",
                    "severity_label": label("severity", gap["severity"]),
                }
                for gap in item["gaps"]
            ],
        }
        for item in items
    ]


def lookback_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "status_label": label("status", item["status"]),
            "candidates": [
                {
                    **c,
                    "label": label("lookback_code", c["code"]),
                    "action_label": label("lookback_action", c["action"]),
                }
                for c in item["candidates"]
            ],
        }
        for item in items
    ]


def choices(vocabulary: Vocabulary) -> list[tuple[str, str]]:
    """A filter's options: code and Chinese label."""
    return list(labels(vocabulary).items())


class Timeline:
    """One page of a household's timeline: events ``first`` to ``last`` (numbered from 1,
    oldest first) of ``total``, ``size`` a page; a page past the last shows the last."""

    def __init__(self, total: int, page: int, size: int, as_of: str | None) -> None:
        self.total, self.size, self.as_of = total, size, as_of
        self.pages = max(1, -(-total // size))
        self.page = min(page, self.pages)
        self.first = min((self.page - 1) * size + 1, total)
        self.last = min(self.page * size, total)
        self.shown = range(self.first, self.last + 1) if total else range(0)
        self.previous = self.url(self.page - 1) if self.page > 1 else None
        self.next = self.url(self.page + 1) if self.page < self.pages else None

    def url(self, page: int) -> str:
        """The query of another page (keeping the as-of time)."""
        return "?" + urlencode(
            {key: value for key, value in (("as_of", self.as_of), ("page", str(page))) if value}
        )

    def href(self, number: int) -> str:
        """Where event ``number``'s row is: this page (""), or another page's query."""
        page = (number - 1) // self.size + 1
        return "" if page == self.page else self.url(page)


def stub(event: HouseholdEvent) -> dict[str, Any]:
    """An event off the page: what a link to it shows (第N条 and its type)."""
    return {"id": str(event.id), "version": event.version, "type": event.TYPE}


# Data quality (CONTRACT §7.5): labels straight from the codes, which carry them.


_FINDINGS = {code.value: code for code in FindingCode}
_SIGNALS = {code.value: code for code in SignalCode}


def finding_label(code: str) -> str:
    return _FINDINGS[code].label_zh if code in _FINDINGS else code


def finding_rule(code: str) -> str:
    return _FINDINGS[code].rule if code in _FINDINGS else ""


def signal_label(code: str) -> str:
    return _SIGNALS[code].label_zh if code in _SIGNALS else code


def finding_choices() -> list[tuple[str, str]]:
    return [(code.value, code.label_zh) for code in FindingCode]


def signal_choices() -> list[tuple[str, str]]:
    return [(code.value, code.label_zh) for code in SignalCode]


def findings(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A household's findings with their Chinese label and national rule."""
    return [
        {
            **finding,
            "label": finding_label(finding["code"]),
            "rule": finding.get("rule") or finding_rule(finding["code"]),
        }
        for finding in items
    ]


def quality_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            **item,
            "status_label": label("status", item.get("status")),
            "findings": findings(item["findings"]),
        }
        for item in items
    ]


def signal_rows(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "label": signal_label(item["code"])} for item in items]


def quality_counts(counts: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every code's count (zero where none), in the codes' order: a county reader sees
    which checks ran and found nothing, not only those that found something."""
    found = {row["code"]: row for row in counts.get("quality_counts", [])}
    signalled = {row["code"]: row for row in counts.get("signal_counts", [])}
    return {
        "findings": [
            {
                "code": code.value,
                "label": code.label_zh,
                "rule": code.rule,
                "findings": found.get(code, {}).get("findings", 0),
                "households": found.get(code, {}).get("households", 0),
            }
            for code in FindingCode
        ],
        "signals": [
            {
                "code": code.value,
                "label": code.label_zh,
                "signals": signalled.get(code, {}).get("signals", 0),
                "households": signalled.get(code, {}).get("households", 0),
            }
            for code in SignalCode
        ],
    }
