"""County staff work in Excel (到户到人问题清单): lists as CSV or XLSX, Chinese headers."""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from starlette.responses import Response

from ledger.domain.labels import Vocabulary, label
from ledger.domain.quality.codes import FindingCode

# (key, header, vocabulary): a vocabulary column shows the Chinese label of the code.
Column = tuple[str, str, Vocabulary | None]
GAP_COLUMNS: tuple[Column, ...] = (
    ("household_id", "户编号", None),
    ("village_code", "行政村代码", None),
    ("status", "监测状态", "status"),
    ("episode", "标注事件", None),
    ("code", "问题代码", None),
    ("code", "问题", "gap_code"),
    ("step", "程序步骤", "step"),
    ("severity", "性质", "severity"),
    ("detail_zh", "说明", None),
)
LOOKBACK_COLUMNS: tuple[Column, ...] = (
    ("household_id", "户编号", None),
    ("village_code", "行政村代码", None),
    ("status", "监测状态", "status"),
    ("code", "回头看类别代码", None),
    ("code", "回头看类别", "lookback_code"),
    ("action", "建议处理", "lookback_action"),
    ("detail_zh", "依据", None),
)

# Data-quality findings (one row per finding) and formalism signals (one row per signal).
QUALITY_COLUMNS: tuple[Column, ...] = (
    ("household_id", "户编号", None),
    ("village_code", "行政村代码", None),
    ("status", "监测状态", "status"),
    ("code", "问题代码", None),
    ("code", "问题", "finding_code"),
    ("rule", "国家规则编号", None),
    ("detail_zh", "说明", None),
    ("events", "涉及事件", None),
)
SIGNAL_COLUMNS: tuple[Column, ...] = (
    ("code", "信号代码", None),
    ("code", "信号", "signal_code"),
    ("division", "区划", None),
    ("detail_zh", "说明", None),
    ("households", "涉及农户", None),
    ("events", "涉及事件", None),
)
LISTED = "、"  # joins a cell's several ids (households, events)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def flatten(items: Iterable[dict[str, Any]], nested: str) -> list[dict[str, Any]]:
    """One row per gap or candidate, carrying its household's columns."""
    return [
        {**{k: v for k, v in item.items() if k != nested}, **entry}
        for item in items
        for entry in item[nested]
    ]


def completeness_table(items: Iterable[dict[str, Any]], fmt: str) -> Response:
    """Households with gaps as a spreadsheet: one row per gap."""
    return table(flatten(items, "gaps"), GAP_COLUMNS, fmt, "completeness")


def lookback_table(items: Iterable[dict[str, Any]], fmt: str) -> Response:
    """Look-back candidates as a spreadsheet: one row per candidate."""
    return table(flatten(items, "candidates"), LOOKBACK_COLUMNS, fmt, "lookback")


def quality_table(items: Iterable[dict[str, Any]], fmt: str) -> Response:
    """Households with data-quality findings as a spreadsheet: one row per finding."""
    rows = [{**row, "events": LISTED.join(row["events"])} for row in flatten(items, "findings")]
    return table(rows, QUALITY_COLUMNS, fmt, "quality")


def signals_table(items: Iterable[dict[str, Any]], fmt: str) -> Response:
    """Formalism signals as a spreadsheet: one row per signal, its households and events
    listed in a cell each."""
    rows = [
        {
            **item,
            "households": LISTED.join(h["household_id"] for h in item["households"]),
            "events": LISTED.join(item["events"]),
        }
        for item in items
    ]
    return table(rows, SIGNAL_COLUMNS, fmt, "signals")


def table(
    rows: Sequence[dict[str, Any]], columns: Sequence[Column], fmt: str, filename: str
) -> Response:
    header = [title for _, title, _ in columns]
    values = [[_cell(row.get(key), vocabulary) for key, _, vocabulary in columns] for row in rows]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        writer.writerows(values)
        # A byte-order mark so Excel opens UTF-8 Chinese text correctly.
        body = ("\ufeff" + buffer.getvalue()).encode("utf-8")
    else:
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(filename)
        sheet.append(header)
        for row in values:
            sheet.append(row)
        stream = io.BytesIO()
        workbook.save(stream)
        body = stream.getvalue()
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


def _cell(value: Any, vocabulary: Vocabulary | None) -> Any:
    value = label(vocabulary, value) if vocabulary and value is not None else value
    return _printable(value) if isinstance(value, str) else value


def _printable(text: str) -> str:
    """``text`` with each control character an .xlsx cannot hold (openpyxl refuses them)
    written as ``\\uXXXX``: data stored before input was bounded must still export."""
    return ILLEGAL_CHARACTERS_RE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


# The summary report as one table: a row per figure (统计表), its section first.
SUMMARY_COLUMNS: tuple[Column, ...] = (
    ("section", "统计项", None),
    ("kind", "类别", None),
    ("item", "项目", None),
    ("code", "代码", None),
    ("detail", "细分", None),
    ("value", "数值", None),
    ("households", "涉及户数", None),
)


def summary_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of ``GET /v1/reports/summary`` as a spreadsheet shows them, labelled."""
    rows: list[dict[str, Any]] = [{"section": "农户数", "value": report["households"]}]
    for status, types in report["status_by_type"].items():
        rows += [
            {
                "section": "监测状态 × 监测对象类型",
                "kind": label("status", status),
                "item": "—" if kind == "none" else label("monitoring_type", kind),
                "code": f"{status}/{kind}",
                "value": count,
                "households": count,
            }
            for kind, count in types.items()
        ]
    rows += [
        {"section": "程序次数", "kind": label("episode_kind", kind), "code": kind, "value": count}
        for kind, count in report["episodes"].items()
    ]
    rows += [
        {
            "section": "步骤完成率",
            "kind": label("episode_kind", kind),
            "item": label("step", step),
            "code": step,
            "value": rate,
        }
        for kind, steps in report["completeness_rate"].items()
        for step, rate in steps.items()
    ]
    rows += [
        {
            "section": "问题",
            "kind": label("episode_kind", gap["kind"]),
            "item": label("gap_code", gap["code"]),
            "code": gap["code"],
            "detail": " / ".join(
                filter(
                    None,
                    (
                        gap["step"] and label("step", gap["step"]),
                        label("severity", gap["severity"]),
                    ),
                )
            ),
            "value": gap["gaps"],
            "households": gap["households"],
        }
        for gap in report["gap_counts"]
    ]
    rows += [
        {
            "section": "数据质量问题",
            "item": label("finding_code", count["code"]),
            "code": count["code"],
            "detail": _rule(count["code"]),
            "value": count["findings"],
            "households": count["households"],
        }
        for count in report.get("quality_counts", ())
    ]
    rows += [
        {
            "section": "形式主义信号",
            "item": label("signal_code", count["code"]),
            "code": count["code"],
            "value": count["signals"],
            "households": count["households"],
        }
        for count in report.get("signal_counts", ())
    ]
    return rows


def _rule(code: str) -> str | None:
    """The national rule number a finding code rests on (or the rule's source)."""
    return FindingCode[code].rule if code in FindingCode.__members__ else None
