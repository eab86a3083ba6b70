"""The 导入台账 page (AppTest drives st.file_uploader): a preview that writes nothing, a load that runs the
loader, the rejected rows to download, columns placed by the user and remembered per street, and who
may load."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from pathlib import Path

import duckdb
import pytest
from python_calamine import CalamineWorkbook
from streamlit.testing.v1 import AppTest

from etl.load import OUT_OF_SCOPE, load_paths
from streetdash import header_mappings
from streetdash.app import ui, uploads
from tests.ledgers import COMMUNITIES, GRIDS, write_base
from tests.messy_ledgers import FOOTER_NAMES, write_mediation_workbook
from tests.signin import sign_in

ROOT = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def open_upload_page(db: Path, monkeypatch, user: str | None = "admin") -> AppTest:
    """The upload page, signed in as a test user of ``user``'s kind (tests.signin.USERS)."""
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    if user is not None:
        sign_in(at, user)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception
    return at


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


TABLES = {  # the page's tables, told apart by a column only each has
    "upload_preview_sheets": "将新增",
    "upload_preview_rejected": "列",
    "upload_preview_skipped": "行号",
}


def table(at: AppTest, name: str):
    """The first table of the page with the column that marks ``name`` (and, for the skipped rows, not
    the rejected rows' 列)."""
    column = TABLES[name]
    frames = [d.value for d in at.dataframe if column in d.value.columns]
    if name == "upload_preview_skipped":
        frames = [f for f in frames if "列" not in f.columns]
    return frames[0]


def test_preview_writes_nothing_then_the_load_runs_the_loader(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    before = digest(db)
    workbook = write_mediation_workbook(tmp_path / "调解台账.xlsx")
    at = open_upload_page(db, monkeypatch)
    assert at.title[0].value == "导入台账"
    assert "每个文件不超过 50 MB" in at.file_uploader[0].label
    at.file_uploader[0].set_value(("调解台账.xlsx", workbook.read_bytes(), XLSX))
    at.run()
    assert not at.exception, at.exception
    assert digest(db) == before  # the preview is the loader's dry run
    sheets = table(at, "upload_preview_sheets").set_index("工作表")
    assert sheets.loc["两行表头", ["台账类型", "表头行", "将新增", "跳过", "拒绝"]].tolist() == [
        "矛盾纠纷调解台账",
        "3–4",
        3,
        5,
        1,
    ]
    assert sheets.loc["选项", "说明"] == "文件 调解台账.xlsx 工作表「选项」是隐藏的工作表，不是台账，已跳过"
    pairs = [p for d in at.dataframe if "文件中的列" in d.value.columns for p in d.value.values.tolist()]
    assert ["当事人/姓名", "当事人"] in pairs and ["当事人/基本情况/姓名", "当事人"] in pairs
    rejected = table(at, "upload_preview_rejected")
    assert rejected[["工作表", "行号", "列"]].values.tolist()[0] == ["两行表头", 8, "受理时间"]
    skipped = table(at, "upload_preview_skipped")
    assert skipped[["工作表", "行号", "原因"]].values.tolist()[:2] == [
        ["两行表头", 1, "标题行，未导入"],
        ["两行表头", 9, "合计行，未导入"],
    ]

    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已导入：新增 6 行，更新 0 行；跳过 9 行，拒绝 2 行")
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM mediation_cases").fetchall() == [(6,)]
        files = con.execute("SELECT DISTINCT file FROM load_log WHERE kind = 'mediation'").fetchall()
    assert files == [("调解台账.xlsx",)]  # the name the user uploaded, not the temporary folder's
    assert len(at.get("download_button")) == 1
    # The uploader is empty again for the next files; the result stays until dismissed.
    assert not at.file_uploader[0].value
    workbook_bytes = at.session_state["upload_done"]["workbook"]
    book = CalamineWorkbook.from_filelike(io.BytesIO(workbook_bytes))
    rows = book.get_sheet_by_name("被拒绝的行").to_python()
    assert rows[0] == ["文件", "工作表", "行号", "列", "值", "原因"] and len(rows) == 3
    text = repr([book.get_sheet_by_name(n).to_python() for n in book.sheet_names])
    assert not [n for n in FOOTER_NAMES if n in text]


def test_a_first_load_into_no_warehouse_and_uploads_leave_no_file(tmp_path, monkeypatch):
    db = tmp_path / "new" / "w.duckdb"
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # TMPDIR is read again
    at = open_upload_page(db, monkeypatch)
    at.file_uploader[0].set_value(
        [("社区名录.csv", csv_bytes(COMMUNITIES), "text/csv"), ("网格名录.csv", csv_bytes(GRIDS), "text/csv")]
    )
    at.run()
    assert not db.exists()
    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    assert db.exists() and at.success[0].value.startswith("已导入：新增 8 行")
    assert os.listdir(tmp_path / "tmp") == []  # the private upload folders are gone


def test_a_column_placed_by_the_user_is_remembered_for_the_street(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    user = "clerk"
    data = csv_bytes(
        [["事项编号", "所属社区", "任务类别", "发布时间", "状态"], ["A1", "崇北", "便民服务", "2022-02-01", "待接单"]]
    )
    at = open_upload_page(db, monkeypatch, user)
    at.file_uploader[0].set_value(("十月任务.csv", data, "text/csv"))
    at.run()
    sheets = table(at, "upload_preview_sheets")
    assert sheets["说明"][0].startswith("文件 十月任务.csv：识别为任务台账，但缺少必填列：任务编号")
    assert at.button(key="upload_commit").disabled  # nothing readable yet
    at.selectbox(key="upload_map_0_0").set_value("任务编号").run()
    at.button(key="upload_save_map_0").click().run()
    assert not at.exception, at.exception
    assert header_mappings.load_mappings("崇文街道") == {"tasks": {"事项编号": "task_id"}}
    saved = json.loads(header_mappings.mapping_file("崇文街道").read_text(encoding="utf-8"))
    assert saved == {"tasks": {"事项编号": "task_id"}}
    sheets = table(at, "upload_preview_sheets")
    assert (sheets["将新增"][0], sheets["拒绝"][0]) == (1, 0)
    # Next time, on a new page, the street's header is placed by itself.
    again = open_upload_page(db, monkeypatch, user)
    again.file_uploader[0].set_value(("十一月任务.csv", data, "text/csv"))
    again.run()
    assert table(again, "upload_preview_sheets")["将新增"][0] == 1
    header_mappings.mapping_file("崇文街道").unlink()


def test_rows_outside_the_user_s_scope_are_rejected(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    user = "community_clerk"
    rows = [
        ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
        ["A1", "崇北", "便民服务", "2022-02-01", "待接单"],
    ]
    rows.append(["A2", "古桥社区", "便民服务", "2022-02-01", "待接单"])
    at = open_upload_page(db, monkeypatch, user)
    assert "导入范围：崇文街道：崇北社区" in at.caption[0].value
    at.file_uploader[0].set_value(("任务.csv", csv_bytes(rows), "text/csv"))
    at.run()
    rejected = table(at, "upload_preview_rejected")
    assert rejected[["行号", "值", "原因"]].values.tolist() == [[3, "古桥社区", OUT_OF_SCOPE]]


@pytest.mark.parametrize("user", ["community", "district"])
def test_only_loading_roles_may_load(tmp_path, monkeypatch, user):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    at = open_upload_page(db, monkeypatch, user)
    assert at.error[0].value.startswith("您的账号") and "无权查看此页" in at.error[0].value
    assert len(at.file_uploader) == 0


def test_nobody_signed_in_may_not_load(tmp_path, monkeypatch):
    db = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base"), db=db)
    at = open_upload_page(db, monkeypatch, None)
    assert len(at.file_uploader) == 0


def test_upload_names_are_made_safe_and_kept_apart(tmp_path):
    assert uploads.safe_name("../../etc/passwd") == "passwd"
    assert uploads.safe_name("C:\\台账\\任务台账.XLSX") == "任务台账.xlsx"
    assert uploads.safe_name(".隐藏.csv") == "隐藏.csv"
    assert uploads.safe_name("~$任务.xlsx") == "任务.xlsx"
    assert uploads.safe_name("a\x00b\n.csv") == "ab.csv"

    class Upload:
        def __init__(self, name: str, data: bytes):
            self.name, self.data = name, data

        def getvalue(self) -> bytes:
            return self.data

    with uploads.saved_uploads([Upload("任务.csv", b"1"), Upload("sub/任务.csv", b"2")]) as folder:
        assert sorted(p.name for p in folder.iterdir()) == ["任务.csv", "任务（2）.csv"]
        assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert not folder.exists()
    assert ui.md("**粗**[链接](x)") == "\\*\\*粗\\*\\*\\[链接\\]\\(x\\)"
