"""ID and mobile numbers typed into free text are masked when loaded, and a mediator is a person.

The scan loads one row of every ledger kind with ID and mobile numbers in every free-text field and
personal names in every person field (调解员 among them), through the command line, then looks for
the raw numbers and names in every VARCHAR column of every table and view, in rejected_rows, in the
rejected-row workbook, in the JSON report and on the console.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pytest
from python_calamine import CalamineWorkbook

from etl.normalise import DATE_FORMS, normalise_text
from etl.pii import ID_TOKEN, PHONE_TOKEN, mask_numbers, mask_numbers_py
from streetdash.schema import FREE_TEXT_TYPES, load_schemas
from tests.ledgers import write_csv, write_xlsx

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = load_schemas()

# Two ID numbers (18 digits ending in X, 15 digits) and three mobile numbers (plain, 3-4-4, after +86).
FREE_TEXT = "联系人电话13812345678，身份证11010519491231002X，备用138-0013-8000，老证号110105491231002，+8613912345678"
RAW_NUMBERS = [
    "13812345678",
    "11010519491231002X",
    "138-0013-8000",
    "13800138000",
    "110105491231002",
    "8613912345678",
    "13912345678",
]
FREE_TEXT_IDS, FREE_TEXT_PHONES = 2, 3
NAMES = ["王建国", "李秀英", "赵铁柱", "钱多多", "郑成功", "冯巩", "欧阳娜娜"]
ID_NUMBER, PHONE = "140102198805060015", "13700137000"


# ---------------------------------------------------------------------------------------------
# The masking itself


@pytest.mark.parametrize(
    "text,masked",
    [
        ("电话13812345678", f"电话{PHONE_TOKEN}"),
        ("身份证11010519491231002X。", f"身份证{ID_TOKEN}。"),
        ("身份证11010519491231002x", f"身份证{ID_TOKEN}"),
        ("老证号110105491231002", f"老证号{ID_TOKEN}"),
        ("138-0013-8000 或 139 1234 5678", f"{PHONE_TOKEN} 或 {PHONE_TOKEN}"),
        ("+8613912345678", f"+{PHONE_TOKEN}"),
        ("13812345678,13912345678;13712345678", f"{PHONE_TOKEN},{PHONE_TOKEN};{PHONE_TOKEN}"),
        # Digits next to other digits are never part of a match.
        ("订单号2138123456789", "订单号2138123456789"),
        ("138123456789", "138123456789"),
        ("0138 1234 5678", "0138 1234 5678"),
        ("1101051949123100211", "1101051949123100211"),
        # An 18-digit number with a wrong check digit is not an ID number; 11 digits not 1[3-9] no phone.
        ("流水110105194912310021", "流水110105194912310021"),
        ("12012345678", "12012345678"),
        ("2022年8月30日14:30，230人", "2022年8月30日14:30，230人"),
    ],
)
def test_masking_rules(text, masked):
    assert mask_numbers_py(text) == masked
    assert mask_numbers(pa.array([text]))[0].to_pylist() == [masked]


def test_vectorised_masking_equals_the_reference_on_random_text():
    rng = random.Random(13)
    alphabet = "0123456789" * 5 + "1X x-，,电话号 +86"
    numbers = ["11010519491231002X", "140102198805060015", "110105491231002", "13812345678", "159 1234 5678"]
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 50))) for _ in range(20_000)]
    values += [
        rng.choice(["", "a", "1", " ", "-"]) + rng.choice(numbers) + rng.choice(["", "b", "2", ",", "X", " "])
        for _ in range(5_000)
    ]
    values += [None] * 10
    masked, counts = mask_numbers(pa.array(values))
    expected = [None if v is None else mask_numbers_py(v) for v in values]
    assert masked.to_pylist() == expected
    text = "".join(e for e in expected if e)
    assert counts.id_numbers == text.count(ID_TOKEN) and counts.phones == text.count(PHONE_TOKEN)


def test_nothing_to_mask_returns_the_same_array():
    values = pa.array(["清理楼道杂物", None, "2022年第3季度", "门牌 12 号"])
    masked, counts = mask_numbers(values)
    assert masked is values and not counts


def test_dictionary_columns_are_masked_once_and_counted_per_row():
    # A column of few distinct values is cleaned (and masked) per distinct value: the counts still count rows.
    rows = 50_000
    titles = np.array(["清理楼道杂物", "联系13812345678", None, "身份证110105491231002"], dtype=object)
    column = pa.array(titles[np.arange(rows) % 4])
    table, counts = normalise_text(pa.table({"title": column, "code": column}), free_text={"title"})
    assert (counts.phones, counts.id_numbers) == (rows // 4, rows // 4)
    assert table["title"].to_pylist()[:4] == ["清理楼道杂物", f"联系{PHONE_TOKEN}", None, f"身份证{ID_TOKEN}"]
    assert table["code"].to_pylist()[1] == "联系13812345678"  # not a free-text column: left alone


def test_free_text_fields_are_the_texts_that_are_not_codes():
    tasks = SCHEMAS.kinds["tasks"]
    assert [f.name for f in tasks.free_text_fields] == ["title"]
    assert {f.name for f in SCHEMAS.kinds["campaigns"].free_text_fields} == {"campaign", "metric", "unit"}
    assert {f.name for f in SCHEMAS.kinds["communities"].free_text_fields} == {"name", "street", "aliases"}
    assert SCHEMAS.kinds["task_claims"].free_text_fields == []


def test_a_mediator_named_in_person_is_a_person_field():
    mediation = SCHEMAS.kinds["mediation"]
    assert mediation.header_map()["调解员"] == "mediator_person"
    assert mediation.field("mediator_person").type == "person"
    assert mediation.header_map()["调解组织"] == mediation.header_map()["调解小组"] == "mediator"
    # No header that names a person maps to a text field, in any kind.
    person_words = ("员", "人", "长", "姓名")
    for kind in SCHEMAS.ledgers():
        for f in kind.fields:
            if f.type in FREE_TEXT_TYPES:
                assert not any(h.endswith(person_words) for h in f.headers), (kind.name, f.name, f.headers)


# ---------------------------------------------------------------------------------------------
# The scan


def _value(kind, f, row: int) -> str:
    """A valid value for every field of a ledger, free text full of numbers, persons with full names."""
    if f.type in FREE_TEXT_TYPES and f.name not in kind.code_fields:
        return FREE_TEXT
    if f.type == "text":
        return "CB" if kind.name == "communities" else f"{kind.name}-{row}"
    if f.type == "community":
        return "CB"
    if f.type == "ref" and f.ref == kind.name:  # a tree (party organisations): row 1 is its root
        return "" if row == 1 else f"{kind.name}-1"
    if f.type == "ref":
        return f"{f.ref}-1"
    if f.type == "person":
        return NAMES[(row + len(f.name)) % len(NAMES)] if f.name != "mediator_person" else "王建国"
    if f.type == "person_list":
        return "郑成功、冯巩"
    if f.type == "id_number":
        return ID_NUMBER
    if f.type == "phone":
        return PHONE
    if f.type in ("int", "decimal", "float"):
        return str((f.min + f.max) / 2) if f.min is not None and f.max is not None else "5"
    if f.type == "date":
        return "2022-03-01"
    if f.type == "datetime":
        return "2022-03-01 09:00"
    if f.type == "enum":
        return SCHEMAS.enums[f.enum].values[0]
    raise AssertionError(f.type)


def _sheet(kind, rows: int = 2) -> list[list[str]]:
    return [[f.header for f in kind.fields]] + [[_value(kind, f, r) for f in kind.fields] for r in range(1, rows + 1)]


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    root = tmp_path_factory.mktemp("pii-scan")
    sheets = {kind.title: _sheet(kind, 1 if kind.name == "communities" else 2) for kind in SCHEMAS.ledgers()}
    # Rows that are rejected with a free-text or a mistyped value: a community name used twice in a street
    # (reported with the name; a second file, so that the first one stands), a phone number as 办结时间,
    # an ID number as 状态.
    communities = sheets["社区名录"]
    write_csv(root / "社区名录补充.csv", [communities[0], ["DUP", *communities[1][1:]]])
    tasks = sheets["任务台账"]
    headers = tasks[0]
    bad_date = list(tasks[1])
    bad_date[headers.index("任务编号")], bad_date[headers.index("办结时间")] = "tasks-8", "13912345678"
    bad_enum = list(tasks[1])
    bad_enum[headers.index("任务编号")], bad_enum[headers.index("状态")] = "tasks-9", "11010519491231002X"
    tasks += [bad_date, bad_enum]
    ledger = write_xlsx(root / "全部台账.xlsx", sheets)
    db, reports, report_json = root / "w.duckdb", root / "reports", root / "result.json"
    proc = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(ledger), str(root / "社区名录补充.csv"), "--db", str(db)]
        + ["--report-dir", str(reports)]
        + ["--report-json", str(report_json)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return db, reports, json.loads(report_json.read_text(encoding="utf-8")), proc.stdout + proc.stderr


def test_every_kind_was_loaded(loaded):
    _, _, report, _ = loaded
    kinds = {f["kind"] for f in report["files"] if f["status"] == "ok"}
    assert kinds == {k.name for k in SCHEMAS.ledgers()}
    assert all(f["inserted"] >= 1 for f in report["files"] if f["file"] == "全部台账.xlsx")


def test_no_raw_number_or_name_anywhere(loaded):
    db, reports, report, console = loaded
    found = []
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE data_type = 'VARCHAR' OR data_type LIKE 'VARCHAR[]%'"
        ).fetchall()
        assert len(columns) > 100
        for table, column in columns:
            text = f'CAST("{column}" AS VARCHAR)'
            for raw in RAW_NUMBERS + NAMES + [ID_NUMBER, PHONE]:
                sql = f'SELECT count(*) FROM "{table}" WHERE strpos({text}, ?) > 0'
                if con.execute(sql, [raw]).fetchall()[0][0]:
                    found.append((table, column, raw))
        assert con.execute("SELECT count(*) FROM rejected_rows").fetchall()[0][0] == 3
    workbooks = sorted(reports.glob("*_错误报告.xlsx"))
    assert [w.name for w in workbooks] == ["全部台账_错误报告.xlsx", "社区名录补充_错误报告.xlsx"]
    cells = " ".join(
        str(v)
        for workbook in workbooks
        for book in [CalamineWorkbook.from_path(str(workbook))]
        for name in book.sheet_names
        for r in book.get_sheet_by_name(name).to_python()
        for v in r
    )
    assert "[手机号]" in cells and "[身份证号]" in cells
    for where, text in [("workbook", cells), ("json", json.dumps(report, ensure_ascii=False)), ("console", console)]:
        found += [(where, raw) for raw in RAW_NUMBERS + NAMES + [ID_NUMBER, PHONE] if raw in text]
    assert found == []


def test_what_is_stored_instead(loaded):
    db, _, _, _ = loaded
    masked = FREE_TEXT.replace("，", ",")  # stored after NFKC
    for raw, token in [
        ("13812345678", PHONE_TOKEN),
        ("11010519491231002X", ID_TOKEN),
        ("138-0013-8000", PHONE_TOKEN),
        ("110105491231002", ID_TOKEN),
        ("8613912345678", PHONE_TOKEN),
    ]:
        masked = masked.replace(raw, token)
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT DISTINCT title FROM tasks").fetchall() == [(masked,)]
        assert con.execute(
            "SELECT mediator, mediator_person_masked, length(mediator_person_key) FROM mediation_cases LIMIT 1"
        ).fetchall() == [(masked, "王**", 64)]
        rejected = con.execute('SELECT "column", value, reason FROM rejected_rows ORDER BY "row"').fetchall()
    assert rejected == [
        ("社区名称", masked, "同一街道内社区名称重复"),
        ("办结时间", PHONE_TOKEN, f"不是有效的日期，可用格式：{DATE_FORMS}"),
        ("状态", ID_TOKEN, "不是「状态」的可选值，可选：待接单、已接单、办理中、已办结、已关闭"),
    ]


def test_masked_numbers_are_counted_per_file_and_sheet(loaded):
    db, _, report, _ = loaded
    expected = {}
    for kind in SCHEMAS.ledgers():
        sheet = next(f for f in report["files"] if f["kind"] == kind.name and f["sheet"])
        fields = len(kind.free_text_fields)
        assert (sheet["id_numbers_in_text"], sheet["phones_in_text"]) == (
            sheet["rows_read"] * fields * FREE_TEXT_IDS,
            sheet["rows_read"] * fields * FREE_TEXT_PHONES,
        ), kind.name
        expected[kind.title] = (sheet["id_numbers_in_text"], sheet["phones_in_text"])
    tasks = report["files"][[f["kind"] for f in report["files"]].index("tasks")]
    assert (tasks["id_numbers_in_text"], tasks["phones_in_text"]) == (4 * 2, 4 * 3)
    assert tasks["message"] == "文字中的 8 个身份证号、12 个手机号已遮盖"
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("SELECT sheet, id_numbers_in_text, phones_in_text FROM load_log WHERE sheet IS NOT NULL")
        logged = {sheet: (ids, phones) for sheet, ids, phones in rows.fetchall()}
        messages = con.execute("SELECT message FROM load_log WHERE kind = 'tasks'").fetchall()
    assert logged == expected
    assert messages == [("文字中的 8 个身份证号、12 个手机号已遮盖",)]
