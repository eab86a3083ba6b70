"""Table exports: typed .xlsx with the filters sheet, UTF-8-BOM .csv, and no formula that Excel or
LibreOffice would run (the saved files are read back, the LibreOffice way too)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from streetdash import export
from streetdash.export_office import convert, libreoffice_path
from streetdash.filters import Filters

HOSTILE = ["=1+1", "@SUM(A1)", "+1+2", "-3+4", "\t=1", "\r=1", "崇北社区"]
F = Filters("崇文街道", ("崇北社区",), dt.date(2022, 12, 1), dt.date(2022, 12, 31))


def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "社区": HOSTILE,
            "办结率": [0.82, None, 0.5, 1.0, 0.0, 0.25, 0.9],
            "发布任务数": [61, 2, 3, 4, 5, 6, 7],
            "差值": [-3, -2, -1, 0, 1, 2, 3],
            "发布日期": pd.to_datetime(["2022-12-01"] * 7),
        }
    )


@pytest.mark.parametrize(
    "value,safe",
    [
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+86", "'+86"),
        ("-x", "'-x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("崇北社区", "崇北社区"),
        (-3, -3),
        (None, None),
    ],
)
def test_neutralise(value, safe):
    assert export.neutralise(value) == safe


def test_csv_is_utf8_with_bom_and_formula_text_is_quoted():
    raw = export.table_to_csv(table())
    assert raw.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False)
    assert list(back.columns) == ["社区", "办结率", "发布任务数", "差值", "发布日期"]
    assert back["社区"].tolist() == ["'=1+1", "'@SUM(A1)", "'+1+2", "'-3+4", "'\t=1", "'\r=1", "崇北社区"]
    assert back["差值"].tolist() == [-3, -2, -1, 0, 1, 2, 3]  # negative numbers stay numbers
    assert back["发布日期"].iloc[0] == "2022-12-01"


def test_xlsx_is_typed_with_frozen_chinese_headers_and_a_filters_sheet():
    at = dt.datetime(2023, 1, 5, 9, 30)
    book = openpyxl.load_workbook(
        io.BytesIO(export.table_to_xlsx(table(), "社区排名", export.filter_rows(F), exported_at=at))
    )
    sheet = book["社区排名"]
    assert sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["社区", "办结率", "发布任务数", "差值", "发布日期"]
    first = sheet[2]
    assert (first[0].value, first[0].data_type) == ("=1+1", "s")  # the text itself, stored as text
    assert first[0].quotePrefix  # and Excel keeps it text when the cell is edited
    assert (first[1].value, first[1].number_format) == (0.82, "0.0%")  # 办结率 from the catalogue
    assert (first[2].value, first[2].number_format) == (61, "#,##0")
    assert first[4].value == dt.datetime(2022, 12, 1) and first[4].is_date
    assert sheet["B3"].value is None  # a missing rate is an empty cell, not 0
    assert sheet.auto_filter.ref == "A1:E8"
    about = {r[0].value: r[1].value for r in book["筛选条件"].iter_rows()}
    assert about == {
        "表格": "社区排名",
        "街道": "崇文街道",
        "社区": "崇北社区",
        "统计期": "2022年12月",
        "起止日期": "2022-12-01 至 2022-12-31",
        "行数": "7",
        "导出时间": "2023-01-05 09:30:00",
    }


def test_number_formats_follow_the_page():
    config = {
        "办结率": {"type_config": {"type": "number", "format": "percent"}},
        "办结时长中位数": {"type_config": {"type": "number", "format": "%.1f 天"}},
        "综合得分": {"type_config": {"type": "progress", "format": "%.2f"}},
    }
    assert export.formats_from_column_config(config) == {
        "办结率": "0.0%",
        "办结时长中位数": '0.0" 天"',
        "综合得分": "0.00",
    }


def test_file_names_say_what_where_and_when():
    assert export.file_stem("超期未办结任务", F) == "超期未办结任务_崇北社区_2022年12月"
    assert export.file_stem("导入批次", None) == "导入批次"


@pytest.mark.skipif(libreoffice_path() is None, reason="LibreOffice not installed (make system-deps installs it)")
def test_libreoffice_reads_the_exports_as_text_not_formulas(tmp_path):
    frame = table()
    (tmp_path / "ours.csv").write_bytes(export.table_to_csv(frame))
    (tmp_path / "ours_book.xlsx").write_bytes(export.table_to_xlsx(frame, "数据", export.filter_rows(F)))
    # Controls: the same values written naively must come out as formulas, or the test proves nothing.
    (tmp_path / "naive.csv").write_bytes(frame.to_csv(index=False).encode("utf-8-sig"))
    naive = xlsxwriter.Workbook(str(tmp_path / "naive_book.xlsx"))
    naive.add_worksheet().write_column(0, 0, ["社区", *HOSTILE])  # write() turns "=..." into formulas
    naive.close()

    out = tmp_path / "libreoffice"
    # Read CSV as Excel does: UTF-8, comma, formulas evaluated (token 13 of LibreOffice's CSV options).
    csv_filter = "CSV:44,34,76,1,,1033,false,true,false,false,false,-1,true"
    convert([tmp_path / "ours.csv", tmp_path / "naive.csv"], "xlsx", out, infilter=csv_filter)
    convert([tmp_path / "ours_book.xlsx", tmp_path / "naive_book.xlsx"], "xlsx", out)

    def first_column(name: str) -> list[tuple]:
        sheet = openpyxl.load_workbook(out / name).worksheets[0]
        return [(c.value, c.data_type) for c in next(sheet.iter_cols(min_row=2, max_row=3))]

    assert first_column("naive.xlsx")[0][1] == "f" or first_column("naive.xlsx")[0][0] == 2
    assert first_column("naive_book.xlsx")[0][1] == "f"
    assert first_column("ours.xlsx") == [("'=1+1", "s"), ("'@SUM(A1)", "s")]
    assert first_column("ours_book.xlsx") == [("=1+1", "s"), ("@SUM(A1)", "s")]
    every = openpyxl.load_workbook(out / "ours_book.xlsx").worksheets[0]
    assert not [c.coordinate for row in every.iter_rows() for c in row if c.data_type == "f"]


def test_file_names_from_ledger_text_are_no_paths():
    stem = export.file_stem("任务", Filters("街/道", ("a<b>c", "d:e")))
    assert stem == "任务_a_b_c、d_e_2024年12月"
    assert export.file_stem("..\\x\x00y", None) == "_x_y"
