"""Reading: encodings, header rows anywhere, every sheet, kind detection, .xls, row numbers."""

from __future__ import annotations

import datetime as dt

import pytest
import xlwt

from etl.load import load_paths
from etl.reader import detect_encoding, read_ledger_file
from streetdash.schema import load_schemas, normalise_header
from tests.ledgers import COMMUNITIES, GRIDS, write_csv, write_xlsx

SCHEMAS = load_schemas()


@pytest.mark.parametrize(
    "encoding,detected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030")]
)
def test_csv_encodings(tmp_path, encoding, detected):
    path = write_csv(tmp_path / "c.csv", COMMUNITIES, encoding=encoding, title="崇文街道社区名录")
    assert detect_encoding(path.read_bytes()) == detected
    result = read_ledger_file(path, SCHEMAS)
    sheet = result.sheets[0]
    assert sheet.kind.name == "communities" and sheet.header_row == 2
    assert sheet.table.column("name").to_pylist() == [r[1] for r in COMMUNITIES[1:]]
    assert sheet.table.column("_row").to_pylist() == [3, 4, 5, 6]


def test_undecodable_csv_is_a_clear_failure(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x30\x81\xff")
    failure = read_ledger_file(path, SCHEMAS).failures[0]
    assert failure.message.startswith("文件 bad.csv：无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK（第 1 行")


def test_header_normalisation():
    assert normalise_header(" 招聘人数（人）") == "招聘人数"
    assert normalise_header("*发布时间") == "发布时间"
    assert normalise_header("时长(小时)") == "时长"
    assert normalise_header("任务ＩＤ") == "任务id"


def test_csv_blank_and_ragged_rows_keep_excel_row_numbers(tmp_path):
    path = tmp_path / "g.csv"
    lines = [
        ",".join(GRIDS[0]),
        ",".join(GRIDS[1]),
        "",
        ",".join(GRIDS[2]),
        "G3,新建一网格,新建社区",
        ",".join(GRIDS[4]),
    ]
    path.write_text("网格名录\n" + "\n".join(lines) + "\n", encoding="utf-8")
    sheet = read_ledger_file(path, SCHEMAS).sheets[0]
    assert sheet.header_row == 2
    assert sheet.table.column("grid_id").to_pylist() == ["G1", None, "G2", "G3", "G4"]
    assert sheet.table.column("_row").to_pylist() == [3, 4, 5, 6, 7]
    assert sheet.table.column("households").to_pylist() == ["400", None, "450", None, "520"]


def test_xlsx_every_sheet_title_rows_and_kind_detection(tmp_path):
    path = write_xlsx(
        tmp_path / "台账汇总.xlsx",
        {
            "社区": COMMUNITIES,
            "说明": [["本工作簿汇总了崇文街道的台账"], ["请勿修改表头"]],
            "网格": GRIDS,
            "空表": [[""]],
        },
        title="崇文街道台账（2022年）",
        blank_rows=1,
    )
    result = read_ledger_file(path, SCHEMAS)
    assert [(s.sheet, s.kind.name, s.header_row) for s in result.sheets] == [
        ("社区", "communities", 3),
        ("网格", "grids", 3),
    ]
    assert [(f.sheet, f.message, f.skipped) for f in result.failures] == [
        ("说明", "文件 台账汇总.xlsx 工作表「说明」不是台账（找不到表头行），已跳过", True),
        ("空表", "文件 台账汇总.xlsx 工作表「空表」不是台账（找不到表头行），已跳过", True),
    ]
    grids = result.sheets[1].table
    assert grids.column("_row").to_pylist() == [4, 5, 6, 7]
    assert grids.column("households").to_pylist() == ["400", "450", "380", "520"]


def test_empty_sheets_are_skipped(tmp_path):
    import xlsxwriter

    path = tmp_path / "e.xlsx"
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Sheet1")
    sheet = book.add_worksheet("社区")
    for r, row in enumerate(COMMUNITIES):
        sheet.write_row(r, 0, row)
    book.add_worksheet("Sheet3")
    book.close()
    result = read_ledger_file(path, SCHEMAS)
    assert [s.sheet for s in result.sheets] == ["社区"] and result.failures == []


def test_xlsx_real_date_cells_and_numbers(tmp_path):
    rows = [
        ["任务编号", "所属社区", "任务类别", "发布时间", "状态", "办结时间", "经度"],
        ["T1", "崇北", "环境卫生", dt.datetime(2022, 8, 30, 14, 30), "办结", dt.datetime(2022, 9, 1), 111.78],
        ["T2", "崇北", "环境卫生", 44805, "待接单", None, 112],
    ]
    sheet = read_ledger_file(write_xlsx(tmp_path / "t.xlsx", {"任务": rows}), SCHEMAS).sheets[0]
    assert sheet.table.column("published_at").to_pylist() == ["2022-08-30 14:30:00", "44805"]
    assert sheet.table.column("closed_at").to_pylist() == ["2022-09-01", None]
    assert sheet.table.column("lon").to_pylist() == ["111.78", "112"]


def test_legacy_xls(tmp_path):
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("社区名录")
    sheet.write(0, 0, "崇文街道社区名录")
    for r, row in enumerate(COMMUNITIES, start=2):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "社区名录.xls"
    book.save(str(path))
    result = read_ledger_file(path, SCHEMAS)
    assert result.sheets[0].kind.name == "communities" and result.sheets[0].header_row == 3
    assert result.sheets[0].table.column("_row").to_pylist() == [4, 5, 6, 7]


def test_kind_can_be_forced(tmp_path):
    # 编号/社区/类型/日期 fit several ledgers; --kind decides.
    rows = [["编号", "社区", "类型", "日期", "人数"], ["E1", "崇北", "座谈会", "2022-10-20", "35人"]]
    path = write_csv(tmp_path / "x.csv", rows)
    assert read_ledger_file(path, SCHEMAS, "events").sheets[0].kind.name == "events"
    assert read_ledger_file(path, SCHEMAS, "events").sheets[0].table.column("participants").to_pylist() == ["35人"]
    forced_wrong = read_ledger_file(path, SCHEMAS, "trainings")
    assert forced_wrong.failures[0].message == (
        "文件 x.csv：识别为技能培训台账，但缺少必填列：培训项目、开班日期、培训人数（已识别的列：编号、社区）"
    )


def test_unknown_columns_are_kept_out_and_listed(tmp_path):
    rows = [COMMUNITIES[0] + ["备注"], COMMUNITIES[1] + ["示范社区"]]
    sheet = read_ledger_file(write_csv(tmp_path / "c.csv", rows), SCHEMAS).sheets[0]
    assert sheet.ignored_headers == ["备注"]


def test_unsupported_and_missing_files(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    result = load_paths([tmp_path / "a.txt", tmp_path / "nope.csv"], db=tmp_path / "w.duckdb")
    assert [s.message for s in result.sheets] == [
        "文件 a.txt 不是支持的格式（台账：.xlsx、.xls、.csv；边界：.geojson、.shp、.zip、.gpkg）",
        f"文件 {tmp_path / 'nope.csv'} 不存在",
    ]
    assert result.exit_code == 2


def test_csv_quoted_values_with_newlines_keep_row_numbers(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text(
        '活动台账\n"活动编号","所属社区","活动类型","活动名称","活动日期"\n'
        'E1,永安,座谈会,"就业创业\n正青春",2022-10-20\nE2,永安,招聘会,春风行动,2022-03-01\n',
        encoding="utf-8",
    )
    sheet = read_ledger_file(path, SCHEMAS).sheets[0]
    assert sheet.table.column("title").to_pylist() == ["就业创业\n正青春", "春风行动"]
    assert sheet.table.column("_row").to_pylist() == [3, 4]


def test_invalid_bytes_after_the_sniffed_head_are_still_handled(tmp_path):
    from etl import reader

    rows = [COMMUNITIES[0]] + [[f"X{i}", f"社区{i}", "某街道", "1", "1", "混合", ""] for i in range(30_000)]
    path = write_csv(tmp_path / "c.csv", rows)
    assert path.stat().st_size > reader.SNIFF_BYTES
    path.write_bytes(path.read_bytes() + "Z1,坏社区,某街道,1,1,混合,\n".encode("gb18030"))
    result = read_ledger_file(path, SCHEMAS)
    # UTF-8 with one GB18030 line is neither encoding: a clear message naming the line, not a crash.
    assert [f.message for f in result.failures] == [
        "文件 c.csv：无法识别文件编码：既不是 UTF-8 也不是 GB18030/GBK（第 30002 行有无法识别的字符）。"
        "请在 Excel 或 WPS 中另存为「CSV UTF-8」后再导入"
    ]
