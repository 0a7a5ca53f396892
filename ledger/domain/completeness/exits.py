"""Leaving monitoring: the risk elimination (风险消除) and the exit (清退 or 风险标注回退)."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.gaps import Gap, GapCode
from ledger.domain.labels import label
from ledger.domain.procedure import EpisodeKind, Step
from ledger.domain.record import day
from ledger.domain.wording import date_zh, event_zh, marking_zh


def _elimination(j: Judging) -> Iterator[Gap]:
    if j.kind != EpisodeKind.ELIMINATION:
        return
    yield from _quick_in_out(j)
    survey = j.record.latest_survey_before(j.marking)
    if survey is None:
        return
    end = (survey.data.get("period") or {}).get("end")
    income = survey.data.get("per_capita_net_income")
    if not isinstance(end, date) or not isinstance(income, Decimal | int):
        return
    floor = j.config.floor(end.year)
    if floor is None:
        yield Gap(
            GapCode.FLOOR_NOT_CONFIGURED,
            Step.FIELD_SURVEY,
            f"No monitoring floor is configured for {end.year} (the year the income "
            f"period of {ref(survey)} ends) in {j.config.version}; the income rule "
            "was not judged.",
            f"规则配置 {j.config.version} 未配置{end.year}年的监测底线（{event_zh(survey)}的"
            "收入计算期止于该年），未判断收入是否低于监测底线。",
        )
    elif income < floor:
        source = j.config.floors[end.year].source
        yield Gap(
            GapCode.INCOME_BELOW_FLOOR,
            Step.FIELD_SURVEY,
            f"The latest survey before the marking, {ref(survey)}, found a per-capita "
            f"net income of {income} yuan for the period ending {end}, below the "
            f"{end.year} floor of {floor} ({source}), yet {j.closing()} was made.",
            f"标注前最近一次调查即{event_zh(survey)}，测算收入计算期（止于{date_zh(end)}）"
            f"家庭人均纯收入{income}元，低于{end.year}年监测底线{floor}元（配置依据：{source}），"
            f"但仍作了{j.closing_zh()}。",
        )


def _quick_in_out(j: Judging) -> Iterator[Gap]:
    entries = [
        e
        for e in j.record.markings
        if e.version < j.marking.version and e.data.get("marking") in ("enrolled", "risk_remarked")
    ]
    if not entries:
        return
    entry = entries[-1]
    # Help given during the identification procedure itself counts, hence from the
    # marking before the enrolment.
    since = max(
        (
            m.version
            for m in j.record.markings
            if m.version < entry.version and m.data.get("marking") != "type_adjusted"
        ),
        default=0,
    )
    delivered = [
        e
        for e in j.record.of_type("AssistanceDelivered")
        if (e.remedies is None and since < e.version < j.marking.version)
        or e.remedies == j.marking.id
    ]
    if not delivered:
        yield Gap(
            GapCode.QUICK_IN_OUT,
            Step.ASSISTANCE,
            "No AssistanceDelivered was recorded from the start of the procedure that "
            f"led to the '{entry.data.get('marking')}' marking {entry.id} ({day(entry)}) "
            f"up to {j.closing()}: in and out with no help (即时进即时退, 000 §一(二)2 "
            "存在即时进既时退，没有任何帮扶措施的情况).",
            f"从作出{marking_zh(entry)}的程序开始至{j.closing_zh()}，没有任何“落实帮扶”"
            "记录：即时进即时退，没有帮扶（000 §一(二)2 存在即时进既时退，没有任何帮扶措施的"
            "情况）。",
        )


def _card_status(j: Judging) -> Iterator[Gap]:
    if j.kind != EpisodeKind.EXIT:
        return
    marking, filed = j.marking.data.get("marking"), j.record.filed_card
    if (marking == "withdrawn" and filed) or (
        marking == "risk_mark_rolled_back" and filed is False
    ):
        card = "a filed-card (建档立卡)" if filed else "a non-filed-card"
        right = "risk_mark_rolled_back" if filed else "withdrawn"
        yield Gap(
            GapCode.WRONG_EXIT_FOR_CARD_STATUS,
            Step.MARKING,
            f"{j.closing()} was made on {card} household; its exit is '{right}' "
            "(001 §二(一)4 非建档立卡监测对象进行清退，建档立卡监测对象进行风险标注回退).",
            f"对{'建档立卡' if filed else '非建档立卡'}户作了{j.closing_zh()}；其退出方式应为"
            f"“{label('marking', right)}”（001 §二(一)4 非建档立卡监测对象进行清退，"
            "建档立卡监测对象进行风险标注回退）。",
        )


RULES: tuple[Rule, ...] = (_elimination, _card_status)
