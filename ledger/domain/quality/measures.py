"""The findings on a household's measures (帮扶措施, CONTRACT §7.5): the measures since its
latest enrolment (``Context.measures``) against its risks and its labour. Their delivery
is judged in ``delivery``."""

from collections.abc import Iterator

from ledger.domain import labels
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import Context, PlannedMeasure
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import (
    cite,
    cite_zh,
    finding,
    label,
    labelled,
    listed,
)
from ledger.domain.vocabulary import Measure, RiskType, Status

HEALTH_OR_SAFETY_NET = frozenset(
    {
        Measure.HEALTH,
        Measure.MINIMUM_LIVING,
        Measure.EXTREME_POVERTY_SUPPORT,
        Measure.TEMPORARY_RELIEF,
        Measure.SOCIAL_ASSISTANCE,
    }
)
DEVELOPMENTAL = frozenset(
    {Measure.INDUSTRY, Measure.EMPLOYMENT, Measure.PUBLIC_WELFARE_POST, Measure.MICROCREDIT}
)
TOKEN = frozenset({Measure.OTHER, Measure.SKILLS_TRAINING})
EMPLOYMENT = frozenset({Measure.EMPLOYMENT, Measure.PUBLIC_WELFARE_POST})


def _since(ctx: Context) -> tuple[str, str]:
    enrolment = ctx.latest_enrolment
    if enrolment is None:
        return "of the household (never enrolled)", "（该户从未纳入监测，计其全部措施）"
    return (
        f"since the latest enrolment ({cite(enrolment)})",
        f"自最近一次纳入监测（{cite_zh(enrolment)}）以来",
    )


def _had(measures: list[PlannedMeasure]) -> tuple[str, str]:
    if not measures:
        return "none", "无"
    categories = list(dict.fromkeys(m.category for m in measures))
    return listed(categories), labelled(labels.MEASURES, categories)


def _cited(ctx: Context, measures: list[PlannedMeasure], *more: str) -> list[str]:
    enrolment = [str(ctx.latest_enrolment.id)] if ctx.latest_enrolment else []
    return [*more, *(str(m.event.id) for m in measures), *enrolment]


def _risk_without_measure(
    ctx: Context, code: FindingCode, risk: RiskType, wanted: frozenset[str]
) -> Iterator[Finding]:
    if ctx.status != Status.MONITORED or risk not in ctx.risks or ctx.measures_in(wanted):
        return
    since, since_zh = _since(ctx)
    had, had_zh = _had(ctx.measures)
    yield finding(
        code,
        f"Monitored with risk '{risk}', but no measure {since} is in {listed(sorted(wanted))}; "
        f"the measures: {had}.",
        f"监测户存在{label(labels.RISK_TYPES, risk)}风险，但{since_zh}无"
        f"{labelled(labels.MEASURES, sorted(wanted))}措施；已有措施：{had_zh}。",
        _cited(ctx, ctx.measures, *ctx.risks[risk]),
    )


def illness_without_health_measure(ctx: Context) -> Iterator[Finding]:
    yield from _risk_without_measure(
        ctx,
        FindingCode.DQ_ILLNESS_RISK_NO_HEALTH_MEASURE,
        RiskType.ILLNESS,
        HEALTH_OR_SAFETY_NET,
    )


def education_without_education_measure(ctx: Context) -> Iterator[Finding]:
    yield from _risk_without_measure(
        ctx,
        FindingCode.DQ_EDUCATION_RISK_NO_EDUCATION_MEASURE,
        RiskType.EDUCATION,
        frozenset({Measure.EDUCATION}),
    )


def labor_without_developmental_measure(ctx: Context) -> Iterator[Finding]:
    if ctx.status != Status.MONITORED or not ctx.working or ctx.measures_in(DEVELOPMENTAL):
        return
    workers = [str(m.get("member_id")) for m in ctx.working]
    since, since_zh = _since(ctx)
    had, had_zh = _had(ctx.measures)
    yield finding(
        FindingCode.DQ_LABOR_NO_DEVELOPMENTAL_MEASURE,
        f"Monitored, with members of full or partial labour ({listed(workers)}), but no "
        f"measure {since} is in {listed(sorted(DEVELOPMENTAL))}; the measures: {had}.",
        f"监测户有劳动力成员（{'、'.join(workers)}），但{since_zh}无产业、就业、公益性岗位"
        f"或小额信贷等开发式帮扶措施；已有措施：{had_zh}。",
        _cited(ctx, ctx.measures, *(e for w in workers for e in ctx.recorded_by(w, "labor"))),
    )


def token_measures_only(ctx: Context) -> Iterator[Finding]:
    if ctx.status not in (Status.MONITORED, Status.RISK_ELIMINATED) or not ctx.measures:
        return
    if any(m.category not in TOKEN for m in ctx.measures):
        return
    since, since_zh = _since(ctx)
    had, had_zh = _had(ctx.measures)
    status_zh = label(labels.STATUSES, ctx.status)
    yield finding(
        FindingCode.DQ_TOKEN_MEASURES_ONLY,
        f"The household is '{ctx.status}' and every measure {since} is 'other' or "
        f"'skills_training': {had}.",
        f"该户状态为{status_zh}，{since_zh}的措施仅有其他或技能培训：{had_zh}。",
        _cited(ctx, ctx.measures),
    )


def measure_without_worker(ctx: Context) -> Iterator[Finding]:
    employment = ctx.measures_in(EMPLOYMENT)
    if not employment or ctx.working:
        return
    since, since_zh = _since(ctx)
    had, had_zh = _had(employment)
    yield finding(
        FindingCode.DQ_MEASURE_NO_WORKER,
        f"Measures {since} include {had}, but no present member has full or partial labour.",
        f"{since_zh}有{had_zh}措施，但现有成员中无有劳动能力或部分丧失劳动能力者。",
        _cited(ctx, employment),
    )
