"""``LedgerTranscoder`` decodes exactly what the library's stock ``JSONTranscoder``
decodes, from any bytes, and encodes the very same bytes."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.domain.household import Household
from ledger.persistence.transcoding import LedgerTranscoder, register_ledger_transcodings
from tests.unit.test_rules_never_crash import histories


def transcoder(kind: type[JSONTranscoder]) -> JSONTranscoder:
    made = kind()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO()):  # as Application does
        made.register(transcoding)
    register_ledger_transcodings(made)
    return made


STOCK, FAST = transcoder(JSONTranscoder), transcoder(LedgerTranscoder)


def outcome(decoder: JSONTranscoder, data: bytes) -> tuple[str, str]:
    """What decoding gives: the value's repr (types, digits and key order included), or
    the exception's type."""
    try:
        return "value", repr(decoder.decode(data))
    except Exception as error:  # the same refusal is part of the same behaviour
        return "error", type(error).__name__


offsets = st.sampled_from(
    [None, UTC, timezone(timedelta(hours=8)), timezone(-timedelta(hours=3, minutes=30))]
)
leaves = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(-(2**70), 2**70)
    | st.floats()
    | st.floats(min_value=9e18, max_value=1e20)
    | st.text()
    | st.uuids()
    | st.decimals()
    | st.dates()
    | st.builds(lambda moment, tz: moment.replace(tzinfo=tz), st.datetimes(), offsets)
)
# Keys that make objects look like transcoded values, known names or not.
keys = st.sampled_from(["_type_", "_data_", "uuid_hex", "date_iso"]) | st.text(max_size=8)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
    max_leaves=30,
)
markers = st.fixed_dictionaries(
    {
        "_type_": st.sampled_from(
            ["uuid_hex", "decimal_str", "datetime_iso", "date_iso", "unknown"]
        ),
        "_data_": values,
    }
)


@settings(max_examples=1500)
@given(values | st.lists(markers, max_size=3))
def test_anything_the_stock_transcoder_encodes_decodes_the_same(value: Any) -> None:
    try:
        data = STOCK.encode(value)
    except Exception:  # e.g. a marker-shaped dict naming no transcoding, encoded as given
        return
    assert FAST.encode(value) == data
    assert outcome(FAST, data) == outcome(STOCK, data)


json_texts = st.recursive(
    st.sampled_from(
        [
            "null",
            "true",
            "1",
            "-0",
            "1.5e3",
            "NaN",
            "-Infinity",
            "1e400",
            "18446744073709551616",
            "-9223372036854775809",
            "9223372036854775807",
            "9.3e18",
            '"\\ud800"',
            '"é"',
            '{"_type_":"uuid_hex","_data_":"00"}',
            '{"_type_":"date_iso","_data_":"2021-10-01"}',
        ]
    ),
    lambda inner: (
        st.lists(inner, max_size=3).map(lambda items: f"[{','.join(items)}]")
        # Unique keys: with duplicates, the stock decoder also revives the value it discards.
        | st.dictionaries(st.sampled_from(['"a"', '"_type_"', '"_data_"']), inner, max_size=3).map(
            lambda members: "{" + ",".join(f"{k}:{v}" for k, v in members.items()) + "}"
        )
    ),
    max_leaves=12,
)


@settings(max_examples=1000)
@given(json_texts.map(str.encode) | st.binary(max_size=40))
def test_any_bytes_decode_the_same_or_fail_the_same(data: bytes) -> None:
    assert outcome(FAST, data) == outcome(STOCK, data)


def test_deep_nesting_and_integers_beyond_64_bits_decode_as_the_stock_transcoder_does() -> None:
    for text in (
        "[" * 3000 + "]" * 3000,
        '{"wage": 18446744073709551616}',
        '{"a": [-9223372036854775809, 1e19]}',
        '{"x": NaN}',
    ):
        assert outcome(FAST, text.encode()) == outcome(STOCK, text.encode())
    assert FAST.decode(b'{"n": 18446744073709551616}') == {"n": 18446744073709551616}


@settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(history=histories())
def test_stored_events_of_every_type_decode_to_equal_events(
    history: tuple[Household, list[Any]],
) -> None:
    _, events = history
    stock, fast = Mapper[UUID](STOCK), Mapper[UUID](FAST)
    for event in events:
        stored = stock.to_stored_event(event)
        assert fast.to_stored_event(event) == stored
        decoded = fast.to_domain_event(stored)
        assert repr(vars(decoded)) == repr(vars(stock.to_domain_event(stored)))
        assert decoded == event


@pytest.mark.parametrize(
    "value",
    [Decimal("6000.10"), date(2021, 9, 30), UUID(int=7), datetime(2021, 10, 22, 9, 30, tzinfo=UTC)],
)
def test_each_transcoded_type_comes_back_with_its_type_and_digits(value: Any) -> None:
    decoded = FAST.decode(FAST.encode({"v": value}))["v"]
    assert type(decoded) is type(value)
    assert repr(decoded) == repr(value)
