"""Personal information: the SQL HMAC equals the reference, masks, ID checks, and no raw PII stored."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from etl.pii import create_pii_macros, hmac_pads, id_number_valid_py, load_secret, mask_name_py, person_key_py
from tests.ledgers import GRIDS, write_base, write_csv, write_xlsx

VALID_IDS = ["11010519491231002X", "140102198805060015", "370811199203154526"]


def test_sql_hmac_matches_python_hmac():
    key = b"k" * 32
    con = duckdb.connect()
    create_pii_macros(con, key)
    for message in ["name:CB:张三", "id:11010519491231002X", "name::欧阳娜娜", "x" * 300]:
        assert con.execute("SELECT person_key(?)", [message]).fetchall()[0][0] == person_key_py(key, message)
    long_key = bytes(range(100))  # keys longer than a block are hashed first, as RFC 2104 says
    create_pii_macros(con, long_key)
    assert con.execute("SELECT person_key('a')").fetchall()[0][0] == person_key_py(long_key, "a")
    assert len(hmac_pads(long_key)[0]) == 64


@pytest.mark.parametrize(
    "name,masked", [("张三", "张*"), ("王小明", "王**"), ("欧阳娜娜", "欧阳**"), ("欧阳", "欧*"), ("李", "李")]
)
def test_masking(name, masked):
    con = duckdb.connect()
    create_pii_macros(con, b"k")
    assert mask_name_py(name) == masked
    assert con.execute("SELECT mask_name(?)", [name]).fetchall()[0][0] == masked


@pytest.mark.parametrize(
    "id_number,valid",
    [(i, True) for i in VALID_IDS]
    + [
        ("110105194912310021", False),
        ("11010519491231002", False),
        ("1101051949123100XX", False),
        ("110105194912310020", False),
    ],
)
def test_id_check_digit(id_number, valid):
    con = duckdb.connect()
    create_pii_macros(con, b"k")
    assert id_number_valid_py(id_number) is valid
    assert con.execute("SELECT id_valid(?)", [id_number]).fetchall()[0][0] is valid


def test_secret_is_created_once_with_private_permissions(tmp_path):
    path = tmp_path / "sub" / "key.secret"
    first = load_secret(path)
    assert len(first) == 32 and load_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


SEEKERS = [
    ["记录编号", "所属社区", "姓名", "身份证号", "联系电话", "人员类别", "服务阶段", "日期"],
    ["R1", "崇北", "赵铁柱", VALID_IDS[1], "13800138000", "失业人员", "求职登记", "2022-03-01"],
    ["R2", "崇北", "赵铁柱", VALID_IDS[1], "138 0013 8000", "失业人员", "达成意向", "2022-03-05"],
    [
        "R3",
        "崇北",
        "钱多多",
        "140102198805060016",
        "13912345678",
        "高校毕业生",
        "求职登记",
        "2022-03-02",
    ],  # bad check digit
    ["R4", "崇北", "孙悟空", VALID_IDS[2], "1234567", "其他", "求职登记", "2022-03-03"],  # bad phone
    ["R5", "新建", "司马相如", "", "", "妇女", "已上岗", "2022-04-01"],
]
CLAIMS = [
    ["任务编号", "党员姓名", "身份", "接单时间", "服务时长（小时）"],
    ["T1", "周星驰", "党员", "2022-05-02 09:00", "2.5小时"],
    ["T1", "吴彦祖", "志愿者", "2022-05-01 09:00", "1"],  # before the task was published
]
RAW_PII = [
    "赵铁柱",
    "钱多多",
    "孙悟空",
    "司马相如",
    "周星驰",
    "吴彦祖",
    "张三丰",
    "欧阳娜娜",
    "李四",
    "郑成功",
    "冯巩",
    *VALID_IDS,
    "140102198805060016",
    "13800138000",
    "138 0013 8000",
    "13912345678",
    "1234567",
]


@pytest.fixture
def loaded_with_pii(tmp_path: Path) -> Path:
    folder = tmp_path / "ledgers"
    write_base(folder)
    write_csv(folder / "就业服务.csv", SEEKERS, encoding="utf-8-sig")
    write_xlsx(
        folder / "任务与接单.xlsx",
        {
            "任务": [
                ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
                ["T1", "崇北", "便民服务", "2022-05-01 10:00", "已接单"],
            ],
            "接单": CLAIMS,
        },
    )
    write_csv(
        folder / "调解.csv",
        [
            ["案件编号", "所属社区", "纠纷类型", "当事人", "受理时间", "调解结果"],
            ["M1", "崇北", "邻里", "郑成功、冯巩", "2022-06-01", "调解中"],
        ],
        encoding="gb18030",
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([folder], db=db)
    assert result.committed
    return db


def test_no_raw_personal_information_in_any_table(loaded_with_pii):
    with duckdb.connect(str(loaded_with_pii), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE data_type = 'VARCHAR' OR data_type LIKE 'VARCHAR[]%'"
        ).fetchall()
        assert len(columns) > 50
        found = []
        for table, column in columns:
            text = f'CAST("{column}" AS VARCHAR)'
            for raw in RAW_PII:
                hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE strpos({text}, ?) > 0', [raw]).fetchall()[0][
                    0
                ]
                if hits:
                    found.append((table, column, raw))
        assert found == []
        # What is stored instead: keys and masks.
        rows = con.execute("SELECT record_id, person_key, person_masked FROM job_seekers ORDER BY record_id").fetchall()
        assert [r[2] for r in rows] == ["赵**", "赵**", "司马**"]
        assert rows[0][1] == rows[1][1]  # the same resident is one person_key
        assert all(len(r[1]) == 64 for r in rows)
        assert con.execute("SELECT parties_masked FROM mediation_cases").fetchall() == [(["郑**", "冯*"],)]
        assert con.execute("SELECT leader_masked FROM grids ORDER BY grid_id").fetchall() == [
            ("张**",),
            ("欧阳**",),
            (None,),
            ("李*",),
        ]


def test_bad_pii_values_are_rejected_masked(loaded_with_pii):
    with duckdb.connect(str(loaded_with_pii), read_only=True) as con:
        rows = con.execute(
            'SELECT file, "row", "column", value, reason FROM rejected_rows ORDER BY file, "row"'
        ).fetchall()
    assert rows == [
        ("任务与接单.xlsx", 3, "接单时间", "2022-05-01 09:00", "接单时间早于任务发布时间"),
        (
            "就业服务.csv",
            4,
            "身份证号",
            "140*************16",
            "身份证号应为18位且校验位正确（若以数字格式保存会丢失末尾数字，请设为文本）",
        ),
        ("就业服务.csv", 5, "联系电话", "*******", "不是有效的11位手机号"),
    ]


def test_grids_fixture_has_the_leaders_the_scan_looks_for():
    assert {r[5] for r in GRIDS[1:]} - {""} <= set(RAW_PII)
