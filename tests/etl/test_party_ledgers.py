"""The party-building ledgers (党建引领, LEDGERS.md "Party building") through the real loader: each kind
loads, and each rejects the bad inputs of the contract with the place and a Chinese reason."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from tests.ledgers import write_base, write_csv, write_xlsx

ID_OK = "140102198805060015"
ID_BAD = "140102198805060016"  # wrong check digit

ORGS = [
    ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属社区", "网格编码", "党员数", "成立日期"],
    ["CW", "崇文街道党工委", "街道党工委", "", "", "", "", "2010-01-01"],
    # A child above its parent in the sheet: the parent may come later in the same sheet.
    ["CB-1", "崇北一网格党支部", "网格党支部", "CB", "崇北", "G1", "23", "2019-05-01"],
    ["CB", "崇北社区党委", "社区党委", "CW", "崇北社区", "", "120", "2012-03-01"],
    ["CB-2", "崇北小区党支部", "小区党支部", "CB", "崇北", "", "31", ""],
    ["CB-2-1", "3号楼党小组", "楼栋党小组", "CB-2", "崇北", "", "8", ""],
    ["XJ", "新建社区党总支", "总支", "CW", "新建", "", "60", ""],
]
MEMBERS = [
    [
        "报到编号",
        "姓名",
        "身份证号",
        "联系电话",
        "报到社区",
        "网格编码",
        "党员类型",
        "所在党组织",
        "编入党组织",
        "报到日期",
        "离开日期",
    ],
    ["B1", "周星驰", ID_OK, "13800138000", "崇北", "G1", "在职党员", "市教育局机关党委", "CB-1", "2022-01-10", ""],
    ["B2", "吴彦祖", "", "", "崇北", "", "退休党员", "", "CB-2", "2022-02-01", "2022-06-30"],
    ["B3", "梁朝伟", "", "", "新建", "G3", "流动党员", "", "", "2022-03-01", ""],
]
UNITS = [
    ["单位编码", "单位名称", "所属社区", "单位类型", "爱心联盟", "需求清单", "资源清单", "签约日期"],
    ["U1", "市第一中学", "崇北", "中小学", "否", "2项", "5", "2021-09-01"],
    ["U2", "便民超市", "崇北", "商户", "是", "0", "3", "2022-04-01"],
]
PROJECTS = [
    [
        "项目编号",
        "所属社区",
        "项目名称",
        "项目来源",
        "责任单位",
        "责任人",
        "启动日期",
        "计划完成",
        "进度",
        "销号日期",
        "投入资金",
    ],
    [
        "P1",
        "崇北",
        "加装电梯",
        "民生实事",
        "市第一中学",
        "周星驰",
        "2022-03-01",
        "2022-10-31",
        "已销号",
        "2022-10-20",
        "35",
    ],
    ["P2", "崇北", "老旧管网改造", "为民办实事", "住建局", "", "2022-04-01", "2022-08-31", "推进中", "", "120万元"],
    ["P3", "新建", "助学微心愿", "心愿", "", "", "", "2022-12-31", "未启动", "", ""],
]
VOLUNTEERS = [
    ["编号", "所属社区", "类别", "名称", "姓名", "特长类别", "人数", "登记日期"],
    ["V1", "崇北", "志愿服务队", "红马甲志愿服务队", "郑成功", "助老", "25", "2021-05-01"],
    ["V2", "崇北", "宝藏邻居", "", "冯巩", "维修", "", "2022-02-01"],
]
RAW_PII = ["周星驰", "吴彦祖", "梁朝伟", "郑成功", "冯巩", ID_OK, ID_BAD, "13800138000", "12345"]


def write_party(folder: Path, **extra: list[list[str]]) -> list[Path]:
    """The community and grid lists, the five party ledgers, and any more sheets given (name -> rows)."""
    paths = write_base(folder)
    paths.append(write_xlsx(folder / "党组织.xlsx", {"党组织名录": ORGS}))
    paths.append(write_csv(folder / "报到.csv", MEMBERS, encoding="gb18030"))
    paths.append(write_csv(folder / "共建单位.csv", UNITS))
    paths.append(write_csv(folder / "民生实事.csv", PROJECTS, encoding="utf-8-sig"))
    paths.append(write_csv(folder / "志愿.csv", VOLUNTEERS))
    for name, rows in extra.items():
        paths.append(write_csv(folder / f"{name}.csv", rows))
    return paths


@pytest.fixture(scope="module")
def loaded(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("party")
    db = folder / "w.duckdb"
    return db, load_paths(write_party(folder / "ledgers"), db=db)


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_party_kind_loads_and_is_detected_by_its_headers(loaded):
    db, result = loaded
    assert result.rejected == []
    inserted = {s.kind: s.inserted for s in result.sheets}
    assert inserted == {
        "communities": 4,
        "grids": 4,
        "party_orgs": 6,
        "party_members": 3,
        "units": 2,
        "projects": 3,
        "volunteers": 2,
    }


def test_typed_values(loaded):
    db, _ = loaded
    assert rows(
        db, "SELECT org_id, kind, parent_id, community_id, grid_id, members FROM party_orgs ORDER BY org_id"
    ) == [
        ("CB", "社区党委", "CW", "CB", None, 120),
        ("CB-1", "网格党支部", "CB", "CB", "G1", 23),
        ("CB-2", "小区党支部", "CB", "CB", None, 31),
        ("CB-2-1", "楼栋党小组", "CB-2", "CB", None, 8),
        ("CW", "街道党工委", None, None, None, None),
        ("XJ", "党总支", "CW", "XJ", None, 60),
    ]
    assert rows(db, "SELECT record_id, kind, branch_id, left_at FROM party_members ORDER BY record_id") == [
        ("B1", "在职党员", "CB-1", None),
        ("B2", "离退休党员", "CB-2", dt.date(2022, 6, 30)),
        ("B3", "流动党员", None, None),
    ]
    assert rows(db, "SELECT unit_id, kind, alliance, needs, resources FROM units ORDER BY unit_id") == [
        ("U1", "学校", "否", 2, 5),
        ("U2", "商户", "是", 0, 3),
    ]
    assert rows(db, "SELECT project_id, source, status, closed_at, budget, owner_masked FROM projects ORDER BY 1") == [
        ("P1", "民生实事", "已销号", dt.date(2022, 10, 20), 35.0, "周**"),
        ("P2", "民生实事", "推进中", None, 120.0, None),
        ("P3", "微心愿", "未启动", None, None, None),
    ]
    assert rows(db, "SELECT volunteer_id, kind, skill, members, person_masked FROM volunteers ORDER BY 1") == [
        ("V1", "志愿服务队", "助老助残", 25, "郑**"),
        ("V2", "宝藏邻居", "家政维修", None, "冯*"),
    ]


def test_a_member_is_the_same_person_as_the_claimant_of_the_same_name_in_the_community(tmp_path):
    """person_key by community and name, as the claims (which have no ID number) key their 接单人."""
    folder = tmp_path / "ledgers"
    write_party(
        folder,
        tasks=[
            ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
            ["T1", "崇北", "便民服务", "2022-05-01", "已接单"],
        ],
        claims=[
            ["任务编号", "接单人", "接单时间"],
            ["T1", "周星驰", "2022-05-02 09:00"],
            ["T1", "梁朝伟", "2022-05-02 10:00"],
        ],
    )
    db = tmp_path / "w.duckdb"
    assert load_paths([folder], db=db).rejected == []
    matched = rows(
        db,
        "SELECT m.record_id FROM party_members m JOIN task_claims k USING (person_key) ORDER BY 1",
    )
    assert matched == [("B1",)]  # 梁朝伟 reported to 新建, the task is 崇北's: another person


def test_reloading_changes_nothing(loaded):
    db, first = loaded
    again = load_paths([Path(db).parent / "ledgers"], db=db)
    assert all((s.inserted, s.updated) == (0, 0) for s in again.sheets if s.status == "ok")


def reasons(tmp_path: Path, kind_file: str, sheet_rows: list[list[str]]) -> list[tuple]:
    """Load the base, the good party ledgers and one more (bad) ledger; the rejections of that file."""
    folder = tmp_path / "ledgers"
    write_party(folder, **{kind_file: sheet_rows})
    result = load_paths([folder], db=tmp_path / "w.duckdb")
    assert result.committed
    return [(r.row, r.column, r.value, r.reason) for r in result.rejected if r.file == f"{kind_file}.csv"]


def test_org_tree_parents_must_exist_and_never_cycle(tmp_path):
    got = reasons(
        tmp_path,
        "追加党组织",
        [
            ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属社区", "网格编码"],
            ["N1", "无名支部", "党支部", "NOPE", "崇北", ""],  # 2: the parent does not exist
            ["N2", "孤儿党小组", "楼栋党小组", "N1", "崇北", ""],  # 3: its parent was rejected
            ["N3", "甲支部", "党支部", "N4", "崇北", ""],  # 4, 5: a cycle N3 -> N4 -> N3
            ["N4", "乙支部", "党支部", "N3", "崇北", ""],
            ["N5", "自己", "党支部", "N5", "崇北", ""],  # 6: its own parent
            ["N6", "没有上级", "党支部", "", "崇北", ""],  # 7: only a 街道党工委 has no parent
            ["N7", "没有社区", "党支部", "CW", "", ""],  # 8: only a 街道党工委 has no community
            ["N8", "错网格", "网格党支部", "CB", "崇北", "G3"],  # 9: G3 is 新建's grid
            [
                "N9",
                "挂在已有组织下",
                "党支部",
                "CB-2",
                "崇北",
                "",
            ],  # fine: loaded after 党组织.xlsx, whose CB-2 it names
        ],
    )
    by_row = {r: reason for r, _, _, reason in got}
    assert "在党组织名录中不存在" in by_row[2]
    assert "上级组织在本表中的行有误" in by_row[3]
    assert "形成循环" in by_row[4] and "形成循环" in by_row[5]
    assert by_row[6] == "上级组织不能是本组织"
    assert by_row[7] == "除街道党工委外必须填写上级组织编码"
    assert by_row[8] == "除街道党工委外必须填写所属社区"
    assert by_row[9].startswith("不属于本行所属社区")
    assert 10 not in by_row


def test_a_cycle_through_the_warehouse_is_rejected(tmp_path):
    """An organisation already loaded cannot be made the child of its own descendant."""
    folder = tmp_path / "ledgers"
    write_party(folder)
    db = tmp_path / "w.duckdb"
    load_paths([folder], db=db)
    later = tmp_path / "later"
    later.mkdir()
    write_csv(
        later / "orgs.csv",
        [
            ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属社区"],
            ["CB", "崇北社区党委", "社区党委", "CB-2-1", "崇北"],
        ],
    )
    result = load_paths([later], db=db)
    assert [(r.row, r.reason) for r in result.rejected] == [
        (2, "上级组织关系形成循环（沿上级组织向上最终又回到本组织），请核对上级组织编码")
    ]
    assert rows(db, "SELECT parent_id FROM party_orgs WHERE org_id = 'CB'") == [("CW",)]


def test_member_rows_bad_id_phone_dates_and_branch(tmp_path):
    got = reasons(
        tmp_path,
        "more_members",
        [
            ["报到编号", "姓名", "身份证号", "联系电话", "报到社区", "党员类型", "编入党组织", "报到日期", "离开日期"],
            ["B9", "孙悟空", ID_BAD, "", "崇北", "在职党员", "", "2022-01-01", ""],
            ["B10", "猪八戒", "", "12345", "崇北", "在职党员", "", "2022-01-01", ""],
            ["B11", "沙悟净", "", "", "崇北", "在职党员", "", "2022-05-01", "2022-04-01"],
            ["B12", "唐僧", "", "", "新建", "在职党员", "CB-1", "2022-05-01", ""],
            ["B13", "白龙马", "1.40102E+17", "", "崇北", "在职党员", "", "2022-05-01", ""],
            ["B14", "", "", "", "崇北", "在职党员", "", "", ""],
        ],
    )
    by_row = {}
    for r, column, value, reason in got:
        by_row.setdefault(r, []).append((column, value, reason))
    assert by_row[2] == [
        ("身份证号", "140*************16", "身份证号应为18位且校验位正确（若以数字格式保存会丢失末尾数字，请设为文本）")
    ]
    assert by_row[3] == [("联系电话", "*****", "不是有效的11位手机号")]
    assert by_row[4] == [("离开日期", "2022-04-01", "离开日期早于报到日期")]
    assert by_row[5][0][0] == "编入党组织" and by_row[5][0][2].startswith("不属于本行所属社区")
    assert "文本" in by_row[6][0][2]
    assert {c for c, _, _ in by_row[7]} == {"姓名", "报到日期"}


def test_project_closed_without_a_date_and_dates_out_of_order(tmp_path):
    got = reasons(
        tmp_path,
        "more_projects",
        [
            ["项目编号", "所属社区", "项目名称", "项目来源", "启动日期", "计划完成", "进度", "销号日期"],
            ["P7", "崇北", "路灯", "民生实事", "2022-01-01", "2022-05-01", "已销号", ""],
            ["P8", "崇北", "绿化", "民生实事", "2022-06-01", "2022-05-01", "推进中", ""],
            ["P9", "崇北", "停车", "民生实事", "2022-06-01", "2022-08-01", "已销号", "2022-05-01"],
            ["P10", "崇北", "其他", "民生实事", "", "", "快好了", ""],
        ],
    )
    assert [(r, c, why) for r, c, _, why in got] == [
        (2, "销号日期", "进度为已销号时必须填写销号日期"),
        (3, "计划完成", "计划完成日期早于启动日期"),
        (4, "销号日期", "销号日期早于启动日期"),
        (5, "计划完成", "必填项为空"),
        (5, "进度", "不是「进度」的可选值，可选：未启动、推进中、已销号、延期"),
    ]


def test_units_and_volunteers_bad_rows(tmp_path):
    got = reasons(
        tmp_path,
        "more_units",
        [
            ["单位编码", "单位名称", "所属社区", "单位类型", "爱心联盟", "需求清单", "签约日期"],
            ["U8", "某单位", "不存在社区", "机关", "是", "1", "2022-01-01"],
            ["U9", "某商户", "崇北", "商户", "也许", "-1", "2022/13/01"],
        ],
    )
    assert {(r, c) for r, c, _, _ in got} == {(2, "所属社区"), (3, "爱心联盟"), (3, "需求清单"), (3, "签约日期")}
    got = reasons(
        tmp_path / "v",
        "more_volunteers",
        [
            ["编号", "所属社区", "类别", "名称", "姓名", "特长类别", "人数", "登记日期"],
            ["V8", "崇北", "志愿服务队", "", "张某", "文艺", "0", "2022-01-01"],
            ["V9", "崇北", "宝藏邻居", "", "", "法律", "", "2022-01-01"],
        ],
    )
    assert [(r, c, why) for r, c, _, why in got] == [
        (2, "名称", "志愿服务队必须填写名称"),
        (2, "人数", "不能小于 1"),
        (3, "姓名", "宝藏邻居必须填写姓名"),
    ]


def test_no_raw_personal_information_in_any_table(tmp_path):
    """The PII scan of tests/etl/test_pii.py over the party ledgers, bad rows included."""
    folder = tmp_path / "ledgers"
    write_party(
        folder,
        bad_members=[
            ["报到编号", "姓名", "身份证号", "联系电话", "报到社区", "党员类型", "报到日期"],
            ["B9", "孙悟空", ID_BAD, "12345", "崇北", "在职党员", "2022-01-01"],
        ],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([folder], db=db)
    assert result.committed and len(result.rejected) == 2
    assert all("孙悟空" not in str(r) and ID_BAD not in str(r) for r in result.rejected)
    found = []
    with duckdb.connect(str(db), read_only=True) as con:
        columns = con.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE data_type = 'VARCHAR' OR data_type LIKE 'VARCHAR[]%'"
        ).fetchall()
        for table, column in columns:
            for raw in [*RAW_PII, "孙悟空"]:
                sql = f'SELECT count(*) FROM "{table}" WHERE strpos(CAST("{column}" AS VARCHAR), ?) > 0'
                if con.execute(sql, [raw]).fetchall()[0][0]:
                    found.append((table, column, raw))
        masked = con.execute("SELECT person_masked, length(person_key) FROM party_members ORDER BY 1").fetchall()
    assert found == []
    assert masked == [("吴**", 64), ("周**", 64), ("梁**", 64)]
