"""The findings' and signals' spreadsheets (one row per finding, per signal), the summary's
quality rows, and the signal list's cursor: any key round-trips, nothing else is taken."""

import csv
import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.exports import quality_table, signals_table, summary_rows
from ledger.domain.errors import ValidationFailed
from ledger.domain.labels import label
from queries.quality import signal_after, signal_cursor

FINDING = {
    "code": "DQ_DUPLICATE_PERSON",
    "detail": "member m1's ID number is a present member of hh-2",
    "detail_zh": "成员 m1 的身份证号同时是 hh-2 的在册成员",
    "rule": "dedup",
    "events": ["e-1", "e-2"],
}
SIGNAL = {
    "code": "AF_MATERIAL_REUSED",
    "division": "530925",
    "detail": "one survey form cited by 2 households",
    "detail_zh": "同一份采集表被2户引用",
    "households": [
        {"household_id": "hh-1", "village_code": "530925101201"},
        {"household_id": "hh-2", "village_code": "530925102201"},
    ],
    "events": ["e-1", "e-9"],
}


def rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_each_finding_is_a_row_with_its_household_label_rule_and_events() -> None:
    item = {
        "household_id": "hh-1",
        "village_code": "530925101201",
        "status": "monitored",
        "findings": [FINDING, {**FINDING, "code": "DQ_HEAD_COUNT", "rule": "3_11_001/002"}],
    }
    header, first, second = rows(bytes(quality_table([item], "csv").body))
    assert header[3:] == ["问题代码", "问题", "国家规则编号", "说明", "涉及事件"]
    assert first == [
        "hh-1",
        "530925101201",
        label("status", "monitored"),
        "DQ_DUPLICATE_PERSON",
        label("finding_code", "DQ_DUPLICATE_PERSON"),
        "dedup",
        FINDING["detail_zh"],
        "e-1、e-2",
    ]
    assert second[3:6] == ["DQ_HEAD_COUNT", label("finding_code", "DQ_HEAD_COUNT"), "3_11_001/002"]


def test_each_signal_is_a_row_listing_its_households_and_events() -> None:
    header, row = rows(bytes(signals_table([SIGNAL], "csv").body))
    assert header == ["信号代码", "信号", "区划", "说明", "涉及农户", "涉及事件"]
    assert row == [
        "AF_MATERIAL_REUSED",
        label("signal_code", "AF_MATERIAL_REUSED"),
        "530925",
        SIGNAL["detail_zh"],
        "hh-1、hh-2",
        "e-1、e-9",
    ]


def test_the_summary_rows_carry_the_quality_and_signal_counts_labelled() -> None:
    report: dict[str, Any] = {
        "households": 3,
        "status_by_type": {},
        "episodes": {},
        "completeness_rate": {},
        "gap_counts": [],
        "quality_counts": [{"code": "DQ_DUPLICATE_PERSON", "findings": 4, "households": 2}],
        "signal_counts": [{"code": "AF_IDENTICAL_TEXT", "signals": 1, "households": 5}],
    }
    _, finding, signal = summary_rows(report)
    assert finding == {
        "section": "数据质量问题",
        "item": label("finding_code", "DQ_DUPLICATE_PERSON"),
        "code": "DQ_DUPLICATE_PERSON",
        "detail": "dedup",
        "value": 4,
        "households": 2,
    }
    assert (signal["section"], signal["item"], signal["value"], signal["households"]) == (
        "形式主义信号",
        label("signal_code", "AF_IDENTICAL_TEXT"),
        1,
        5,
    )


@given(
    st.sampled_from(["AF_MATERIAL_REUSED", "AF_BATCH_ELIMINATION"]),
    st.text(min_size=1).filter(str.isprintable),
)
def test_a_signal_cursor_gives_back_the_code_and_key_it_was_issued_for(code: str, key: str) -> None:
    assert signal_after(signal_cursor(code, key)) == f"{code}/{key}"


@pytest.mark.parametrize("cursor", ["bm8gc2xhc2g=", "%%%", signal_cursor("AF\x00", "x")])
def test_a_cursor_never_issued_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationFailed):
        signal_after(cursor)
