"""The findings on who a household's members are (CONTRACT §7.5): ID numbers against
birth dates and sexes, and the head. Personal values are read through the openings (None
when erased: the rule judges nothing of that member) and never written into a detail."""

from collections.abc import Iterator

from ledger.domain import labels
from ledger.domain.quality.ages import birth_date, id_segments
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import Context, Record
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import finding, label, listed
from ledger.domain.vocabulary import Relation

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
