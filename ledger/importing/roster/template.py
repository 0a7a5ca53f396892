"""``ledger template``: the blank roster workbook (农户名册模板) county staff fill in Excel.

Sheets 说明 (each column: field, type, whether required, allowed values), 农户, 家庭成员 and
收入调查 (Chinese headers in row 1, the contract's field names in row 2, data from row 3,
drop-down lists of the contract's values by their Chinese labels), 示例 (one household
filled in) and a hidden 选项 holding the lists. docs/roster-template.md says the same.
"""

from datetime import datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ledger.domain.idnumber import with_check_digit
from ledger.domain.labels import labels
from ledger.importing.roster import (
    FIRST_DATA_ROW,
    HOUSEHOLDS,
    MEMBERS,
    SHEETS,
    SURVEYS,
    Column,
    Sheet,
)

ROWS = 10_000
"""Rows below the headers given formats and drop-down lists."""
KINDS = {
    "text": "文本",
    "id_number": "文本（身份证号码）",
    "date": "日期",
    "datetime": "日期或日期时间",
    "yuan": "金额（元）",
    "integer": "整数",
    "flag": "是/否",
    "choice": "下拉选择",
    "choices": "多选（以、分隔）",
}
_TITLE = Font(bold=True)
_FIELD = Font(italic=True, color="808080")
_REQUIRED = PatternFill("solid", fgColor="FFE699")
_OPTIONAL = PatternFill("solid", fgColor="DDEBF7")
EXAMPLE: dict[str, list[dict[str, Any]]] = {
    HOUSEHOLDS.name: [
        {
            "household_id": "hh-0001",
            "data.village_code": "530925101201",
            "data.group": "大文一组",
            "data.category": "一般农户",
            "occurred_at": datetime(2021, 10, 20, 9, 0),
            "actor.id": "w-0042",
            "actor.name": "李四",
            "actor.role": "驻村工作队",
            "actor.org": "530925101201",
        }
    ],
    MEMBERS.name: [
        {
            "household_id": "hh-0001",
            "member_id": "m1",
            "name": "张三",
            "id_number": with_check_digit("53092519800101001"),
            "relation": "户主",
            "sex": "男",
            "birth_date": datetime(1980, 1, 1),
            "labor": "有劳动能力",
            "health": "健康",
        },
        {
            "household_id": "hh-0001",
            "member_id": "m2",
            "name": "王芳",
            "id_number": with_check_digit("53092519820305002"),
            "relation": "配偶",
            "sex": "女",
            "birth_date": datetime(1982, 3, 5),
            "labor": "有劳动能力",
            "health": "长期慢性病",
        },
        {
            "household_id": "hh-0001",
            "member_id": "m3",
            "name": "张小明",
            "id_number": None,
            "id_missing_reason": "新生儿，尚未办理",
            "relation": "子女",
            "sex": "男",
            "birth_date": datetime(2021, 6, 1),
            "labor": "不适用（未成年或在校）",
            "health": "健康",
        },
    ],
    SURVEYS.name: [
        {
            "household_id": "hh-0001",
            "occurred_at": datetime(2021, 10, 22, 9, 30),
            "actor.id": "w-0042",
            "actor.name": "李四",
            "actor.role": "驻村工作队",
            "actor.org": "530925101201",
            "data.purpose": "年度动态调整",
            "data.period.start": datetime(2020, 10, 1),
            "data.period.end": datetime(2021, 9, 30),
            "data.income.wage": 18000,
            "data.income.operating": 6000,
            "data.income.property": 0,
            "data.income.transfer": 1200,
            "data.income.operating_cost": 2000,
            "data.household_size": 3,
            "data.per_capita_net_income": 7733.33,
            "data.rigid_expenditure.medical": 1500,
            "data.rigid_expenditure.education": 0,
            "data.rigid_expenditure.other": 0,
            "data.guarantees.food_clothing": "有保障",
            "data.guarantees.education": "有保障",
            "data.guarantees.medical": "有保障",
            "data.guarantees.housing": "有保障",
            "data.guarantees.drinking_water": "有保障",
            "data.whole_household_lacks_labor": "否",
            "data.stable_income_from_work": "是",
            "data.risk_types": "因病",
        }
    ],
}
"""One household filled in, as it appears on the 示例 sheet (labels as the lists show)."""


def write_template(path: Path) -> None:
    workbook = Workbook()
    options = _options(workbook)
    _guide(workbook.worksheets[0])
    for sheet in SHEETS:
        _data_sheet(workbook.create_sheet(sheet.name), sheet, options)
    _example(workbook.create_sheet("示例"))
    workbook.move_sheet("选项", offset=len(workbook.sheetnames) - 2)  # last: it is hidden
    workbook.save(path)


def _options(workbook: Workbook) -> dict[str, str]:
    """The hidden 选项 sheet: each vocabulary's labels in a column; their ranges by name."""
    sheet = workbook.create_sheet("选项")
    sheet.sheet_state = "hidden"
    ranges: dict[str, str] = {}
    vocabularies = dict.fromkeys(
        c.vocabulary
        for s in SHEETS
        for c in s.columns
        if c.vocabulary is not None and c.kind == "choice"
    )
    for index, vocabulary in enumerate(vocabularies, start=1):
        letter = get_column_letter(index)
        sheet.cell(1, index, vocabulary)
        values = list(labels(vocabulary).values())
        for row, value in enumerate(values, start=2):
            sheet.cell(row, index, value)
        ranges[vocabulary] = (
            f"{quote_sheetname(sheet.title)}!${letter}$2:${letter}${len(values) + 1}"
        )
    return ranges


def _headers(sheet: Worksheet, spec: Sheet, top: int = 1) -> None:
    for index, column in enumerate(spec.columns, start=1):
        title = sheet.cell(top, index, column.title)
        title.font, title.fill = _TITLE, _REQUIRED if column.required else _OPTIONAL
        sheet.cell(top + 1, index, column.field).font = _FIELD
        sheet.column_dimensions[get_column_letter(index)].width = max(
            12, 2.2 * len(column.title), 1.1 * len(column.field)
        )


def _data_sheet(sheet: Worksheet, spec: Sheet, options: dict[str, str]) -> None:
    _headers(sheet, spec)
    sheet.freeze_panes = f"B{FIRST_DATA_ROW}"
    for index, column in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cells = f"{letter}{FIRST_DATA_ROW}:{letter}{FIRST_DATA_ROW + ROWS - 1}"
        sheet.column_dimensions[letter].number_format = _number_format(column)
        validation = _validation(column, options)
        if validation is not None:
            validation.error = f"{column.title}（{column.field}）：{column.note or '见说明'}"
            validation.errorTitle = "不符合要求"
            validation.add(cells)
            sheet.add_data_validation(validation)


def _number_format(column: Column) -> str:
    return {
        "text": "@",
        "id_number": "@",
        "date": "yyyy-mm-dd",
        "datetime": "yyyy-mm-dd hh:mm",
        "yuan": "0.00",
        "integer": "0",
    }.get(column.kind, "General")


def _validation(column: Column, options: dict[str, str]) -> DataValidation | None:
    if column.kind == "choice" and column.vocabulary:
        return DataValidation(type="list", formula1=options[column.vocabulary], allow_blank=True)
    if column.kind == "flag":
        return DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    if column.kind == "integer":
        low, high = (1, 4) if column.field == "disability_grade" else (1, 100)
        return DataValidation(
            type="whole",
            operator="between",
            formula1=str(low),
            formula2=str(high),
            allow_blank=True,
        )
    if column.kind == "yuan" and column.field != "per_capita_net_income":
        return DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True
        )
    return None


def _guide(sheet: Worksheet) -> None:
    sheet.title = "说明"
    lines = [
        "农户名册模板（防止返贫动态监测 · 审计台账）",
        "填写 农户、家庭成员、收入调查 三张表，以“户编号”关联；第 1 行为中文列名，第 2 行为"
        "接口字段名（请勿修改），数据从第 3 行起。黄色列必填，蓝色列选填。",
        "下拉列表的值为中文名称（亦可填英文代码）；身份证号码须为文本（不要让 Excel 转为数字）；"
        "日期写作 2021-10-20。",
        "导入：ledger import 本文件.xlsx --operator 录入人 [--division 区划代码] "
        "[--utc-offset +08:00]。一户的任一行有错，该户全部不导入；每个错误按“表!row 行号 "
        "(字段)”列出。重复导入同一文件不会重复记录。",
        "示例 表是一户填好的样子，不会被导入。",
    ]
    for row, text in enumerate(lines, start=1):
        sheet.cell(row, 1, text).font = _TITLE if row == 1 else Font()
    top = len(lines) + 2
    header = ("工作表", "列名", "字段", "类型", "必填", "可选值", "说明")
    for index, title in enumerate(header, start=1):
        sheet.cell(top, index, title).font = _TITLE
    row = top + 1
    for spec in SHEETS:
        for column in spec.columns:
            allowed = (
                "、".join(f"{label}（{code}）" for code, label in labels(column.vocabulary).items())
                if column.vocabulary
                else ""
            )
            values = (
                spec.name,
                column.title,
                column.field,
                KINDS[column.kind],
                "是" if column.required else "否",
                allowed,
                column.note,
            )
            for index, value in enumerate(values, start=1):
                cell = sheet.cell(row, index, value)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            row += 1
    for letter, width in zip("ABCDEFG", (10, 18, 30, 16, 6, 60, 60), strict=True):
        sheet.column_dimensions[letter].width = width


def _example(sheet: Worksheet) -> None:
    sheet.cell(1, 1, "示例：一户填好的样子（本表不导入）").font = _TITLE
    top = 3
    for spec in SHEETS:
        sheet.cell(top, 1, spec.name).font = _TITLE
        _headers(sheet, spec, top + 1)
        for offset, example in enumerate(EXAMPLE[spec.name], start=top + 3):
            for index, column in enumerate(spec.columns, start=1):
                cell = sheet.cell(offset, index, example.get(column.path))
                cell.number_format = _number_format(column)
        top += len(EXAMPLE[spec.name]) + 5
