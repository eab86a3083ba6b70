"""A small hand-made street, loaded through the real loader, on which every formula has known numbers.

崇文街道: 崇北社区 (most of the data), 新建社区 (one task, one case), 永安社区 (employment, events; no grids).
许庄街道: 古桥社区 (points, an oversized grid) and 空白社区 (nothing at all, no household count).
Each ledger's comments give the numbers the tests expect.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from tests.ledgers import COMMUNITIES, GRIDS, write_csv

EMPTY_COMMUNITY = ["KB", "空白社区", "许庄街道", "", "", "", ""]

TASKS = [
    ["任务编号", "所属社区", "任务类别", "任务来源", "发布时间", "办理时限", "状态", "办结时间", "满意度"],
    # 崇北, March 2022: 7 published, 4 closed (T1 T2 T3 T8).
    # T1 closes in the last minute of its deadline day (on time), T2 in the first minute after (late).
    ["T1", "崇北", "便民服务", "小程序", "2022-03-01 09:00", "2022-03-03", "已办结", "2022-03-03 23:59", "满意"],
    ["T2", "崇北", "便民服务", "小程序", "2022-03-02 09:00", "2022-03-05", "已办结", "2022-03-06 00:00", "不满意"],
    ["T3", "崇北", "环境卫生", "热线", "2022-03-10 09:00", "", "已办结", "2022-03-11 09:00", "基本满意"],
    # T4: open, deadline passed: overdue at the end of March, April and later.
    ["T4", "崇北", "环境卫生", "热线", "2022-03-20 09:00", "2022-03-25", "办理中", "", ""],
    # T5: withdrawn (已关闭): never overdue, never closed.
    ["T5", "崇北", "便民服务", "热线", "2022-03-21 09:00", "2022-03-22", "已关闭", "", ""],
    # T8: overdue at the end of March (closed only on 10 April, late), no longer at the end of April.
    ["T8", "崇北", "安全隐患", "小程序", "2022-03-15 09:00", "2022-03-20", "已办结", "2022-04-10 09:00", ""],
    # T9: deadline on 31 March: not overdue as of 31 March, overdue as of 30 April.
    ["T9", "崇北", "安全隐患", "网格员上报", "2022-03-25 09:00", "2022-03-31", "待接单", "", ""],
    # 新建: 1 task, closed in 1 day: a 100% closure rate on a small base.
    ["T6", "新建", "环境卫生", "社区发布", "2022-03-05 09:00", "", "已办结", "2022-03-06 09:00", ""],
    ["T7", "崇北", "便民服务", "小程序", "2022-04-01 09:00", "", "待接单", "", ""],
    # Published in February, claimed in March: the claim counts in March.
    ["T10", "崇北", "微心愿", "小程序", "2022-02-25 09:00", "", "已接单", "", ""],
]
CLAIMS = [
    ["任务编号", "接单人", "接单时间"],
    ["T1", "甲一", "2022-03-01 10:00"],
    ["T1", "乙二", "2022-03-01 11:00"],
    ["T2", "甲一", "2022-03-02 10:00"],
    ["T10", "甲一", "2022-03-01 09:30"],
    ["T4", "丙三", "2022-04-02 10:00"],  # April
    ["T6", "丁四", "2022-03-05 10:00"],  # 新建
]
MEDIATION = [
    ["案件编号", "所属社区", "纠纷类型", "受理时间", "化解层级", "调解组织", "调解结果", "结案时间"],
    # 崇北: 6 cases; closed M1 M2 M3 M6 (2 successes); settled: all but M5; escalated M4 (outcome) and M6 (level).
    ["M1", "崇北", "邻里", "2022-03-01", "网格", "甲组", "调解成功", "2022-03-03"],  # 2 days, in the grid
    ["M2", "崇北", "邻里", "2022-03-02", "社区", "甲组", "调解成功", "2022-03-12"],  # 10 days, in the community
    ["M3", "崇北", "物业", "2022-03-03", "街道", "乙组", "调解不成", "2022-03-05"],  # 2 days
    ["M4", "崇北", "物业", "2022-03-04", "移交上级", "乙组", "已移交", ""],
    ["M5", "崇北", "物业", "2022-03-05", "", "", "调解中", ""],
    ["M6", "崇北", "物业", "2022-03-06", "移交上级", "丙组", "调解不成", "2022-03-10"],  # 4 days
    # 新建: 1 case, resolved in the grid: 100% grid rate on a small base.
    ["M7", "新建", "邻里", "2022-03-07", "网格", "丁组", "调解成功", "2022-03-08"],
]
ID_ZHOU = "141181199001011235"  # a valid ID number: the same person wherever registered
SEEKERS = [
    ["记录编号", "所属社区", "姓名", "身份证号", "服务阶段", "日期"],
    ["S1", "永安", "马一", "", "求职登记", "2022-03-01"],
    ["S2", "永安", "马一", "", "达成意向", "2022-03-05"],
    ["S3", "永安", "马一", "", "已上岗", "2022-03-20"],
    ["S8", "永安", "马一", "", "已上岗", "2022-03-28"],  # a second 已上岗 record: still one person placed
    ["S4", "永安", "牛二", "", "达成意向", "2022-03-06"],
    ["S5", "永安", "牛二", "", "达成意向", "2022-03-16"],  # intents are records: 牛二 counts twice
    ["S6", "永安", "羊三", "", "求职登记", "2022-04-01"],
    ["S9", "永安", "周五", ID_ZHOU, "求职登记", "2022-03-02"],
    ["S10", "崇北", "周五", ID_ZHOU, "已上岗", "2022-03-22"],  # the same 周五, placed in another community
    ["S11", "崇北", "吴六", "", "求职登记", "2022-03-03"],
]
POSTINGS = [
    ["信息编号", "所属社区", "用人单位", "岗位名称", "招聘人数", "发布日期"],
    ["P1", "永安", "甲", "保洁", "5", "2022-03-01"],
    ["P2", "永安", "乙", "保安", "7人", "2022-03-09"],
    ["P3", "永安", "丙", "厨师", "10", "2022-04-01"],
]
TRAININGS = [
    ["培训编号", "所属社区", "培训项目", "开班日期", "培训人数", "取证人数"],
    ["X1", "永安", "家政服务", "2022-03-10", "40", "30"],
    ["X3", "永安", "家政服务", "2022-03-20", "10", ""],
    ["X2", "永安", "电工", "2022-05-10", "20", "15"],
]
EVENTS = [
    ["活动编号", "所属社区", "活动类型", "活动日期", "参与人数"],
    ["E1", "永安", "座谈会", "2022-03-10", "20"],
    ["E2", "永安", "创业沙龙", "2022-03-11", "15"],
    ["E4", "永安", "招聘会", "2022-03-12", "100"],
    ["E3", "永安", "招聘会", "2022-06-01", "80"],
]
POINTS = [
    ["流水号", "所属社区", "居民姓名", "日期", "事由", "积分"],
    ["J1", "古桥", "赵大", "2022-02-20", "志愿服务", "10"],
    ["J2", "古桥", "赵大", "2022-03-02", "参加活动", "5"],
    ["J3", "古桥", "钱二", "2022-03-03", "积分兑换", "-20"],
    ["J4", "古桥", "钱二", "2022-03-04", "不文明行为", "-10"],
    ["J6", "古桥", "钱二", "2022-03-05", "积分兑换", "-5"],
    ["J5", "古桥", "孙三", "2022-04-04", "积分兑换", "-5"],
]
LEDGERS = {
    "tasks": TASKS,
    "claims": CLAIMS,
    "mediation": MEDIATION,
    "seekers": SEEKERS,
    "postings": POSTINGS,
    "trainings": TRAININGS,
    "events": EVENTS,
    "points": POINTS,
}


def write_street(folder: Path, with_ledgers: bool = True) -> list[Path]:
    """The community list (with 空白社区), the grid list and, unless told otherwise, every ledger above."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = [
        write_csv(folder / "社区名录.csv", COMMUNITIES + [EMPTY_COMMUNITY]),
        write_csv(folder / "网格名录.csv", GRIDS),
    ]
    if with_ledgers:
        paths += [write_csv(folder / f"{name}.csv", rows) for name, rows in LEDGERS.items()]
    return paths


@pytest.fixture(scope="module")
def street_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("street")
    db = folder / "warehouse.duckdb"
    result = load_paths(write_street(folder / "ledgers"), db=db)
    assert result.rejected == [], result.rejected
    return db


@pytest.fixture
def con(street_db):
    with duckdb.connect(str(street_db), read_only=True) as connection:
        yield connection
