"""Ledgers as community workers keep them (issue 15): headers over several rows, merged cells, totals
and footers, sheets that are not ledgers, ID numbers that Excel turned into numbers, unknown columns,
the dry run, a loading user's scope and a street's own column names."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from etl.layout import LOST_DIGITS, csv_groups, row_label
from etl.load import OUT_OF_SCOPE, OUT_OF_SCOPE_RECORD, load_paths
from etl.pii import load_secret, person_key_py
from etl.report import rejected_workbook
from streetdash.access import Scope
from tests.ledgers import write_base, write_csv
from tests.messy_ledgers import (
    FOOTER_NAMES,
    excel_mangled_id,
    write_exponent_csv,
    write_footer_csv,
    write_job_seekers_workbook,
    write_legacy_xls,
    write_mediation_workbook,
)

ROOT = Path(__file__).resolve().parents[2]
FOOTER = "表尾（填表人、审核人、日期等），未导入"
BAD_DATE = "不是有效的日期，可用格式：2022-08-30、2022/8/30、2022.8.30、2022年8月30日或 Excel 日期，可带时间 14:30"


def messy_folder(folder: Path) -> Path:
    write_base(folder)
    write_mediation_workbook(folder / "调解台账.xlsx")
    write_job_seekers_workbook(folder / "就业服务台账.xlsx")
    write_legacy_xls(folder / "网格任务.xls")
    write_footer_csv(folder / "任务台账.csv")
    write_exponent_csv(folder / "求职登记.csv")
    return folder


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("habits")
    folder = messy_folder(root / "ledgers")
    db = root / "w.duckdb"
    result = load_paths([folder], db=db)
    assert result.committed and result.exit_code == 0
    return result, db, folder


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def sheet(result, file: str, name: str | None):
    return next(s for s in result.sheets if s.file == file and s.sheet == name)


def test_headers_over_two_and_three_rows_place_every_field(loaded):
    result, db, _ = loaded
    two, three = sheet(result, "调解台账.xlsx", "两行表头"), sheet(result, "调解台账.xlsx", "三行表头")
    assert (two.header_row, two.header_end, three.header_row, three.header_end) == (3, 4, 2, 4)
    # The group and the name under it: 当事人 over 姓名 is the parties, 调处情况 over 调解结果 the outcome.
    assert two.columns == {
        "case_id": "案件编号",
        "community": "所属社区",
        "dispute_type": "纠纷类型",
        "parties": "当事人/姓名",
        "received_at": "受理时间",
        "level": "调处情况/化解层级",
        "outcome": "调处情况/调解结果",
        "closed_at": "调处情况/结案时间",
    }
    assert three.columns["parties"] == "当事人/基本情况/姓名"
    assert (two.rows_read, two.inserted, two.skipped, two.rejected) == (4, 3, 5, 1)
    assert (three.rows_read, three.inserted, three.skipped, three.rejected) == (4, 3, 4, 1)
    got = rows(
        db,
        "SELECT case_id, community_id, dispute_type, parties_masked, received_at, level, outcome, closed_at,"
        " source_sheet, source_row FROM mediation_cases ORDER BY case_id",
    )
    assert got == [
        # Community merged over rows 5-7 and the receiving time over rows 5-6 land on every row of the block.
        ("M201", "CB", "邻里纠纷", ["王**", "李**"], dt.datetime(2022, 3, 1, 9, 30), "网格", "调解成功",
         dt.datetime(2022, 3, 5), "两行表头", 5),
        ("M202", "CB", "物业纠纷", ["赵**"], dt.datetime(2022, 3, 1, 9, 30), "社区", "调解成功",
         dt.datetime(2022, 3, 9), "两行表头", 6),
        ("M203", "CB", "劳动争议", ["钱*"], dt.datetime(2022, 4, 1), None, "调解中", None, "两行表头", 7),
        ("M301", "YA", "邻里纠纷", ["周*"], dt.datetime(2022, 5, 1), "社区", "调解不成", dt.datetime(2022, 5, 10),
         "三行表头", 5),
        ("M302", "YA", "物业纠纷", ["吴*"], dt.datetime(2022, 5, 2), "网格", "调解成功", dt.datetime(2022, 5, 3),
         "三行表头", 6),
        ("M303", "XJ", "消费纠纷", ["郑*"], dt.datetime(2022, 6, 1), None, "调解中", None, "三行表头", 8),
    ]  # fmt: skip


def test_merged_cells_of_a_legacy_xls_and_a_csv_header_over_two_rows(loaded):
    result, db, _ = loaded
    xls = sheet(result, "网格任务.xls", "任务")
    assert (xls.header_row, xls.header_end, xls.inserted, xls.skipped) == (2, 3, 4, 3)
    csv = sheet(result, "任务台账.csv", None)
    # Saved as CSV, the merged 办理情况 keeps its label in its first column only.
    assert (csv.header_row, csv.header_end, csv.inserted, csv.skipped, csv.rejected) == (2, 3, 3, 4, 0)
    assert csv.columns["status"] == "办理情况/状态"
    got = rows(
        db,
        "SELECT task_id, community_id, grid_id, published_at, status, closed_at, source_row FROM tasks"
        " ORDER BY task_id",
    )
    assert got == [
        ("C1", "CB", None, dt.datetime(2022, 10, 1), "已办结", dt.datetime(2022, 10, 2), 4),
        ("C2", "CB", None, dt.datetime(2022, 10, 2), "办理中", None, 5),
        ("C3", "YA", None, dt.datetime(2022, 10, 3), "待接单", None, 6),
        ("X1", "CB", "G1", dt.datetime(2022, 7, 1, 8), "已办结", dt.datetime(2022, 7, 2, 10), 4),
        ("X2", "CB", "G2", dt.datetime(2022, 7, 1, 8), "办理中", None, 5),
        ("X3", "CB", "G1", dt.datetime(2022, 7, 3), "待接单", None, 6),
        ("X4", "XJ", "G3", dt.datetime(2022, 7, 4), "待接单", None, 7),
    ]


def test_totals_footers_and_notes_are_skipped_rows_not_rejections(loaded):
    result, _, _ = loaded
    skipped = [(s.file, s.sheet, s.row, s.reason) for s in result.skipped if s.row is not None]
    title = "标题行，未导入"
    assert skipped == [
        ("任务台账.csv", None, 1, title),
        ("任务台账.csv", None, 7, "合计行，未导入"),
        ("任务台账.csv", None, 8, FOOTER),
        ("任务台账.csv", None, 9, FOOTER),  # the signature under 填表人
        ("就业服务台账.xlsx", "求职登记", 1, title),
        ("就业服务台账.xlsx", "求职登记", 8, "小计行，未导入"),
        ("就业服务台账.xlsx", "求职登记", 10, "合计行，未导入"),  # written 合  计
        ("就业服务台账.xlsx", "求职登记", 11, FOOTER),
        ("网格任务.xls", "任务", 1, title),
        ("网格任务.xls", "任务", 8, "合计行，未导入"),
        ("网格任务.xls", "任务", 9, FOOTER),
        ("调解台账.xlsx", "两行表头", 1, title),
        ("调解台账.xlsx", "两行表头", 9, "合计行，未导入"),
        ("调解台账.xlsx", "两行表头", 10, "备注行，未导入"),
        ("调解台账.xlsx", "两行表头", 11, FOOTER),
        ("调解台账.xlsx", "两行表头", 12, FOOTER),
        ("调解台账.xlsx", "三行表头", 1, title),
        ("调解台账.xlsx", "三行表头", 7, "小计行，未导入"),
        ("调解台账.xlsx", "三行表头", 10, "总计行，未导入"),
        ("调解台账.xlsx", "三行表头", 11, FOOTER),
    ]
    assert sheet(result, "调解台账.xlsx", "两行表头").message == (
        "第 9 行为合计行，第 10 行为备注行，第 11–12 行为表尾（填表人、审核人、日期等），未导入"
    )
    rejected = [(r.file, r.sheet, r.row, r.column, r.value, r.reason) for r in result.rejected]
    id_lost, phone_lost = LOST_DIGITS["id_number"], LOST_DIGITS["phone"]
    _, mangled = excel_mangled_id()
    assert rejected == [
        ("调解台账.xlsx", "两行表头", 8, "受理时间", "2022-02-30", BAD_DATE),
        ("调解台账.xlsx", "三行表头", 9, "调处情况/结案时间", None, "调解成功或调解不成的案件必须填写结案时间"),
        ("就业服务台账.xlsx", "求职登记", 4, "身份证号", mangled[:3] + "*" * 13 + mangled[-2:], id_lost),
        ("就业服务台账.xlsx", "求职登记", 5, "身份证号", "411*************08", id_lost),
        ("就业服务台账.xlsx", "求职登记", 6, "身份证号", "1.4******17", id_lost),
        ("就业服务台账.xlsx", "求职登记", 7, "联系电话", "139******01", phone_lost),
        ("求职登记.csv", None, 2, "身份证号", "1.1******17", id_lost),
        ("求职登记.csv", None, 2, "联系电话", "1.3***10", phone_lost),
        ("网格任务.xls", "求职", 2, "身份证号", "110*************68", id_lost),
    ]


def test_an_id_number_in_a_number_cell_is_never_hashed(loaded):
    """Excel keeps 15 digits of a number: 110101199003002000 passes the check digit, and would key a
    different (or no) resident. It is rejected, and no key is made from it."""
    _, db, _ = loaded
    _, mangled = excel_mangled_id()
    secret = load_secret()
    keys = {k for (k,) in rows(db, "SELECT person_key FROM job_seekers")}
    assert person_key_py(secret, f"id:{mangled}") not in keys
    assert rows(db, "SELECT record_id FROM job_seekers ORDER BY record_id") == [("E2",), ("J1",), ("J6",), ("K2",)]
    assert rows(db, "SELECT count(*) FROM rejected_rows WHERE value LIKE '%' || ? || '%'", [mangled]) == [(0,)]


def test_sheets_that_are_not_ledgers_are_skipped_and_a_ledger_without_required_columns_is_an_error(loaded):
    result, _, _ = loaded
    by_sheet = {(s.file, s.sheet): s for s in result.sheets}
    expected_skipped = {
        ("调解台账.xlsx", "选项"): "文件 调解台账.xlsx 工作表「选项」是隐藏的工作表，不是台账，已跳过",
        ("调解台账.xlsx", "填表说明"): "文件 调解台账.xlsx 工作表「填表说明」不是台账（找不到表头行），已跳过",
        ("调解台账.xlsx", "下拉选项"): (
            "文件 调解台账.xlsx 工作表「下拉选项」：只有可选值的列表（纠纷类型、化解层级、调解结果），不是台账，已跳过"
        ),
        ("网格任务.xls", "代码表"): "文件 网格任务.xls 工作表「代码表」是隐藏的工作表，不是台账，已跳过",
    }
    for key, message in expected_skipped.items():
        assert (by_sheet[key].status, by_sheet[key].message) == ("skipped", message)
    assert {(s.file, s.sheet): s.reason for s in result.skipped if s.row is None} == expected_skipped
    old = by_sheet[("调解台账.xlsx", "旧表")]
    assert old.status == "error" and old.kind == "mediation"
    assert old.message == (
        "文件 调解台账.xlsx 工作表「旧表」：识别为矛盾纠纷调解台账，但缺少必填列：纠纷类型、受理时间、调解结果"
        "（已识别的列：案件编号、所属社区、当事人）"
    )
    assert old.missing_columns == ["纠纷类型", "受理时间", "调解结果"]
    assert old.ignored_columns == ["说明"]


def test_unknown_columns_are_ignored_and_named_once(loaded, tmp_path):
    from rich.console import Console

    from etl.report import print_summary

    result, _, _ = loaded
    assert sheet(result, "调解台账.xlsx", "两行表头").ignored_columns == ["序号", "当事人/联系电话", "联系人", "备注"]
    assert sheet(result, "就业服务台账.xlsx", "求职登记").ignored_columns == ["序号", "联系人", "备注"]
    console = Console(record=True, width=400)
    print_summary(result, console)
    text = console.export_text()
    line = "未识别的列（已忽略）：说明、序号、当事人/联系电话、联系人、备注、当事人/基本情况/联系电话、当事人/住址"
    assert text.count("未识别的列") == 1 and line in text


def test_names_in_footers_and_unknown_columns_are_found_nowhere(tmp_path):
    folder = messy_folder(tmp_path / "ledgers")
    db, report, reports = tmp_path / "w.duckdb", tmp_path / "report.json", tmp_path / "reports"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db), "--report-json", str(report),
         "--report-dir", str(reports)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "第 11 行为表尾" in proc.stderr  # the summary lists the footers …
    places = {"output": proc.stdout + proc.stderr, "report.json": report.read_text(encoding="utf-8")}
    for workbook in reports.glob("*.xlsx"):
        book = CalamineWorkbook.from_path(str(workbook))
        places[workbook.name] = repr([book.get_sheet_by_name(n).to_python() for n in book.sheet_names])
    result = load_paths([folder], db=tmp_path / "again.duckdb")
    book = CalamineWorkbook.from_filelike(__import__("io").BytesIO(rejected_workbook(result)))
    places["download"] = repr([book.get_sheet_by_name(n).to_python() for n in book.sheet_names])
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE data_type LIKE 'VARCHAR%'"
        ).fetchall()
        for table, column in columns:
            values = con.execute(f'SELECT DISTINCT CAST("{column}" AS VARCHAR) FROM "{table}"').fetchall()
            places[f"{table}.{column}"] = repr(values)
    assert "rejected_rows.reason" in places and "load_log.message" in places
    for name in FOOTER_NAMES:
        masked = name[0] + "*" * (len(name) - 1)
        found = [place for place, text in places.items() if name in text or (masked in text and "masked" in place)]
        assert found == [], f"{name} in {found}"


def test_dry_run_leaves_the_warehouse_byte_identical_and_reports_the_same_split(tmp_path):
    folder = messy_folder(tmp_path / "ledgers")
    db = tmp_path / "w.duckdb"
    assert load_paths(write_base(tmp_path / "base"), db=db).committed
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    listing = sorted(p.name for p in tmp_path.iterdir())
    report = tmp_path / "preview.json"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(folder), "--db", str(db), "--dry-run", "--report-json", str(report)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*listing, "preview.json"])
    assert not list(folder.glob("*_错误报告.xlsx"))  # a dry run writes no error report beside the ledgers
    out = proc.stderr
    assert "试运行" in out and "未改动" in out
    assert "列对应 调解台账.xlsx「两行表头」：案件编号，所属社区，纠纷类型，当事人/姓名 → 当事人" in out
    assert "跳过 调解台账.xlsx「两行表头」 第 9 行为合计行，未导入" in out
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["dry_run"] is True and data["committed"] is False
    real = load_paths([folder], db=tmp_path / "real.duckdb")
    assert data["skipped"] == [
        {"file": s.file, "sheet": s.sheet, "row": s.row, "reason": s.reason} for s in real.skipped
    ]
    assert [(r["file"], r["row"], r["reason"]) for r in data["rejected"]] == [
        (r.file, r.row, r.reason) for r in real.rejected
    ]
    counts = {(f["file"], f["sheet"]): (f["inserted"], f["skipped"], f["rejected"]) for f in data["files"]}
    assert counts[("调解台账.xlsx", "两行表头")] == (3, 5, 1)
    # Counted against the warehouse: the community list is there already.
    assert counts[("社区名录.csv", None)] == (0, 0, 0)


def test_dry_run_counts_updates_against_the_warehouse(tmp_path):
    folder = messy_folder(tmp_path / "ledgers")
    db = tmp_path / "w.duckdb"
    load_paths([folder], db=db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    preview = load_paths([folder], db=db, dry_run=True)
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not preview.committed and preview.dry_run
    two = sheet(preview, "调解台账.xlsx", "两行表头")
    assert (two.inserted, two.updated, two.unchanged, two.skipped, two.rejected) == (0, 0, 3, 5, 1)


def test_scope_rejects_rows_of_other_communities(tmp_path):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    header = ["任务编号", "所属社区", "任务类别", "发布时间", "状态"]
    load_paths([write_csv(tmp_path / "old.csv", [header, ["S9", "新建", "便民服务", "2022-01-01", "待接单"]])], db=db)
    tasks = write_csv(
        tmp_path / "tasks.csv",
        [
            header,
            ["S1", "崇北", "便民服务", "2022-02-01", "待接单"],
            ["S2", "新建", "便民服务", "2022-02-01", "待接单"],  # same street, not this user's community
            ["S3", "古桥社区", "便民服务", "2022-02-01", "待接单"],  # another street
            ["S9", "崇北", "便民服务", "2022-02-01", "已接单"],  # would move 新建's task into 崇北
        ],
    )
    communities = write_csv(
        tmp_path / "c.csv",
        [["社区编码", "社区名称", "所属街道"], ["NEW", "北湖社区", "许庄街道"]],
    )
    scope = Scope(("崇文街道",), ("崇北社区",))
    result = load_paths([tasks, communities], db=db, scope=scope)
    assert [(r.file, r.row, r.column, r.value, r.reason) for r in result.rejected] == [
        ("c.csv", 2, "社区名称", "北湖社区", OUT_OF_SCOPE),
        ("tasks.csv", 3, "所属社区", "新建", OUT_OF_SCOPE),
        ("tasks.csv", 4, "所属社区", "古桥社区", OUT_OF_SCOPE),
        ("tasks.csv", 5, "任务编号", "S9", OUT_OF_SCOPE_RECORD),
    ]
    assert rows(db, "SELECT task_id, community_id, status FROM tasks ORDER BY 1") == [
        ("S1", "CB", "待接单"),
        ("S9", "XJ", "待接单"),
    ]
    # A street user may load every community of the street, and none of another.
    street = load_paths([tasks], db=tmp_path / "w.duckdb", scope=Scope(("崇文街道",), None), dry_run=True)
    assert [(r.row, r.reason) for r in street.rejected] == [(4, OUT_OF_SCOPE)]


def test_a_street_s_own_header_is_placed_by_a_saved_alias(tmp_path):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    path = write_csv(
        tmp_path / "t.csv",
        [["事项编号", "所属社区", "任务类别", "发布时间", "状态"], ["A1", "崇北", "便民服务", "2022-02-01", "待接单"]],
    )
    without = load_paths([path], db=db, dry_run=True)
    assert without.sheets[0].status == "error" and without.sheets[0].missing_columns == ["任务编号"]
    assert without.sheets[0].ignored_columns == ["事项编号"]
    result = load_paths([path], db=db, header_aliases={"tasks": {"事项编号": "task_id"}})
    assert result.sheets[0].columns["task_id"] == "事项编号" and result.sheets[0].inserted == 1


def test_rows_that_only_a_merged_cell_reaches_are_not_records(tmp_path):
    write_base(tmp_path)
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [
        ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
        ["B1", "崇北", "便民服务", "2022-02-01", "待接单"],
    ]:
        ws.append(row)
    ws["B2"] = "崇北"
    ws.merge_cells("B2:B5")  # the block was drawn longer than the records
    wb.save(tmp_path / "t.xlsx")
    result = load_paths([tmp_path], db=tmp_path / "w.duckdb")
    tasks = next(s for s in result.sheets if s.kind == "tasks")
    assert (tasks.rows_read, tasks.inserted, tasks.rejected) == (1, 1, 0)


@pytest.mark.parametrize(
    "cells,label",
    [
        (["合计", None, "35"], "合计行"),
        ([None, "合 计：", "35"], "合计行"),
        (["小计(崇北)"], "小计行"),
        (["总计划整改项目", "崇北"], None),  # 总计划 is not 总计
        (["填表人：某某", None, "审核人：某某"], "表尾（填表人、审核人、日期等）"),
        (["制表日期：2023-01-05"], "表尾（填表人、审核人、日期等）"),
        (["备注：本表每月更新"], "备注行"),
        (["填表说明：每行一条"], "备注行"),
        (["T001", "合计"], None),  # judged by the first cell
    ],
)
def test_row_labels(cells, label):
    assert row_label(cells) == label


def test_csv_group_labels_carry_over_the_columns_under_them():
    rows = [["编号", "当事人", None, None, "备注"], [None, "姓名", "电话", "住址", None]]
    filled, groups = csv_groups(rows)
    assert filled[0] == ["编号", "当事人", "当事人", "当事人", "备注"]
    assert groups == {(0, 1), (0, 2), (0, 3)}
