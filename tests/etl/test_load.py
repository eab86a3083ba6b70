"""Loading: the acceptance scenario of issue 3, upserts, strictness, exit codes and reports."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook

from etl.load import load_paths
from tests.ledgers import write_base, write_csv

ROOT = Path(__file__).resolve().parents[2]
TASK_HEADER = [
    "任务编号",
    "所属社区",
    "网格编码",
    "任务类别",
    "任务内容",
    "任务来源",
    "发布时间",
    "办理时限",
    "状态",
    "办结时间",
    "满意度",
]
MESSY_TASKS = [
    TASK_HEADER,
    [
        "T001",
        "崇北",
        "G1",
        "环境卫生",
        "清理楼道杂物",
        "小程序",
        "2022年8月30日 14:30",
        "2022/9/5",
        "办结",
        "2022-09-01 10:00",
        "满意",
    ],  # row 4
    ["T002", "ＣＢ", "G2", "安全", "检查消防通道", "网格员", "２０２２.9.1", "2022-09-10", "处理中", "", ""],  # row 5
    ["T003", "崇北社区", "G1", "环境卫生", "修路灯", "小程序", "2022-02-30", "", "待接单", "", ""],  # row 6
    ["T004", "东关社区", "", "便民服务", "送药上门", "热线", "2022-09-03", "", "待接单", "", ""],  # row 7
    [
        "T005",
        "崇北社区",
        "G2",
        "便民服务",
        "代缴水费",
        "居民来访",
        "2022-09-05 09:00",
        "",
        "已办结",
        "2022-09-04 18:00",
        "",
    ],  # row 8
    [
        "T001",
        "崇北社区",
        "G1",
        "环境卫生",
        "清理楼道杂物（复查）",
        "小程序",
        "2022年8月30日 14:30",
        "2022/9/5",
        "已完成",
        "2022-09-02 16:00",
        "基本满意",
    ],  # row 9
    ["T006", "崇北", "G3", "微心愿", "圆梦助学", "小程序", "44805", "", "待接单", "", ""],  # row 10
    ["T007", "崇北", "", "其它类", "宣传", "小程序", "2022/9/6", "2022/9/1", "待接单", "", ""],  # row 11
    ["T008", "崇北", "", "疫情防控", "核酸检测引导", "公众号", "44805.5", "", "已接单", "", ""],  # row 12
]
EXPECTED_REJECTIONS = [
    (
        6,
        "发布时间",
        "2022-02-30",
        "不是有效的日期，可用格式：2022-08-30、2022/8/30、2022.8.30、2022年8月30日或 Excel 日期，可带时间 14:30",
    ),
    (7, "所属社区", "东关社区", "社区不在社区名录中（可填社区名称、社区编码或名录中的别名），请先导入或补充社区名录"),
    (8, "办结时间", "2022-09-04 18:00", "办结时间早于发布时间"),
    (10, "网格编码", "G3", "不属于本行所属社区（该网格属于新建社区）"),
    (11, "办理时限", "2022/9/1", "办理时限早于发布时间"),
]


def count(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def messy(tmp_path: Path) -> tuple[Path, list[Path]]:
    base = write_base(tmp_path / "ledgers")
    tasks = write_csv(
        tmp_path / "ledgers" / "任务台账.csv",
        MESSY_TASKS,
        encoding="gb18030",
        title="崇北社区任务台账（2022年）",
        blank_rows=1,
    )
    return tmp_path / "w.duckdb", [tasks, *base]  # tasks first: the loader must reorder


def test_messy_gb18030_task_ledger(messy, tmp_path):
    db, files = messy
    result = load_paths(files, db=db)
    assert result.exit_code == 0 and result.committed
    tasks = next(s for s in result.sheets if s.kind == "tasks")
    assert tasks.header_row == 3
    assert (tasks.rows_read, tasks.inserted, tasks.rejected, tasks.superseded) == (9, 3, 5, 1)
    assert tasks.mapped_to_other == {"任务类别": 1, "任务来源": 1}  # 其它类 and 公众号 became 其他
    got = [(r.row, r.column, r.value, r.reason) for r in result.rejected if r.file == "任务台账.csv"]
    assert got == EXPECTED_REJECTIONS

    rows = count(
        db,
        "SELECT task_id, community_id, grid_id, category, source, published_at, deadline, status,"
        " closed_at, satisfaction, title, source_row FROM tasks ORDER BY task_id",
    )
    assert rows == [
        (
            "T001",
            "CB",
            "G1",
            "环境卫生",
            "小程序",
            dt.datetime(2022, 8, 30, 14, 30),
            dt.date(2022, 9, 5),
            "已办结",
            dt.datetime(2022, 9, 2, 16, 0),
            "基本满意",
            "清理楼道杂物(复查)",
            9,
        ),
        (
            "T002",
            "CB",
            "G2",
            "安全隐患",
            "网格员上报",
            dt.datetime(2022, 9, 1),
            dt.date(2022, 9, 10),
            "办理中",
            None,
            None,
            "检查消防通道",
            5,
        ),
        (
            "T008",
            "CB",
            None,
            "疫情防控",
            "其他",
            dt.datetime(2022, 9, 1, 12, 0),
            None,
            "已接单",
            None,
            None,
            "核酸检测引导",
            12,
        ),
    ]
    # Rejected rows are kept in the warehouse with the same place and reason.
    stored = count(db, 'SELECT "row", "column", value, reason FROM rejected_rows ORDER BY "row"')
    assert stored == EXPECTED_REJECTIONS
    log = count(db, "SELECT kind, rows_read, inserted, rejected, status FROM load_log WHERE kind = 'tasks'")
    assert log == [("tasks", 9, 3, 5, "ok")]

    # Loading the same files again changes no row count and updates nothing.
    again = load_paths(files, db=db)
    tasks_again = next(s for s in again.sheets if s.kind == "tasks")
    assert (tasks_again.inserted, tasks_again.updated, tasks_again.unchanged) == (0, 0, 3)
    assert count(db, "SELECT count(*) FROM tasks") == [(3,)]
    assert count(db, "SELECT count(*) FROM communities") == [(4,)]
    assert count(
        db, "SELECT source_file, batch_id = ? FROM tasks WHERE task_id = 'T002'".replace("?", f"'{result.batch_id}'")
    ) == [("任务台账.csv", True)]


def test_later_ledger_updates_a_record(messy, tmp_path):
    db, files = messy
    load_paths(files, db=db)
    later = write_csv(
        tmp_path / "九月任务.csv",
        [
            TASK_HEADER,
            [
                "T002",
                "崇北社区",
                "G2",
                "安全隐患",
                "检查消防通道",
                "网格员上报",
                "2022-09-01",
                "2022-09-10",
                "已办结",
                "2022-09-08 17:00",
                "满意",
            ],
            ["T009", "崇北社区", "G1", "便民服务", "换灯泡", "小程序", "2022-09-09", "", "待接单", "", ""],
        ],
    )
    result = load_paths([later], db=db)
    sheet = result.sheets[0]
    assert (sheet.inserted, sheet.updated, sheet.unchanged, sheet.rejected) == (1, 1, 0, 0)
    assert count(db, "SELECT status, closed_at FROM tasks WHERE task_id = 'T002'") == [
        ("已办结", dt.datetime(2022, 9, 8, 17, 0))
    ]
    assert count(db, "SELECT count(*) FROM tasks") == [(4,)]


def test_strict_commits_nothing_when_rows_are_rejected(messy):
    db, files = messy
    result = load_paths(files, db=db, strict=True)
    assert result.exit_code == 1 and not result.committed
    assert not db.exists()


def test_nothing_readable_exits_2(tmp_path):
    junk = tmp_path / "笔记.csv"
    junk.write_text("今天开会,讨论了很多事\n明天继续,\n", encoding="utf-8")
    result = load_paths([junk], db=tmp_path / "w.duckdb")
    assert result.exit_code == 2 and not result.committed
    assert result.sheets[0].message == "文件 笔记.csv：前 30 行中找不到任何台账的表头行，请检查列名"


def test_missing_required_column_is_reported(tmp_path):
    write_base(tmp_path)
    no_status = write_csv(
        tmp_path / "任务.csv",
        [["任务编号", "所属社区", "任务类别", "发布时间"], ["T1", "崇北", "环境卫生", "2022-01-01"]],
    )
    result = load_paths([tmp_path], db=tmp_path / "w.duckdb")
    failure = next(s for s in result.sheets if s.file == no_status.name)
    assert failure.status == "error"
    assert failure.message == (
        "文件 任务.csv：识别为任务台账，但缺少必填列：状态（已识别的列：任务编号、所属社区、任务类别、发布时间）"
    )
    assert result.exit_code == 0  # the readable files of the batch were loaded


def test_cli_report_json_and_rejected_workbook(messy, tmp_path):
    db, files = messy
    report = tmp_path / "report.json"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(files[0].parent), "--db", str(db), "--report-json", str(report)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(report.read_text(encoding="utf-8"))
    assert {f["file"] for f in data["files"]} == {"社区名录.csv", "网格名录.csv", "任务台账.csv"}
    assert [(r["row"], r["column"], r["value"], r["reason"]) for r in data["rejected"]] == EXPECTED_REJECTIONS
    assert all(set(r) == {"file", "sheet", "row", "column", "value", "reason"} for r in data["rejected"])
    assert "第 6 行" in proc.stderr and "不是有效的日期" in proc.stderr
    workbook = files[0].parent / "任务台账_错误报告.xlsx"
    rows = CalamineWorkbook.from_path(str(workbook)).get_sheet_by_index(0).to_python()
    assert rows[0] == ["文件", "工作表", "行号", "列", "值", "原因"]
    assert [(int(r[2]), r[3], r[5]) for r in rows[1:]] == [(r, c, why) for r, c, _, why in EXPECTED_REJECTIONS]
    # A second load of the folder does not take the error report for a ledger.
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(files[0].parent), "--db", str(db), "--strict"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 1
    assert "错误报告" not in "".join(line for line in proc.stderr.splitlines() if "找不到" in line)


def test_rejected_workbooks_never_overwrite_each_other(tmp_path):
    from etl.report import write_rejected_workbooks

    write_base(tmp_path / "base")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    bad = [TASK_HEADER, ["X1", "东关社区", "", "便民服务", "x", "热线", "2022-09-03", "", "待接单", "", ""]]
    files = [
        write_csv(tmp_path / "a" / "任务台账.csv", bad),
        write_csv(tmp_path / "b" / "任务台账.csv", bad),
        write_csv(tmp_path / "a" / "任务台账.xlsx.csv", bad),
    ]
    result = load_paths([tmp_path / "base", *files], db=tmp_path / "w.duckdb")
    written = write_rejected_workbooks(result, tmp_path / "reports")
    assert len(written) == len(set(written)) == 3
