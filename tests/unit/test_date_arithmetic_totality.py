"""The domain's date arithmetic is total over every date an append may carry (CONTRACT
§7.1): completeness, look-back candidates at any reference date in range, their windows
and the read-model rows never raise on a history whose dates span the whole allowed range —
``occurred_at`` from the earliest date to the clock skew past now, dates in ``data`` from
1900 to a year from now. (One event dated year 1 or 9999 once overflowed the look-back's
"12 months before" and "+ follow-up days" and stopped the read side for every household.)
"""

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.config import load_default
from ledger.domain.bounds import DATA_EARLIEST, InputBounds, check_bounds, one_year_after
from ledger.domain.commands import AppendBatch
from ledger.domain.completeness import assess
from ledger.domain.errors import LedgerError
from ledger.domain.events import HouseholdEvent
from ledger.domain.household import Household, apply_all
from ledger.domain.lookback import candidate_windows, candidates
from ledger.domain.rules import Recording, decide
from projections.rows import rows_for
from tests import strategies as s
from tests.unit.test_rules_never_crash import TYPES

HOUSEHOLD_ID = "hh-total"
ORIGIN = UUID(int=13)
BOUNDS = InputBounds()
CONFIGURATION = load_default()
PAIRS = (("start", "end"), ("start_date", "end_date"))
SINGLE_DATES = ("delivered_on", "since", "start_date")


@st.composite
def moments(draw: Any, earliest: date, latest: datetime) -> str:
    """An ``occurred_at`` whose local date is on or after ``earliest`` and whose instant is
    at most ``latest``, in any real offset; the bounds themselves drawn often."""
    offset = timezone(timedelta(minutes=draw(st.integers(-12 * 60, 14 * 60))))
    low = datetime.combine(earliest, time())
    high = latest.astimezone(offset).replace(tzinfo=None)
    local: datetime = draw(st.one_of(st.just(low), st.just(high), st.datetimes(low, high)))
    return local.replace(tzinfo=offset).isoformat()


@st.composite
def rebound(draw: Any, event: dict[str, Any], now: datetime) -> dict[str, Any]:
    """``event`` with its dates redrawn anywhere the bounds allow at ``now``."""
    occurred_at = draw(moments(BOUNDS.earliest, now + timedelta(seconds=BOUNDS.clock_skew_s)))
    data_latest = one_year_after(now.date())
    anywhere = st.one_of(
        st.just(DATA_EARLIEST), st.just(data_latest), st.dates(DATA_EARLIEST, data_latest)
    )

    def redrawn(value: Any) -> Any:
        if isinstance(value, list):
            return [redrawn(item) for item in value]
        if not isinstance(value, dict):
            return value
        value = {key: redrawn(item) for key, item in value.items()}
        for first, second in PAIRS:
            if first in value and second in value:
                value[first], value[second] = sorted(
                    (draw(anywhere).isoformat(), draw(anywhere).isoformat())
                )
            elif first in value and value[first] is not None and first in SINGLE_DATES:
                value[first] = draw(anywhere).isoformat()
        for key in ("delivered_on", "since"):
            if value.get(key) is not None:
                value[key] = draw(anywhere).isoformat()
        if "birth_date" in value:
            born_by = min(datetime.fromisoformat(occurred_at).date(), data_latest)
            value["birth_date"] = draw(
                st.one_of(st.just(DATA_EARLIEST), st.dates(DATA_EARLIEST, born_by))
            ).isoformat()
        return value

    return {**event, "occurred_at": occurred_at, "data": redrawn(event["data"])}


def record(
    household: Household, event: dict[str, Any], now: datetime
) -> tuple[Household, list[HouseholdEvent]]:
    commands = AppendBatch.model_validate({"events": [event]}).events
    check_bounds(commands, BOUNDS, now)  # the history holds only what an append accepts
    ids = iter(UUID(int=household.version + 1 + n) for n in range(len(commands)))
    events = decide(
        household,
        commands,
        Recording(now, {"role": "recorder"}),
        originator_id=ORIGIN,
        new_id=lambda: next(ids),
    )
    return apply_all(household, events), events


@st.composite
def bounded_histories(draw: Any) -> tuple[datetime, list[HouseholdEvent]]:
    """A moment ``now`` (this decade to the end of the century) and a history accepted up
    to it, its dates anywhere in the bounds."""
    now = draw(
        st.datetimes(datetime(2020, 1, 1), datetime(2100, 12, 31), timezones=st.just(UTC)),
        label="now",
    )
    household, events = record(
        Household(HOUSEHOLD_ID), draw(rebound(draw(s.registrations("530925")), now)), now
    )
    for _ in range(draw(st.integers(0, 30), label="length")):
        context = s.Context.of(household)
        type_ = draw(st.sampled_from([t for t in TYPES if context.available(t)]), label="type")
        event = draw(rebound(draw(context.event(type_), label=type_), now))
        try:
            household, recorded = record(household, event, now)
        except LedgerError:  # the rare generated event the rules still refuse: skip it
            continue
        events += recorded
    return now, events


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=bounded_histories(), data=st.data())
def test_completeness_lookback_and_rows_are_total_over_every_accepted_date(
    history: tuple[datetime, list[HouseholdEvent]], data: st.DataObject
) -> None:
    now, events = history
    rows = rows_for(HOUSEHOLD_ID, events, CONFIGURATION)
    assert rows is not None
    config = CONFIGURATION.for_division(rows.household["village_code"])
    assess(HOUSEHOLD_ID, events, config)
    candidate_windows(HOUSEHOLD_ID, events, config)
    reference = data.draw(
        st.one_of(
            st.just(DATA_EARLIEST),
            st.just(one_year_after(now.date())),
            st.dates(DATA_EARLIEST, one_year_after(now.date())),
        ),
        label="reference",
    )
    candidates(HOUSEHOLD_ID, events, config, reference)
