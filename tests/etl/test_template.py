"""Import templates: headers, notes and drop-downs per kind, and a filled template loads."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from etl.load import load_paths
from etl.reader import locate_header
from etl.template import ENUM_SHEET, default_template_name, field_note, write_template
from streetdash.schema import load_schemas, normalise_header
from tests.ledgers import write_base

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = load_schemas()


@pytest.mark.parametrize("kind", [k.name for k in SCHEMAS.ledgers()])
def test_template_layout(kind, tmp_path):
    k = SCHEMAS.kinds[kind]
    path = write_template(kind, tmp_path / default_template_name(kind))
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == [k.title, ENUM_SHEET, "填写说明"]
    rows = book.get_sheet_by_name(k.title).to_python(skip_empty_area=False)
    assert rows[0][0] == f"{k.title}（导入模板）"
    assert rows[2] == [("*" if f.required else "") + f.header for f in k.fields]
    assert all(note.startswith(("必填", "选填")) for note in rows[1])
    enums = [f for f in k.fields if f.type == "enum"]
    enum_rows = book.get_sheet_by_name(ENUM_SHEET).to_python()
    for i, f in enumerate(enums):
        column = [r[i] for r in enum_rows[1:] if i < len(r) and r[i] != ""]
        assert column == list(SCHEMAS.enums[f.enum].values)
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert len(re.findall(r"<dataValidation ", xml)) == len(enums)
    assert "<pane " in xml and 'ySplit="3"' in xml
    # The title and note rows hold no header of any kind; the loader finds row 3 by itself.
    known = {h for kk in SCHEMAS.kinds.values() for h in kk.header_map()}
    assert not {normalise_header(c) for c in rows[0] + rows[1] if c} & known
    assert locate_header(rows, SCHEMAS, None)[:2] == (2, k)
    instructions = book.get_sheet_by_name("填写说明").to_python()
    assert all(any(f"· {r.reason}" in row for row in instructions) for r in k.rules)


def test_notes_name_references_and_units():
    notes = {f.name: field_note(f, SCHEMAS) for f in SCHEMAS.kinds["tasks"].fields}
    assert notes["grid_id"] == "选填；须为网格名录中已有的编号，且属于所填社区"
    assert notes["lon"] == "选填；小数；范围 73～136"
    assert field_note(SCHEMAS.kinds["job_postings"].field("vacancies"), SCHEMAS) == (
        "必填；整数；单位人，可写成 230人；不小于 1"
    )


def test_cli_writes_a_template(tmp_path):
    out = tmp_path / "t.xlsx"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "template", "tasks", "--out", str(out)], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0 and out.exists()


def test_a_filled_template_loads(tmp_path):
    write_base(tmp_path / "base")
    path = write_template("tasks", tmp_path / "任务台账_导入模板.xlsx")
    book = openpyxl.load_workbook(path)
    sheet = book["任务台账"]
    row = {
        "任务编号": "T100",
        "所属社区": "崇北社区",
        "网格编码": "G1",
        "任务类别": "便民服务",
        "任务内容": "送餐",
        "任务来源": "社区发布",
        "发布时间": dt.datetime(2022, 6, 1, 9, 30),
        "办理时限": dt.datetime(2022, 6, 3),
        "状态": "已办结",
        "办结时间": dt.datetime(2022, 6, 2, 11, 0),
        "满意度": "满意",
    }
    headers = [c.value.lstrip("*") for c in sheet[3]]
    for col, header in enumerate(headers, start=1):
        sheet.cell(row=4, column=col, value=row.get(header))
    book.save(path)
    db = tmp_path / "w.duckdb"
    result = load_paths([tmp_path / "base", path], db=db)
    assert result.rejected == []
    # The instructions and the list sheet are not ledgers, and are not taken for any.
    assert [(s.kind, s.status) for s in result.sheets if s.file == path.name] == [
        (None, "skipped"),
        (None, "skipped"),
        ("tasks", "ok"),
    ]
    tasks = next(s for s in result.sheets if s.kind == "tasks")
    assert (tasks.header_row, tasks.inserted) == (3, 1)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT task_id, published_at, deadline, status FROM tasks").fetchall() == [
            ("T100", dt.datetime(2022, 6, 1, 9, 30), dt.date(2022, 6, 3), "已办结")
        ]
