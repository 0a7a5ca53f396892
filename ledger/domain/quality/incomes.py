"""The findings on a household's surveyed incomes (CONTRACT §7.5): a wage per working
member per month out of bounds, and a per-capita income that jumps."""

from calendar import monthrange
from collections.abc import Iterator, Mapping
from datetime import MAXYEAR, date
from itertools import pairwise

from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import Context, amount
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import cite, cite_zh, finding, yuan, zh_date
from ledger.domain.record import by_time, day


def wage_implausible(ctx: Context) -> Iterator[Finding]:
    survey = ctx.survey or {}
    income = survey.get("income")
    wage = amount(income.get("wage")) if isinstance(income, Mapping) else None
    workers = len(ctx.working)
    if wage is None or workers == 0:
        return  # no wage to divide, or no one to divide it by
    most, least = ctx.thresholds.wage_month_max, ctx.thresholds.wage_month_min
    monthly = wage / 12 / workers
    if monthly > most.value:
        bound, bound_zh, threshold = "above", "高于", most
    elif 0 < monthly < least.value:
        bound, bound_zh, threshold = "below", "低于", least
    else:
        return
    on = ctx.survey_day or date.min
    yield finding(
        FindingCode.DQ_WAGE_IMPLAUSIBLE,
        f"The latest survey, FieldSurveyConducted {survey.get('event_id')} ({on}), records "
        f"{yuan(wage)} yuan of wage income: {yuan(wage)} / 12 / {workers} working member(s) = "
        f"{yuan(monthly)} yuan per working member per month, {bound} {yuan(threshold.value)} "
        f"({threshold.source}).",
        f"最近一次入户核查（{zh_date(on)}）工资性收入{yuan(wage)}元，按{workers}名劳动力"
        f"计人均月工资性收入{yuan(monthly)}元，{bound_zh}{yuan(threshold.value)}元。",
        [
            *ctx.survey_events,
            *(e for m in ctx.working for e in ctx.recorded_by(str(m.get("member_id")), "labor")),
        ],
    )


def months_after(on: date, months: int) -> date | None:
    """The same day ``months`` later (the month's last day when it has no such day);
    None beyond the calendar."""
    index = on.year * 12 + on.month - 1 + months
    year, month = divmod(index, 12)
    if year > MAXYEAR:
        return None
    return date(year, month + 1, min(on.day, monthrange(year, month + 1)[1]))


def income_jump(ctx: Context) -> Iterator[Finding]:
    ratio, within = ctx.thresholds.income_jump_ratio, ctx.thresholds.income_jump_months
    surveys = sorted(ctx.record.of_type("FieldSurveyConducted"), key=by_time)
    for previous, current in pairwise(surveys):
        before = amount(previous.data.get("per_capita_net_income"))
        after = amount(current.data.get("per_capita_net_income"))
        if before is None or after is None or before <= 0 or after <= ratio.value * before:
            continue  # a jump is only measured from a positive income
        limit = months_after(day(previous), within.value)
        if limit is not None and day(current) > limit:
            continue
        times = yuan(after / before, "0.1")
        yield finding(
            FindingCode.DQ_INCOME_JUMP,
            f"Per-capita net income rose from {yuan(before)} yuan ({cite(previous)}) to "
            f"{yuan(after)} yuan ({cite(current)}), {times} times the previous survey's "
            f"(more than {ratio.value}× within {within.value} months; {ratio.source}).",
            f"家庭人均纯收入由{yuan(before)}元（{cite_zh(previous)}）增至{yuan(after)}元"
            f"（{cite_zh(current)}），为上次调查的{times}倍，{within.value}个月内超过"
            f"{ratio.value}倍。",
            [str(previous.id), str(current.id)],
        )
