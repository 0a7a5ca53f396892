"""The public notice (公示): its length and channels, and the objections (异议) it drew."""

from collections.abc import Iterator
from datetime import date

from ledger.domain.completeness.judging import Judging, Rule, ref
from ledger.domain.events import HouseholdEvent
from ledger.domain.gaps import Gap, GapCode
from ledger.domain.procedure import Step
from ledger.domain.record import day
from ledger.domain.wording import date_zh, event_zh, labelled_zh


def _notice(j: Judging) -> Iterator[Gap]:
    notice = j.events.judged(Step.NOTICE)
    if notice is None:
        return
    start, end = notice.data.get("start_date"), notice.data.get("end_date")
    if isinstance(start, date) and isinstance(end, date):
        yield from _notice_length(j, notice, start, end)
    channels = set(notice.data.get("channels") or ())
    required = j.config.notice_channels
    if required is None:
        return
    for alternatives in required.value:
        if channels.isdisjoint(alternatives):
            yield Gap(
                GapCode.NOTICE_CHANNEL_MISSING,
                Step.NOTICE,
                f"{ref(notice)} was posted on {sorted(channels) or 'no channel'}, not "
                f"on {' or '.join(alternatives)}; configured: {required.source}.",
                f"{event_zh(notice)}的公示渠道为"
                f"{labelled_zh('notice_channel', sorted(channels)) or '（未填写）'}，"
                f"未在{labelled_zh('notice_channel', alternatives, '或')}公示"
                f"（配置依据：{required.source}）。",
            )


def _notice_length(j: Judging, notice: HouseholdEvent, start: date, end: date) -> Iterator[Gap]:
    length, basis = j.config.notice_length, j.config.notice_day_basis
    if length is None or basis is None:
        yield Gap(
            GapCode.NOTICE_LENGTH_NOT_CONFIGURED,
            Step.NOTICE,
            f"No notice length is configured for division '{j.config.division}' "
            f"({j.config.version}); the length of {ref(notice)} was not judged.",
            f"地区“{j.config.division}”（规则配置 {j.config.version}）未配置公示时长，"
            f"未判断{event_zh(notice)}的公示时长。",
        )
        return
    if basis.value == "calendar":
        counted: int | None = (end - start).days + 1
    else:
        counted = j.calendar.working_days_between(start, end)
    if counted is None:
        yield Gap(
            GapCode.CALENDAR_UNKNOWN,
            Step.NOTICE,
            f"{ref(notice)} ran from {start} to {end}, but the official working-day "
            "calendar (State Council holiday arrangements) is not known for those "
            "dates; the notice length was not judged.",
            f"{event_zh(notice)}自{date_zh(start)}至{date_zh(end)}，但这些日期的国家工作日历"
            "（国务院节假日安排）尚未知道，未判断公示时长。",
        )
    elif counted < length.value:
        unit = "working days" if basis.value == "working" else "calendar days"
        yield Gap(
            GapCode.NOTICE_TOO_SHORT,
            Step.NOTICE,
            f"{ref(notice)} ran from {start} to {end}: {counted} {unit}, counting both "
            f"ends{' on the State Council calendar' if basis.value == 'working' else ''}"
            f", fewer than the {length.value} configured ({length.source}).",
            f"{event_zh(notice)}自{date_zh(start)}至{date_zh(end)}，首尾两天都计入共"
            f"{counted}个{'工作日（按国务院节假日安排）' if basis.value == 'working' else '自然日'}"
            f"，少于配置的{length.value}个（配置依据：{length.source}）。",
        )


def _objections(j: Judging) -> Iterator[Gap]:
    review = j.events.judged(Step.TOWNSHIP_REVIEW)
    for objection in j.events.steps[Step.OBJECTION].events:
        answer = j.record.resolution(objection)
        if answer is None:
            yield Gap(
                GapCode.OBJECTION_UNRESOLVED,
                Step.OBJECTION,
                f"{ref(objection)} is still open: no ObjectionResolved answers it "
                "(002 §三(四) 无异议后报乡（镇）审核).",
                f"{event_zh(objection)}仍未处理：没有异议处理记录答复它"
                "（002 §三(四) 无异议后报乡（镇）审核）。",
            )
            continue
        if review is not None and day(objection) <= day(review) < day(answer):
            yield Gap(
                GapCode.OBJECTION_UNRESOLVED,
                Step.OBJECTION,
                f"{ref(objection)} was still open when {ref(review)} reviewed it: it "
                f"was answered only by {ref(answer)} (002 §三(四) 无异议后报乡（镇）"
                "审核).",
                f"{event_zh(review)}审核时，{event_zh(objection)}仍未处理，直到"
                f"{event_zh(answer)}才答复（002 §三(四) 无异议后报乡（镇）审核）。",
            )
        if answer.data.get("outcome") == "upheld":
            yield Gap(
                GapCode.OBJECTION_UPHELD,
                Step.OBJECTION,
                f"{ref(objection)} was upheld by {ref(answer)}, yet {j.closing()} was made.",
                f"{event_zh(objection)}经{event_zh(answer)}认定异议成立，但仍作了"
                f"{j.closing_zh()}。",
            )


RULES: tuple[Rule, ...] = (_notice, _objections)
