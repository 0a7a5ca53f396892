"""The .xlsx and .csv exports of api/exports.py never fail on what the read models hold."""

import io

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from api.exports import LOOKBACK_COLUMNS, table


def exported(detail: str, fmt: str) -> bytes:
    row = {
        "household_id": "hh-1",
        "village_code": "530925101201",
        "status": "monitored",
        "code": "LB_MEMBER_CHANGE",
        "action": "MemberRemoved or a correction",
        "detail": "DepartmentVerified …",
        "detail_zh": detail,  # the look-back export's 依据 is the Chinese detail
    }
    response = table([row], LOOKBACK_COLUMNS, fmt, "lookback")
    assert response.status_code == 200
    return bytes(response.body)


def test_a_stored_control_character_is_written_visibly_in_an_xlsx_export() -> None:
    # Stored before input was bounded (CONTRACT §7.1): openpyxl refuses it as it is.
    body = exported("Member m1\x00\x1b removed", "xlsx")
    sheet = load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]][-1] == "Member m1\\u0000\\u001b removed"


def test_line_feeds_and_tabs_are_kept_in_an_xlsx_export() -> None:
    sheet = load_workbook(io.BytesIO(exported("第一行\n\t第二行", "xlsx"))).active
    assert sheet is not None
    assert [cell.value for cell in sheet[2]][-1] == "第一行\n\t第二行"


@given(st.text(max_size=50))
def test_any_stored_text_exports_as_xlsx_and_csv(detail: str) -> None:
    load_workbook(io.BytesIO(exported(detail, "xlsx")))
    assert exported(detail, "csv").startswith("\ufeff".encode())
