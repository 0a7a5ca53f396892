"""Order: "A before B" means A's date is not after B's, along each procedure's chains."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from types import MappingProxyType

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.episodes import rollback_basis
from ledger.domain.gaps import Gap, GapCode
from ledger.domain.procedure import EpisodeKind, Step
from ledger.domain.record import day
from ledger.domain.wording import date_zh, event_zh

# Points of a chain: a step's judged event, "notice.start"/"notice.end" (the notice's own
# dates), "basis" (what a rollback rests on) and "marking".
_CHAINS: Mapping[EpisodeKind, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        EpisodeKind.IDENTIFICATION: (
            (
                "screening",
                "field_survey",
                "appraisal",
                "village_decision",
                "notice.start",
                "notice.end",
                "township_review",
                "county_confirmation",
                "marking",
            ),
            ("application", "department_check", "county_confirmation", "marking"),
            ("authorization", "department_check"),
        ),
        EpisodeKind.ELIMINATION: (
            (
                "effectiveness_appraisal",
                "field_survey",
                "appraisal",
                "notice.start",
                "notice.end",
                "township_review",
                "county_confirmation",
                "marking",
            ),
            ("informed_consent", "marking"),
        ),
        EpisodeKind.EXIT: (("field_survey", "township_review", "county_confirmation", "marking"),),
        EpisodeKind.ROLLBACK: (("basis", "township_review", "county_confirmation", "marking"),),
    }
)


@dataclass(frozen=True)
class _Point:
    label: str
    step: Step
    on: date
    what: str
    what_zh: str


def _point(j: Judging, label: str) -> _Point | None:
    if label == "marking":
        return _Point(label, Step.MARKING, day(j.marking), j.closing(), j.closing_zh())
    name, _, end = label.partition(".")
    event = rollback_basis(j.events) if name == "basis" else j.events.judged(Step(name))
    if event is None or event.remedies is not None:
        return None  # absent, or completed afterwards (补齐): never judged out of order
    if name == "basis":
        step = (
            Step.FIELD_SURVEY
            if event.TYPE == "FieldSurveyConducted"
            else Step.EFFECTIVENESS_APPRAISAL
        )
    else:
        step = Step(name)
    if end:
        on = event.data.get("start_date" if end == "start" else "end_date")
        if not isinstance(on, date):
            return None
        return _Point(
            label,
            step,
            on,
            f"the {end} ({on}) of {ref(event)}",
            f"{event_zh(event)}的{'开始' if end == 'start' else '结束'}日期（{date_zh(on)}）",
        )
    return _Point(label, step, day(event), ref(event), event_zh(event))


def _point_zh(label: str) -> str:
    """A chain's point by its Chinese name: the step, the notice's ends, the basis."""
    return _POINT_LABELS.get(label) or Step(label).label_zh


_POINT_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "notice.start": "公示开始",
        "notice.end": "公示结束",
        "basis": "回退依据（实地调查或“不稳定”的帮扶成效评议）",
        "marking": "系统标注",
    }
)


def _order(j: Judging) -> Iterator[Gap]:
    seen: set[tuple[str, str]] = set()
    for chain in _CHAINS[j.kind]:
        points = [p for p in (_point(j, label) for label in chain) if p is not None]
        for before, after in pairwise(points):
            if (before.label, after.label) in seen or before.on <= after.on:
                continue
            seen.add((before.label, after.label))
            step = after.step if after.step != Step.MARKING else before.step
            yield Gap(
                GapCode.OUT_OF_ORDER,
                step,
                f"{before.what} is after {after.what}; in the {j.kind} procedure "
                f"{before.label} must come before {after.label} (order: "
                f"{' → '.join(chain)}; 'before' means on the same date or earlier).",
                f"{before.what_zh}晚于{after.what_zh}；{j.kind.label_zh}中"
                f"{_point_zh(before.label)}应在{_point_zh(after.label)}之前（顺序："
                f"{' → '.join(_point_zh(p) for p in chain)}；“之前”指同一天或更早）。",
            )


RULES: tuple[Rule, ...] = (_order,)
