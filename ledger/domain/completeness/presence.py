"""Each required step present, not rejected, and with its trace materials (痕迹资料)."""

from collections.abc import Iterator
from types import MappingProxyType

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.episodes import rollback_basis
from ledger.domain.gaps import MISSING, Gap, GapCode
from ledger.domain.labels import field_label, label
from ledger.domain.procedure import (
    PURPOSE_OF_KIND,
    REQUIRED_STEPS,
    STEP_TYPE,
    STEPS,
    EpisodeKind,
    Step,
)
from ledger.domain.wording import Said, event_zh, events_zh, field_zh, value_zh

_REQUIRES = MappingProxyType(
    {
        Step.SCREENING: Said(
            "the village's analysis (综合分析研判) deciding a key check",
            "村级综合分析研判并列为重点核查",
        ),
        Step.FIELD_SURVEY: Said("a field survey (实地调查)", "实地调查（入户核查）"),
        Step.APPLICATION: Said("the signed application (纳入监测申请)", "农户签署的纳入监测申请"),
        Step.AUTHORIZATION: Said(
            "the signed authorization and commitment letter (授权承诺书)", "签署的授权承诺书"
        ),
        Step.APPRAISAL: Said("an approving democratic appraisal (民主评议)", "通过的民主评议"),
        Step.VILLAGE_DECISION: Said(
            "the village committee's proposal (村两委研究)", "村两委研究提出"
        ),
        Step.ASSISTANCE_PLAN: Said(
            "assistance measures (帮扶措施) in the village decision or planned by the county "
            "confirmation",
            "村两委研究时提出或县级确定前（含当日）制定的帮扶措施",
        ),
        Step.NOTICE: Said("a public notice (公示)", "公示"),
        Step.TOWNSHIP_REVIEW: Said("an approving township review (乡镇审核)", "通过的乡镇审核"),
        Step.DEPARTMENT_CHECK: Said(
            "a department re-check (部门复核) dated on or after the authorization and by the "
            "county confirmation",
            "签署授权承诺书当日或之后、县级确定当日或之前的部门复核",
        ),
        Step.COUNTY_CONFIRMATION: Said("the county's confirmation (县级确定)", "县级确定"),
        Step.EFFECTIVENESS_APPRAISAL: Said(
            "a stable effectiveness appraisal (帮扶成效评议)", "结果为“稳定”的帮扶成效评议"
        ),
        Step.INFORMED_CONSENT: Said("the household's informed consent (知情同意)", "农户知情同意"),
    }
)
"""What a missing step's detail says the procedure requires."""
_KIND_REQUIRES = MappingProxyType(
    {
        (EpisodeKind.ELIMINATION, Step.FIELD_SURVEY): Said(
            "the risk-elimination assessment survey (风险销号评估认定)",
            "风险销号评估认定的入户调查",
        ),
        (EpisodeKind.EXIT, Step.DEPARTMENT_CHECK): Said(
            "a department verification (of any purpose, on or before the marking) whose "
            "findings name an exclusion situation (10类不纳入情形)",
            "标注当日或之前、发现情形中列有不纳入情形（10类不纳入情形）的部门比对复核（事由不限）",
        ),
        (EpisodeKind.ROLLBACK, Step.FIELD_SURVEY): Said(
            "a field survey, or an 'unstable' effectiveness appraisal made after the elimination",
            "实地调查，或风险消除后结果为“不稳定”的帮扶成效评议",
        ),
    }
)
"""What a step requires where the kind of episode changes it."""


def _requires(kind: EpisodeKind, step: Step) -> Said:
    return _KIND_REQUIRES.get((kind, step)) or _REQUIRES.get(step) or Said(step, step.label_zh)


def _missing(j: Judging) -> Iterator[Gap]:
    for step in REQUIRED_STEPS[j.kind]:
        if step == Step.FIELD_SURVEY and j.kind == EpisodeKind.ROLLBACK:
            present = rollback_basis(j.events)
        else:
            present = j.events.judged(step)
        if present is None:
            detail = _missing_detail(j, step)
            yield Gap(MISSING[step], step, detail.en, detail.zh)


def _missing_detail(j: Judging, step: Step) -> Said:
    kind = j.kind
    what = STEP_TYPE.get(
        step, "AssistancePlanned" if step == Step.ASSISTANCE_PLAN else "DepartmentVerified"
    )
    what_zh = f"“{label('event_type', what)}”记录"
    if what in _PURPOSED and not (kind == EpisodeKind.EXIT and step == Step.DEPARTMENT_CHECK):
        purpose = PURPOSE_OF_KIND[kind]
        what = f"{what} with purpose '{purpose}'"
        what_zh = f"事由为“{label('purpose', purpose)}”的{what_zh}"
    notes, notes_zh = "", ""
    if step == Step.DEPARTMENT_CHECK and kind == EpisodeKind.IDENTIFICATION:
        late = j.events.steps[Step.DEPARTMENT_CHECK].events
        if late:
            notes = (
                f" {', '.join(ref(e) for e in late)} came after the county "
                "confirmation (or, without one, the marking) and does not satisfy it."
            )
            notes_zh = f"{events_zh(late)}晚于县级确定（没有县级确定时为标注），不能计入本环节。"
        early = j.events.steps[Step.DEPARTMENT_COMPARISON].events
        if early:
            notes += (
                f" {', '.join(ref(e) for e in early)} came before the authorization "
                "and is kept as department_comparison (information)."
            )
            notes_zh += f"{events_zh(early)}早于签署授权承诺书，记为授权前的部门信息比对（提示）。"
    requires = _requires(kind, step)
    return Said(
        f"No {what} that counts for this step was {j.window()}; the {kind} procedure "
        f"requires {requires.en}.{notes}",
        f"{j.window_zh()}，没有可计入{step.label_zh}环节的{what_zh}，也没有补齐该标注的此类"
        f"记录；{kind.label_zh}要求{requires.zh}。{notes_zh}",
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
                f"{event_zh(judged)}是标注前最后一次{step.label_zh}，其"
                f"{field_zh(judged.TYPE, field)}为“{value_zh(judged.TYPE, field, value)}”，"
                f"而非“{value_zh(judged.TYPE, field, wanted)}”，但仍作了{j.closing_zh()}。",
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
                wanted_zh = "或".join(f"“{_material_zh(a)}”" for a in alternatives)
                held_zh = "、".join(f"“{_material_zh(k)}”" for k in sorted(kinds)) or "无"
                yield Gap(
                    GapCode.MISSING_MATERIAL,
                    step,
                    f"{ref(judged)} has no {wanted} among its materials "
                    f"{sorted(kinds) or '[]'} (its own and any MaterialAttached to it "
                    f"since); configured for {step}: {required.source}.",
                    f"{event_zh(judged)}的痕迹资料（含其自带的和此后补充的）中没有{wanted_zh}"
                    f"（现有：{held_zh}）；{step.label_zh}环节的配置要求：{required.source}。",
                )


def _material_zh(kind: str) -> str:
    return field_label(kind) if kind == "system_ref" else label("material_kind", kind)


RULES: tuple[Rule, ...] = (_missing, _rejected, _materials)
