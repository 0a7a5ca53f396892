"""The findings on a household's members' labour against their age (CONTRACT §7.5). Age is
counted at the latest survey's date; without a survey, at the reference date, so the
finding carries the window of reference dates at which the member is of that age (the
window is stored, never shown: a detail names no birth date)."""

from collections.abc import Iterator
from datetime import date

from ledger.domain import labels
from ledger.domain.quality.ages import age_on, birth_date, turns
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import WORKING, Context
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import finding, label, zh_date
from ledger.domain.vocabulary import Category, Health, Labor


def _age_words(ctx: Context, age: int | None) -> tuple[str, str]:
    """How the age was counted: at the latest survey's date, or (no survey) at the
    reference date, as the finding's window says."""
    on = ctx.survey_day
    if age is None or on is None:
        return (
            "at the reference date, the household having no survey",
            "于参考日期（该户无入户核查记录）",
        )
    return (
        f"{age} at the date of the latest survey ({on})",
        f"于最近一次入户核查日期（{zh_date(on)}）为{age}岁",
    )


def age_labor(ctx: Context) -> Iterator[Finding]:
    elderly, young = ctx.thresholds.elderly_age, ctx.thresholds.working_age
    for member in ctx.present:
        labor = member.get("labor")
        born = birth_date(ctx.opened(member, "birth_date"))
        if labor not in WORKING or born is None:
            continue
        member_id = str(member.get("member_id"))
        events = [*ctx.recorded_by(member_id, "labor"), *ctx.survey_events]
        labor_zh = label(labels.LABOR, labor)
        on = ctx.survey_day
        age = age_on(born, on) if on is not None else None
        elderly_from = turns(born, elderly.value) if on is None else None
        if labor == Labor.FULL and (
            (age is not None and age >= elderly.value) or (age is None and elderly_from)
        ):
            words, words_zh = _age_words(ctx, age)
            yield finding(
                FindingCode.DQ_AGE_LABOR,
                f"Member {member_id} is aged {elderly.value} or more ({words}) with 'full' "
                f"labour ({elderly.source}).",
                f"成员 {member_id} {words_zh}，已满{elderly.value}周岁，劳动能力登记为{labor_zh}。",
                events,
                active_from=elderly_from,
            )
        if (age is not None and age < young.value) or age is None:
            words, words_zh = _age_words(ctx, age)
            yield finding(
                FindingCode.DQ_AGE_LABOR,
                f"Member {member_id} is aged under {young.value} ({words}) with '{labor}' "
                f"labour ({young.source}).",
                f"成员 {member_id} {words_zh}，未满{young.value}周岁，劳动能力登记为{labor_zh}。",
                events,
                active_until=turns(born, young.value) if age is None else None,
            )


def working_age_no_labor(ctx: Context) -> Iterator[Finding]:
    if ctx.state.category != Category.POVERTY_ALLEVIATED:
        return
    elderly, young = ctx.thresholds.elderly_age, ctx.thresholds.working_age
    registration = [str(e.id) for e in ctx.of_type("HouseholdRegistered")][:1]
    for member in ctx.present:
        born = birth_date(ctx.opened(member, "birth_date"))
        if (
            member.get("labor") != Labor.NONE
            or member.get("health") != Health.HEALTHY
            or member.get("in_school") is True
            or born is None
        ):
            continue
        on = ctx.survey_day
        window: tuple[date | None, date | None] = (None, None)
        age = age_on(born, on) if on is not None else None
        if age is not None and not young.value <= age < elderly.value:
            continue
        if age is None:
            window = (turns(born, young.value), turns(born, elderly.value))
            start, end = window
            if start is None or (end is not None and end <= start):
                continue
        member_id = str(member.get("member_id"))
        words, words_zh = _age_words(ctx, age)
        yield finding(
            FindingCode.DQ_WORKING_AGE_NO_LABOR,
            f"Member {member_id} of a poverty-alleviated household is aged {young.value} to "
            f"{elderly.value - 1} ({words}), 'healthy', not in school, with labour 'none'.",
            f"脱贫户成员 {member_id} {words_zh}，处于{young.value}至{elderly.value - 1}周岁"
            "劳动年龄内，身体健康、不在校，劳动能力登记为无劳动能力。",
            [
                *ctx.recorded_by(member_id, "labor", "health", "in_school"),
                *ctx.survey_events,
                *registration,
            ],
            *window,
        )
