"""Each required step present, not rejected, and with its trace materials (痕迹资料)."""

from collections.abc import Iterator
from types import MappingProxyType

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.episodes import rollback_basis
from ledger.domain.gaps import MISSING, Gap, GapCode
from ledger.domain.procedure import (
    PURPOSE_OF_KIND,
    REQUIRED_STEPS,
    STEP_TYPE,
    STEPS,
    EpisodeKind,
    Step,
)

_REQUIRES = MappingProxyType(
    {
        Step.SCREENING: "the village's analysis (综合分析研判) deciding a key check",
        Step.FIELD_SURVEY: "a field survey (实地调查)",
        Step.APPLICATION: "the signed application (纳入监测申请)",
        Step.AUTHORIZATION: "the signed authorization and commitment letter (授权承诺书)",
        Step.APPRAISAL: "an approving democratic appraisal (民主评议)",
        Step.VILLAGE_DECISION: "the village committee's proposal (村两委研究)",
        Step.ASSISTANCE_PLAN: (
            "assistance measures (帮扶措施) in the village decision or planned by the county "
            "confirmation"
        ),
        Step.NOTICE: "a public notice (公示)",
        Step.TOWNSHIP_REVIEW: "an approving township review (乡镇审核)",
        Step.DEPARTMENT_CHECK: (
            "a department re-check (部门复核) dated on or after the authorization and by the "
            "county confirmation"
        ),
        Step.COUNTY_CONFIRMATION: "the county's confirmation (县级确定)",
        Step.EFFECTIVENESS_APPRAISAL: "a stable effectiveness appraisal (帮扶成效评议)",
        Step.INFORMED_CONSENT: "the household's informed consent (知情同意)",
    }
)
"""What a missing step's detail says the procedure requires."""
_KIND_REQUIRES = MappingProxyType(
    {
        (EpisodeKind.ELIMINATION, Step.FIELD_SURVEY): (
            "the risk-elimination assessment survey (风险销号评估认定)"
        ),
        (EpisodeKind.EXIT, Step.DEPARTMENT_CHECK): (
            "a department verification (of any purpose, on or before the marking) whose "
            "findings name an exclusion situation (10类不纳入情形)"
        ),
        (EpisodeKind.ROLLBACK, Step.FIELD_SURVEY): (
            "a field survey, or an 'unstable' effectiveness appraisal made after the elimination"
        ),
    }
)
"""What a step requires where the kind of episode changes it."""


def _requires(kind: EpisodeKind, step: Step) -> str:
    return _KIND_REQUIRES.get((kind, step), _REQUIRES.get(step, step))


def _missing(j: Judging) -> Iterator[Gap]:
    for step in REQUIRED_STEPS[j.kind]:
        if step == Step.FIELD_SURVEY and j.kind == EpisodeKind.ROLLBACK:
            present = rollback_basis(j.events)
        else:
            present = j.events.judged(step)
        if present is None:
            yield Gap(MISSING[step], step, _missing_detail(j, step))


def _missing_detail(j: Judging, step: Step) -> str:
    kind = j.kind
    what = STEP_TYPE.get(
        step, "AssistancePlanned" if step == Step.ASSISTANCE_PLAN else "DepartmentVerified"
    )
    if what in _PURPOSED and not (kind == EpisodeKind.EXIT and step == Step.DEPARTMENT_CHECK):
        what = f"{what} with purpose '{PURPOSE_OF_KIND[kind]}'"
    notes = ""
    if step == Step.DEPARTMENT_CHECK and kind == EpisodeKind.IDENTIFICATION:
        late = j.events.steps[Step.DEPARTMENT_CHECK].events
        if late:
            notes = (
                f" {', '.join(ref(e) for e in late)} came after the county "
                "confirmation (or, without one, the marking) and does not satisfy it."
            )
        early = j.events.steps[Step.DEPARTMENT_COMPARISON].events
        if early:
            notes += (
                f" {', '.join(ref(e) for e in early)} came before the authorization "
                "and is kept as department_comparison (information)."
            )
    return (
        f"No {what} that counts for this step was {j.window()}; the {kind} procedure "
        f"requires {_requires(kind, step)}.{notes}"
    )


_PURPOSED = frozenset(
    {
        "FieldSurveyConducted",
        "DemocraticAppraisalHeld",
        "VillageCommitteeDecided",
        "PublicNoticePosted",
        "TownshipReviewed",
        "DepartmentVerified",
        "CountyConfirmed",
        "InformedConsentGiven",
    }
)

_ACCEPTED: dict[Step, tuple[str, str]] = {
    Step.SCREENING: ("decision", "key_check"),
    Step.APPRAISAL: ("result", "approved"),
    Step.VILLAGE_DECISION: ("decision", "propose"),
    Step.TOWNSHIP_REVIEW: ("decision", "approved"),
    Step.COUNTY_CONFIRMATION: ("decision", "confirmed"),
}


def _rejected(j: Judging) -> Iterator[Gap]:
    accepted = dict(_ACCEPTED)
    if j.kind == EpisodeKind.ELIMINATION:
        accepted[Step.EFFECTIVENESS_APPRAISAL] = ("result", "stable")
    for step, (field, wanted) in accepted.items():
        judged = j.events.judged(step)
        if judged is None or STEP_TYPE[step] != judged.TYPE:
            continue
        value = judged.data.get(field)
        if value != wanted:
            yield Gap(
                GapCode.STEP_REJECTED,
                step,
                f"{ref(judged)}, the {step} judged (the last before the marking), has "
                f"{field} '{value}', not '{wanted}', yet {j.closing()} was made.",
            )


def _materials(j: Judging) -> Iterator[Gap]:
    for step in STEPS[j.kind]:
        required = j.config.required_materials(j.kind, step)
        judged = j.events.judged(step)
        if required is None or judged is None or STEP_TYPE.get(step) != judged.TYPE:
            continue
        kinds = j.record.material_kinds(judged)
        for alternatives in required.value:
            if kinds.isdisjoint(alternatives):
                wanted = " or ".join(
                    "data.system_ref" if a == "system_ref" else a for a in alternatives
                )
                yield Gap(
                    GapCode.MISSING_MATERIAL,
                    step,
                    f"{ref(judged)} has no {wanted} among its materials "
                    f"{sorted(kinds) or '[]'} (its own and any MaterialAttached to it "
                    f"since); configured for {step}: {required.source}.",
                )


RULES: tuple[Rule, ...] = (_missing, _rejected, _materials)
