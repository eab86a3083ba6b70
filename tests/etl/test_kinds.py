"""Every ledger kind loads, and every value form and rule of LEDGERS.md is applied as written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from etl.normalise import stored_columns
from streetdash.schema import load_schemas
from tests.ledgers import write_base, write_csv, write_xlsx

ID_1 = "140102198805060015"

LEDGERS = {
    "tasks": [
        [
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
            "经度",
            "纬度",
        ],
        [
            "T1",
            "崇北",
            "G1",
            "环境卫生",
            "清理",
            "小程序",
            "2022-03-01 08:00",
            "2022-03-05",
            "已办结",
            "2022-03-04 17:00",
            "满意",
            "111.78",
            "37.14",
        ],
        ["T2", "新建", "G3", "微心愿", "助学", "热线", "2022-03-02", "", "待接单", "", "", "", ""],
    ],
    "task_claims": [
        ["接单编号", "任务编号", "接单人", "人员类型", "接单时间", "完成时间", "服务时长"],
        ["C1", "T1", "王小明", "在职党员", "2022-03-01 09:00", "2022-03-04 17:00", "3.5小时"],
        ["", "T1", "李大壮", "志愿者", "2022-03-01 10:00", "", "2"],
    ],
    "mediation": [
        [
            "案件编号",
            "所属社区",
            "网格编码",
            "纠纷类型",
            "当事人",
            "受理时间",
            "化解层级",
            "调解组织",
            "调解结果",
            "结案时间",
            "协议形式",
            "回访情况",
        ],
        [
            "M1",
            "崇北",
            "G2",
            "物业",
            "张一、李二",
            "2022-04-01",
            "网格",
            "老娘舅调解室",
            "成功",
            "2022-04-03",
            "书面协议",
            "满意",
        ],
        ["M2", "古桥", "", "劳资纠纷", "王五", "2022-04-02", "移交", "", "已移交", "", "", ""],
    ],
    "job_postings": [
        [
            "信息编号",
            "所属社区",
            "用人单位",
            "岗位名称",
            "招聘人数（人）",
            "发布日期",
            "发布渠道",
            "最低月薪",
            "最高月薪",
        ],
        ["P1", "永安", "孝义家政公司", "育婴员", "12人", "2022-05-01", "招聘会", "3,000", "4,500"],
    ],
    "job_seekers": [
        ["记录编号", "所属社区", "姓名", "身份证号", "联系电话", "人员类别", "信息编号", "服务阶段", "日期"],
        ["S1", "永安", "马二青", ID_1, "13800138000", "妇女", "P1", "已上岗", "2022-05-20"],
    ],
    "events": [
        ["活动编号", "所属社区", "活动类型", "活动名称", "活动日期", "参与人数"],
        ["E1", "永安", "座谈", "就业创业正青春", "2022年10月20日", "40人"],
    ],
    "trainings": [
        ["培训编号", "所属社区", "培训项目", "开班日期", "培训人数", "取证人数", "就业人数"],
        ["TR1", "永安", "家政服务", "2021-10-15", "60", "52", "48"],
    ],
    "campaigns": [
        ["所属社区", "领题项目", "指标名称", "单位", "目标值", "完成值", "数据来源", "统计起始", "统计截止"],
        ["古桥", "盟友聚力", "爱心联盟商家", "家", "30", "32", "", "2024-01-01", "2024-12-31"],
        ["古桥", "盟友聚力", "服务任务", "件", "100", "", "tasks.published", "2024-01-01", "2024-12-31"],
    ],
    "points": [
        ["流水号", "所属社区", "居民姓名", "日期", "事由", "积分", "兑换物品"],
        ["PT1", "古桥", "赵六", "2024-04-02", "志愿服务", "+10", ""],
        ["PT2", "古桥", "赵六", "2024-04-20", "兑换", "-8", "洗衣液"],
    ],
}


@pytest.fixture(scope="module")
def all_kinds(tmp_path_factory) -> tuple[Path, object]:
    folder = tmp_path_factory.mktemp("kinds")
    write_base(folder)
    write_xlsx(folder / "任务.xlsx", {"任务": LEDGERS["tasks"], "接单": LEDGERS["task_claims"]})
    for kind, rows in LEDGERS.items():
        if kind not in ("tasks", "task_claims"):
            write_csv(folder / f"{kind}.csv", rows, encoding="gb18030" if kind == "mediation" else "utf-8")
    db = folder / "w.duckdb"
    return db, load_paths([folder], db=db)


def test_every_kind_loads_without_rejections(all_kinds):
    db, result = all_kinds
    assert result.rejected == []
    loaded = {s.kind: s.inserted for s in result.sheets}
    assert loaded == {
        "communities": 4,
        "grids": 4,
        "tasks": 2,
        "task_claims": 2,
        "mediation": 2,
        "job_postings": 1,
        "job_seekers": 1,
        "events": 1,
        "trainings": 1,
        "campaigns": 2,
        "points": 2,
    }


def test_tables_have_the_schema_columns(all_kinds):
    db, _ = all_kinds
    schemas = load_schemas()
    with duckdb.connect(str(db), read_only=True) as con:
        for kind in schemas.ordered():
            cols = [r[0] for r in con.execute(f"DESCRIBE {kind.table}").fetchall()]
            assert cols == [c.name for c in stored_columns(kind)] + [
                "batch_id",
                "source_file",
                "source_sheet",
                "source_row",
                "first_loaded_at",  # kept when a later ledger updates the record (ledgers.timeliness)
            ]


def one(db: Path, sql: str):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_typed_values(all_kinds):
    db, _ = all_kinds
    assert one(
        db, "SELECT community_id, households, population, kind, aliases FROM communities WHERE community_id='CB'"
    ) == [("CB", 3200, 9800, "老旧小区", ["崇北", "崇北片"])]
    assert one(db, "SELECT party_group, full_time_staff FROM grids ORDER BY grid_id") == [
        ("是", 1),
        ("否", 1),
        ("是", 1),
        ("是", 2),
    ]
    assert one(db, "SELECT lon, lat, deadline FROM tasks WHERE task_id = 'T1'") == [
        (111.78, 37.14, dt.date(2022, 3, 5))
    ]
    claims = one(db, "SELECT claim_id, member_type, hours FROM task_claims ORDER BY claimed_at")
    assert claims[0] == ("C1", "在职党员", 3.5)
    assert claims[1][0].startswith("auto-") and claims[1][1:] == ("志愿者", 2.0)  # no claim number: derived key
    assert one(
        db, "SELECT dispute_type, level, outcome, agreement, followup FROM mediation_cases ORDER BY case_id"
    ) == [("物业纠纷", "网格", "调解成功", "书面", "满意"), ("劳动争议", "移交上级", "已移交", None, None)]
    assert one(db, "SELECT vacancies, salary_min, salary_max, channel FROM job_postings") == [
        (12, 3000, 4500, "招聘会")
    ]
    assert one(db, 'SELECT "group", posting_id, stage, date FROM job_seekers') == [
        ("妇女", "P1", "已上岗", dt.date(2022, 5, 20))
    ]
    assert one(db, "SELECT kind, date, participants FROM events") == [("座谈会", dt.date(2022, 10, 20), 40)]
    assert one(db, "SELECT trainees, certified, employed FROM trainings") == [(60, 52, 48)]
    assert one(db, "SELECT metric, target, actual, metric_key FROM campaigns ORDER BY metric") == [
        ("服务任务", 100.0, None, "tasks.published"),
        ("爱心联盟商家", 30.0, 32.0, None),
    ]
    assert one(db, "SELECT reason, points, item FROM points ORDER BY entry_id") == [
        ("志愿服务", 10, None),
        ("积分兑换", -8, "洗衣液"),
    ]


def test_reloading_the_folder_changes_nothing(all_kinds):
    db, first = all_kinds
    again = load_paths([Path(db).parent], db=db)
    assert all((s.inserted, s.updated) == (0, 0) for s in again.sheets if s.status == "ok")
    assert sum(s.unchanged for s in again.sheets) == sum(s.inserted for s in first.sheets)


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2022-08-30", dt.datetime(2022, 8, 30)),
        ("2022/8/30", dt.datetime(2022, 8, 30)),
        ("2022.8.30", dt.datetime(2022, 8, 30)),
        ("2022年8月30日", dt.datetime(2022, 8, 30)),
        ("２０２２年８月３０日", dt.datetime(2022, 8, 30)),
        ("2022年8月30日 14:30", dt.datetime(2022, 8, 30, 14, 30)),
        ("2022/8/30 14:30:15", dt.datetime(2022, 8, 30, 14, 30, 15)),
        ("2022-08-30 14：30", dt.datetime(2022, 8, 30, 14, 30)),
        ("44803", dt.datetime(2022, 8, 30)),
        ("44803.604166667", dt.datetime(2022, 8, 30, 14, 30)),
        ("2022-02-29", None),
        ("2022-8", None),
        ("30/8/2022", None),
        ("八月三十日", None),
        ("2022-08-30 25:00", None),
        ("昨天", None),
    ],
)
def test_date_forms(tmp_path, text, expected):
    write_base(tmp_path)
    write_csv(
        tmp_path / "t.csv",
        [["任务编号", "所属社区", "任务类别", "发布时间", "状态"], ["T", "崇北", "便民服务", text, "待接单"]],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([tmp_path], db=db)
    if expected is None:
        assert [(r.column, r.value) for r in result.rejected] == [
            ("发布时间", text.replace("２０２２年８月３０日", text))
        ]
        assert one(db, "SELECT count(*) FROM tasks") == [(0,)]
    else:
        assert result.rejected == []
        assert one(db, "SELECT published_at FROM tasks") == [(expected,)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("230人", 230),
        ("1,234", 1234),
        ("１２", 12),
        (" 7 ", 7),
        ("12.0", 12),
        ("12.5", "应为整数"),
        ("约30人", "不是有效的整数"),
        ("-3", "不能小于 1"),
        ("三十", "不是有效的整数"),
    ],
)
def test_number_forms(tmp_path, text, expected):
    write_base(tmp_path)
    write_csv(
        tmp_path / "p.csv",
        [
            ["信息编号", "所属社区", "用人单位", "岗位名称", "招聘人数", "发布日期"],
            ["P1", "永安", "某公司", "保洁", text, "2022-01-05"],
        ],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([tmp_path], db=db)
    if isinstance(expected, int):
        assert one(db, "SELECT vacancies FROM job_postings") == [(expected,)]
    else:
        assert [(r.column, r.reason) for r in result.rejected] == [("招聘人数", expected)]


def test_enum_synonyms_other_fallback_and_unknown(tmp_path):
    write_base(tmp_path)
    write_csv(
        tmp_path / "t.csv",
        [
            ["任务编号", "所属社区", "任务类别", "发布时间", "状态", "办结时间"],
            ["T1", "崇北", "卫生", "2022-01-01", "已完成", "2022-01-02"],
            ["T2", "崇北", "垃圾分类", "2022-01-01", "完成", "2022-01-02"],
            ["T3", "崇北", "环境卫生", "2022-01-01", "搁置", ""],
        ],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([tmp_path], db=db)
    assert one(db, "SELECT task_id, category, status FROM tasks ORDER BY 1") == [
        ("T1", "环境卫生", "已办结"),
        ("T2", "其他", "已办结"),
    ]
    assert [(r.row, r.column, r.value, r.reason) for r in result.rejected] == [
        (4, "状态", "搁置", "不是「状态」的可选值，可选：待接单、已接单、办理中、已办结、已关闭")
    ]
    assert next(s for s in result.sheets if s.kind == "tasks").mapped_to_other == {"任务类别": 1}


def test_cross_field_and_reference_rules(tmp_path):
    write_base(tmp_path)
    write_xlsx(
        tmp_path / "混合.xlsx",
        {
            "任务": [
                ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
                ["T1", "崇北", "便民服务", "2022-05-01", "已接单"],
            ],
            "接单": [["任务编号", "接单人", "接单时间"], ["T9", "王一", "2022-05-02"]],
            "调解": [
                ["案件编号", "所属社区", "纠纷类型", "受理时间", "调解结果", "结案时间"],
                ["M1", "崇北", "邻里", "2022-05-01", "调解成功", "2022-05-03"],
                ["M2", "崇北", "邻里", "2022-05-05", "调解不成", "2022-05-01"],
            ],
            "培训": [
                ["培训编号", "所属社区", "培训项目", "开班日期", "培训人数", "取证人数", "就业人数"],
                ["TR1", "永安", "电工", "2022-01-01", "10", "12", "11"],
            ],
            "岗位": [
                ["信息编号", "所属社区", "用人单位", "岗位名称", "招聘人数", "发布日期", "薪资下限", "薪资上限"],
                ["P1", "永安", "甲", "乙", "1", "2022-01-01", "5000", "3000"],
            ],
            "指标": [
                ["所属社区", "领题项目", "指标名称", "目标值", "统计起始", "统计截止", "数据来源"],
                ["古桥", "强圈优社", "合作商铺", "20", "2024-12-31", "2024-01-01", "商铺.count"],
            ],
            "积分": [
                ["流水号", "所属社区", "居民姓名", "日期", "事由", "积分"],
                ["X1", "古桥", "钱七", "2024-05-01", "积分兑换", "5"],
            ],
        },
    )
    result = load_paths([tmp_path], db=tmp_path / "w.duckdb")
    got = sorted((r.sheet, r.row, r.column, r.reason) for r in result.rejected)
    assert got == sorted(
        [
            ("接单", 2, "任务编号", "在任务台账中不存在，请先导入任务台账或核对编号"),
            ("调解", 2, "化解层级", "已结案（调解成功或调解不成）的案件必须填写化解层级"),
            ("调解", 3, "化解层级", "已结案（调解成功或调解不成）的案件必须填写化解层级"),
            ("调解", 3, "结案时间", "结案时间早于受理时间"),
            ("培训", 2, "取证人数", "取证人数多于培训人数"),
            ("培训", 2, "就业人数", "就业人数多于培训人数"),
            ("岗位", 2, "薪资上限", "薪资上限低于薪资下限"),
            (
                "指标",
                2,
                "数据来源",
                "不是「数据来源」的可选值，可选：" + "、".join(load_schemas().enums["metric_key"].values),
            ),
            ("指标", 2, "统计截止", "统计截止早于统计起始"),
            ("积分", 2, "积分", "积分兑换和不文明行为的积分应为0或负数"),
        ]
    )


def test_community_name_unique_within_a_street_and_ambiguous_names(tmp_path):
    write_csv(
        tmp_path / "c.csv",
        [
            ["社区编码", "社区名称", "所属街道"],
            ["A1", "新华社区", "甲街道"],
            ["B1", "新华社区", "乙街道"],
            ["A2", "新华社区", "甲街道"],
            ["C1", "新华社区", "丙街道"],
        ],
    )
    write_csv(
        tmp_path / "e.csv",
        [
            ["活动编号", "所属社区", "活动类型", "活动日期"],
            ["E1", "新华社区", "座谈会", "2022-01-01"],
            ["E2", "B1", "座谈会", "2022-01-01"],
        ],
    )
    db = tmp_path / "w.duckdb"
    result = load_paths([tmp_path], db=db)
    assert [(r.file, r.row, r.column, r.reason) for r in result.rejected] == [
        ("c.csv", 2, "社区名称", "同一街道内社区名称重复"),
        ("c.csv", 4, "社区名称", "同一街道内社区名称重复"),
        ("e.csv", 2, "所属社区", "该名称对应多个社区（不同街道重名），请改填社区编码"),
    ]
    assert one(db, "SELECT community_id FROM events") == [("B1",)]
