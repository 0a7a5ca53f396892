"""The findings on a household's members (CONTRACT §7.5): ID numbers against birth dates
and sexes, the head, and labour against age. Personal values are read through the
openings (None when erased: the rule judges nothing of that member) and never written
into a detail."""

from collections.abc import Iterator
from datetime import date

from ledger.domain import labels
from ledger.domain.quality.ages import age_on, birth_date, id_segments, turns
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import WORKING, Context, Record
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import finding, label, listed, zh_date
from ledger.domain.vocabulary import Category, Health, Labor, Relation

SEX_WORD = {"M": "male", "F": "female"}


def id_mismatches(ctx: Context) -> Iterator[Finding]:
    for member in ctx.present:
        segments = id_segments(ctx.opened(member, "id_number"))
        if segments is None:
            continue
        member_id = str(member.get("member_id"))
        events = ctx.recorded_by(member_id)
        digits, place = ("7–12", "15th") if segments.old else ("7–14", "17th")
        kind, kind_zh = ("old 15-digit ", "15位旧") if segments.old else ("", "")
        born = birth_date(ctx.opened(member, "birth_date"))
        if born is not None and born != segments.born:
            yield finding(
                FindingCode.DQ_ID_BIRTH_MISMATCH,
                f"Member {member_id}: the birth date in characters {digits} of the {kind}ID "
                "number differs from the member's recorded birth_date.",
                f"成员 {member_id} 的{kind_zh}身份证号第{digits.replace('–', '至')}位出生日期"
                "与登记的出生日期不一致。",
                events,
            )
        sex = member.get("sex")
        if sex in SEX_WORD and sex != segments.sex:
            parity, parity_zh = ("odd", "奇数") if segments.sex == "M" else ("even", "偶数")
            yield finding(
                FindingCode.DQ_ID_SEX_MISMATCH,
                f"Member {member_id}: the {place} digit of the {kind}ID number is {parity} "
                f"({SEX_WORD[segments.sex]}), but the member's sex is '{sex}'.",
                f"成员 {member_id} 的{kind_zh}身份证号第{place[:-2]}位为{parity_zh}"
                f"（{label(labels.SEXES, segments.sex)}），登记性别为"
                f"{label(labels.SEXES, sex)}。",
                events,
            )


def _heads(ctx: Context) -> list[Record]:
    return [m for m in ctx.present if m.get("relation") == Relation.HEAD]


def head_count(ctx: Context) -> Iterator[Finding]:
    heads = _heads(ctx)
    if len(heads) == 1:
        return
    ids = [str(m.get("member_id")) for m in heads]
    events = [e for i in ids for e in ctx.recorded_by(i)]
    if not heads:  # the removals that left the household without one
        for member in ctx.state.members.values():
            if member.get("relation") == Relation.HEAD:
                events += ctx.removals(str(member.get("member_id")))
    events += [str(e.id) for e in ctx.of_type("HouseholdRegistered")][:1]
    who = f" ({listed(ids)})" if ids else ""
    yield finding(
        FindingCode.DQ_HEAD_COUNT,
        f"{len(heads)} present members have relation 'head'{who}; exactly one must.",
        f"现有成员中户主{len(heads)}人{('（' + '、'.join(ids) + '）') if ids else ''}，"
        "应有且仅有一名户主。",
        events,
    )


def head_spouse_same_sex(ctx: Context) -> Iterator[Finding]:
    heads = _heads(ctx)
    if len(heads) != 1 or heads[0].get("sex") not in SEX_WORD:
        return
    head = heads[0]
    head_id = str(head.get("member_id"))
    for spouse in ctx.present:
        if spouse.get("relation") != Relation.SPOUSE or spouse.get("sex") != head.get("sex"):
            continue
        spouse_id = str(spouse.get("member_id"))
        sex = str(head.get("sex"))
        yield finding(
            FindingCode.DQ_HEAD_SPOUSE_SAME_SEX,
            f"The head, member {head_id}, and the spouse, member {spouse_id}, are both of "
            f"sex '{sex}'.",
            f"户主（成员 {head_id}）与配偶（成员 {spouse_id}）性别相同，均为"
            f"{label(labels.SEXES, sex)}。",
            [*ctx.recorded_by(head_id), *ctx.recorded_by(spouse_id)],
        )


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
