"""Rules of the identification (识别纳入): exclusions and the assistance plan's timing;
and the departments' checks (联审) that an identification or an exit requires."""

from collections.abc import Iterator

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.episodes import confirmation_bound
from ledger.domain.exclusions import unexplained_exclusions
from ledger.domain.gaps import Gap, GapCode
from ledger.domain.labels import label
from ledger.domain.procedure import EpisodeKind, Step
from ledger.domain.record import day
from ledger.domain.wording import date_zh, event_zh, events_zh, finding_zh


def _exclusions(j: Judging) -> Iterator[Gap]:
    if j.kind != EpisodeKind.IDENTIFICATION:
        return
    confirmation = j.events.judged(Step.COUNTY_CONFIRMATION)
    confirmed = (
        f"the county confirmation {ref(confirmation)}" if confirmation else "no county confirmation"
    )
    confirmed_zh = (
        f"{event_zh(confirmation)}未作特殊情况纳入说明"
        if confirmation
        else "没有县级确定，也就没有特殊情况纳入说明"
    )
    for finding in unexplained_exclusions(j.record, j.events):
        yield Gap(
            GapCode.EXCLUSION_FOUND,
            Step.DEPARTMENT_CHECK,
            f"{finding.describe()}: a household-level exclusion situation (10类不纳入情形, "
            f"002 附件2) checked or existing on or before {j.closing()}; {confirmed} "
            "gives no special_inclusion explanation (002 §二(三) 特殊情况确需纳入的，"
            "要查实情况并对群众做出专门说明).",
            f"{finding_zh(finding)}：这是户层面的不纳入情形（10类不纳入情形，002 附件2），"
            f"在{j.closing_zh()}当日或之前已核查或已存在；{confirmed_zh}"
            "（002 §二(三) 特殊情况确需纳入的，要查实情况并对群众做出专门说明）。",
        )


def _assistance_plan(j: Judging) -> Iterator[Gap]:
    if j.kind != EpisodeKind.IDENTIFICATION:
        return
    plan = j.events.judged(Step.ASSISTANCE_PLAN)
    bound = confirmation_bound(j.events.steps, j.marking)
    if (
        plan is not None
        and plan.TYPE == "AssistancePlanned"
        and plan.remedies is None
        and day(plan) > bound
    ):
        yield Gap(
            GapCode.LATE_ASSISTANCE_PLAN,
            Step.ASSISTANCE_PLAN,
            f"The first measure was planned by {ref(plan)}, after the county "
            f"confirmation (or the marking) of {bound}, and the village decision "
            "proposed none (002 §三(四) 逐户逐人提出帮扶措施).",
            f"第一项帮扶措施由{event_zh(plan)}制定，晚于{date_zh(bound)}的县级确定"
            "（没有县级确定时为标注），而村两委研究时未提出帮扶措施"
            "（002 §三(四) 逐户逐人提出帮扶措施）。",
        )


def _departments(j: Judging) -> Iterator[Gap]:
    required = j.config.required_departments.get(j.kind)
    step = j.events.steps.get(Step.DEPARTMENT_CHECK)
    if required is None or step is None or step.judged is None:
        return
    bound = confirmation_bound(j.events.steps, j.marking)
    counted = [
        e
        for e in step.events
        if j.kind == EpisodeKind.EXIT or e.remedies == j.marking.id or day(e) <= bound
    ]
    verified = {e.data.get("department") for e in counted}
    for department in required.value:
        if department not in verified:
            yield Gap(
                GapCode.DEPARTMENT_CHECK_INCOMPLETE,
                Step.DEPARTMENT_CHECK,
                f"No DepartmentVerified of '{department}' counts for this episode (the "
                f"checks that do: {', '.join(ref(e) for e in counted)}); configured "
                f"as required: {required.source}.",
                f"没有{label('department', department)}的部门比对复核可计入本段程序"
                f"（可计入的复核：{events_zh(counted)}）；配置要求该部门复核"
                f"（配置依据：{required.source}）。",
            )


RULES: tuple[Rule, ...] = (_exclusions, _assistance_plan, _departments)
