"""The findings on the delivery of a household's measures (落实, CONTRACT §7.5): an
employment measure delivered with no wage at the next survey, and a measure planned long
ago and never delivered (a deadline: the finding holds from the day after it)."""

from collections.abc import Iterator, Mapping
from datetime import date, timedelta

from ledger.domain import labels
from ledger.domain.events import HouseholdEvent
from ledger.domain.quality.codes import FindingCode
from ledger.domain.quality.context import Context, amount
from ledger.domain.quality.measures import EMPLOYMENT
from ledger.domain.quality.model import Finding
from ledger.domain.quality.wording import cite, cite_zh, finding, label, zh_date
from ledger.domain.record import day


def _delivered_on(event: HouseholdEvent) -> date:
    on = event.data.get("delivered_on")
    return on if isinstance(on, date) else day(event)


def employment_without_wage(ctx: Context) -> Iterator[Finding]:
    ids = {m.measure_id for m in ctx.measures_in(EMPLOYMENT) if m.measure_id is not None}
    survey, surveyed = ctx.survey or {}, ctx.survey_day
    income = survey.get("income")
    wage = amount(income.get("wage")) if isinstance(income, Mapping) else None
    if not ids or surveyed is None or wage is None or wage != 0:
        return
    deliveries = [
        e
        for e in ctx.record.of_type("AssistanceDelivered")
        if str(e.data.get("measure_id")) in ids and _delivered_on(e) < surveyed
    ]
    if not deliveries:
        return
    first = min(deliveries, key=_delivered_on)
    yield finding(
        FindingCode.DQ_EMPLOYMENT_NO_WAGE,
        f"An employment or public-welfare-post measure was delivered on {_delivered_on(first)} "
        f"({cite(first)}), and the latest survey after it, FieldSurveyConducted "
        f"{survey.get('event_id')} ({surveyed}), records zero wage income.",
        f"就业帮扶或公益性岗位措施已于{zh_date(_delivered_on(first))}落实（见{cite_zh(first)}记录），"
        f"但其后最近一次入户核查（{zh_date(surveyed)}）工资性收入为0。",
        [*ctx.survey_events, *(str(e.id) for e in deliveries)],
    )


def not_delivered(ctx: Context) -> Iterator[Finding]:
    days = ctx.thresholds.measure_not_delivered_days
    latest = {m.measure_id: m for m in ctx.measures if m.measure_id is not None}
    for measure_id, measure in latest.items():
        held = ctx.state.measures.get(measure_id)
        if held is None or held.get("ended") or held.get("deliveries"):
            continue
        planned = day(measure.event)
        try:
            holds_from = planned + timedelta(days=days.value + 1)
        except OverflowError:  # past the calendar's end: it never holds
            continue
        category = measure.category
        yield finding(
            FindingCode.DQ_MEASURE_NOT_DELIVERED,
            f"Measure {measure_id} ('{category}'), planned on {planned} ({cite(measure.event)}), "
            f"is not ended and was never delivered, more than {days.value} days after it was "
            f"planned ({days.source}).",
            f"帮扶措施 {measure_id}（{label(labels.MEASURES, category)}）于{zh_date(planned)}制定"
            f"（见{cite_zh(measure.event)}记录），超过{days.value}天仍未落实，也未结束。",
            [str(measure.event.id)],
            active_from=holds_from,
        )
