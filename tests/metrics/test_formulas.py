"""Each formula of METRICS.md on small hand-made ledgers loaded through the real loader."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pytest

from etl.load import load_paths
from etl.schema import load_schemas
from streetdash import metrics
from tests.ledgers import write_base, write_csv

D = dt.date
TASKS = [
    ["任务编号", "所属社区", "任务类别", "发布时间", "办理时限", "状态", "办结时间", "满意度"],
    # 崇北: 4 tasks in March 2022, 3 closed (2 on time), one open and overdue; satisfaction 2 of 3 good.
    ["T1", "崇北", "便民服务", "2022-03-01 09:00", "2022-03-03", "已办结", "2022-03-03 23:00", "满意"],
    ["T2", "崇北", "便民服务", "2022-03-02 09:00", "2022-03-05", "已办结", "2022-03-07 09:00", "不满意"],
    ["T3", "崇北", "便民服务", "2022-03-10 09:00", "", "已办结", "2022-03-11 09:00", "基本满意"],
    ["T4", "崇北", "便民服务", "2022-03-20 09:00", "2022-03-25", "办理中", "", ""],
    ["T5", "崇北", "便民服务", "2022-03-21 09:00", "2022-03-22", "已关闭", "", ""],  # withdrawn: not overdue
    # 新建: 1 task, closed: rate 100% on a small base.
    ["T6", "新建", "环境卫生", "2022-03-05 09:00", "", "已办结", "2022-03-06 09:00", ""],
    # April: outside the March period.
    ["T7", "崇北", "便民服务", "2022-04-01 09:00", "", "待接单", "", ""],
]
CLAIMS = [
    ["任务编号", "接单人", "接单时间"],
    ["T1", "甲一", "2022-03-01 10:00"],
    ["T1", "乙二", "2022-03-01 11:00"],
    ["T2", "甲一", "2022-03-02 10:00"],
    ["T4", "丙三", "2022-04-02 10:00"],  # claimed in April: counts in April
]
MEDIATION = [
    ["案件编号", "所属社区", "纠纷类型", "受理时间", "化解层级", "调解组织", "调解结果", "结案时间"],
    ["M1", "崇北", "邻里", "2022-03-01", "网格", "甲组", "调解成功", "2022-03-03"],
    ["M2", "崇北", "邻里", "2022-03-02", "社区", "甲组", "调解成功", "2022-03-12"],
    ["M3", "崇北", "物业", "2022-03-03", "街道", "乙组", "调解不成", "2022-03-05"],
    ["M4", "崇北", "物业", "2022-03-04", "移交上级", "乙组", "已移交", ""],
    ["M5", "崇北", "物业", "2022-03-05", "", "", "调解中", ""],
]
SEEKERS = [
    ["记录编号", "所属社区", "姓名", "服务阶段", "日期"],
    ["S1", "永安", "马一", "求职登记", "2022-03-01"],
    ["S2", "永安", "马一", "达成意向", "2022-03-05"],
    ["S3", "永安", "马一", "已上岗", "2022-03-20"],
    ["S4", "永安", "牛二", "达成意向", "2022-03-06"],
    ["S5", "永安", "牛二", "达成意向", "2022-03-16"],
    ["S6", "永安", "羊三", "求职登记", "2022-04-01"],
]
POSTINGS = [
    ["信息编号", "所属社区", "用人单位", "岗位名称", "招聘人数", "发布日期"],
    ["P1", "永安", "甲", "保洁", "5", "2022-03-01"],
    ["P2", "永安", "乙", "保安", "7人", "2022-03-09"],
]
TRAININGS = [
    ["培训编号", "所属社区", "培训项目", "开班日期", "培训人数", "取证人数"],
    ["X1", "永安", "家政服务", "2022-03-10", "40", "30"],
    ["X2", "永安", "电工", "2022-05-10", "20", "15"],
]
EVENTS = [
    ["活动编号", "所属社区", "活动类型", "活动日期"],
    ["E1", "永安", "座谈会", "2022-03-10"],
    ["E2", "永安", "创业沙龙", "2022-03-11"],
    ["E3", "永安", "招聘会", "2022-06-01"],
]
POINTS = [
    ["流水号", "所属社区", "居民姓名", "日期", "事由", "积分"],
    ["J1", "古桥", "赵大", "2022-02-20", "志愿服务", "10"],
    ["J2", "古桥", "赵大", "2022-03-02", "参加活动", "5"],
    ["J3", "古桥", "钱二", "2022-03-03", "积分兑换", "-20"],
    ["J4", "古桥", "钱二", "2022-03-04", "不文明行为", "-10"],
    ["J5", "古桥", "孙三", "2022-04-04", "积分兑换", "-5"],
]


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("metrics")
    write_base(folder)
    for name, rows in [
        ("tasks", TASKS),
        ("claims", CLAIMS),
        ("mediation", MEDIATION),
        ("seekers", SEEKERS),
        ("postings", POSTINGS),
        ("trainings", TRAININGS),
        ("events", EVENTS),
        ("points", POINTS),
    ]:
        write_csv(folder / f"{name}.csv", rows)
    path = folder / "w.duckdb"
    result = load_paths([folder], db=path)
    assert result.rejected == [], result.rejected
    return path


def row(db: Path, community: str, start: dt.date, end: dt.date) -> dict:
    with duckdb.connect(str(db), read_only=True) as con:
        frame = metrics.community_metrics(con, start, end)
    return frame.set_index("community").loc[community].to_dict()


def test_task_formulas(db):
    m = row(db, "崇北社区", D(2022, 3, 1), D(2022, 3, 31))
    assert (m["tasks_published"], m["tasks_closed"], m["tasks_claims"]) == (5, 3, 3)
    assert m["tasks_closure_rate"] == pytest.approx(3 / 5)
    assert m["tasks_on_time_rate"] == pytest.approx(1 / 2)  # T1 by the end of its deadline day; T2 late; T3 none
    assert m["tasks_median_days_to_close"] == pytest.approx(2 + 14 / 24)  # 2.58, 5.0 and 1.0 days
    assert m["tasks_overdue_open"] == 1  # T4 (T5 was withdrawn)
    assert m["tasks_claims_per_task"] == pytest.approx(3 / 5)
    assert m["tasks_satisfaction_rate"] == pytest.approx(2 / 3)
    april = row(db, "崇北社区", D(2022, 4, 1), D(2022, 4, 30))
    assert (april["tasks_published"], april["tasks_claims"], april["tasks_closed"]) == (1, 1, 0)
    assert april["tasks_overdue_open"] == 1  # T4 is still overdue at the end of April


def test_empty_period_and_community_without_data(db):
    empty = row(db, "崇北社区", D(2030, 1, 1), D(2030, 1, 31))
    assert empty["tasks_published"] == 0 and empty["mediation_cases"] == 0
    for rate in ("tasks_closure_rate", "tasks_on_time_rate", "mediation_success_rate", "tasks_satisfaction_rate"):
        assert empty[rate] is None or math.isnan(empty[rate])
    with duckdb.connect(str(db), read_only=True) as con:
        frame = metrics.community_metrics(con, D(2022, 3, 1), D(2022, 3, 31))
    assert sorted(frame["community"]) == ["古桥社区", "崇北社区", "新建社区", "永安社区"]
    assert frame.set_index("community").loc["永安社区", "tasks_published"] == 0


def test_street_totals_come_from_records_not_from_rates(db):
    with duckdb.connect(str(db), read_only=True) as con:
        street = metrics.street_metrics(con, D(2022, 3, 1), D(2022, 3, 31), "崇文街道").iloc[0]
        communities = metrics.community_metrics(con, D(2022, 3, 1), D(2022, 3, 31), "崇文街道")
    assert street["tasks_published"] == 6 and street["tasks_closed"] == 4
    assert street["tasks_closure_rate"] == pytest.approx(4 / 6)
    mean_of_rates = communities["tasks_closure_rate"].dropna().mean()  # (0.6 + 1.0) / 2 = 0.8
    assert mean_of_rates == pytest.approx(0.8) and street["tasks_closure_rate"] != pytest.approx(mean_of_rates)


def test_mediation_formulas(db):
    m = row(db, "崇北社区", D(2022, 3, 1), D(2022, 3, 31))
    assert (m["mediation_cases"], m["mediation_closed"], m["mediation_settled"], m["mediation_escalated"]) == (
        5,
        3,
        4,
        1,
    )
    assert m["mediation_success_rate"] == pytest.approx(2 / 3)
    assert m["mediation_grid_rate"] == pytest.approx(1 / 4)
    assert m["mediation_community_rate"] == pytest.approx(2 / 4)
    assert m["mediation_median_days"] == pytest.approx(2.0)  # 2, 10, 2 days
    assert m["mediation_mediators"] == 2


def test_employment_formulas(db):
    m = row(db, "永安社区", D(2022, 3, 1), D(2022, 3, 31))
    assert (m["jobs_postings"], m["jobs_vacancies"]) == (2, 12)
    assert m["jobs_registrations"] == 2  # 马一 and 牛二: distinct persons, not records
    assert m["jobs_intents"] == 3  # records: 牛二 twice
    assert m["jobs_placements"] == 1
    assert (m["jobs_trainees"], m["jobs_certified"], m["events_count"]) == (40, 30, 2)


def test_points_formulas(db):
    m = row(db, "古桥社区", D(2022, 3, 1), D(2022, 3, 31))
    assert (m["points_participants"], m["points_earned"], m["points_redeemed"], m["points_redeemers"]) == (2, 5, 20, 1)
    assert m["points_balance"] == pytest.approx(((100 + 15) + (100 - 30)) / 2)  # 赵大 115, 钱二 70


def test_grid_formulas(db):
    m = row(db, "崇北社区", D(2022, 3, 1), D(2022, 3, 31))
    assert (m["grids_count"], m["grids_oversized"], m["grids_no_leader"]) == (2, 0, 0)
    assert m["grids_household_coverage"] == pytest.approx(850 / 3200)
    assert m["grids_households_per_staff"] == pytest.approx(850 / 5)
    assert m["grids_events_per_1000"] == pytest.approx((5 + 5) * 1000 / 3200)
    gq = row(db, "古桥社区", D(2022, 3, 1), D(2022, 3, 31))
    assert gq["grids_oversized"] == 1


def test_monthly_rows_cover_every_community_and_month(db):
    with duckdb.connect(str(db), read_only=True) as con:
        monthly = metrics.community_monthly(con, D(2022, 3, 1), D(2022, 5, 31))
    assert len(monthly) == 4 * 3
    chongbei = monthly[monthly["community"] == "崇北社区"].set_index("month")
    assert chongbei["tasks_published"].tolist() == [5, 1, 0]
    assert chongbei["tasks_claims"].tolist() == [3, 1, 0]


def test_catalogue_matches_the_macros_and_the_schema(db):
    catalogue = metrics.load_catalogue()
    with duckdb.connect(str(db), read_only=True) as con:
        columns = set(metrics.community_metrics(con, D(2022, 1, 1), D(2022, 1, 31)).columns)
    assert {m.column for m in catalogue.values()} == columns - {"community_id", "community", "street"}
    assert set(load_schemas().enums["metric_key"].values) == set(catalogue)
    assert all(m.direction in ("higher", "lower", "neutral") for m in catalogue.values())
    assert all(m.format in ("count", "rate", "days", "decimal") for m in catalogue.values())


def test_macros_work_on_an_empty_warehouse(tmp_path):
    path = tmp_path / "w.duckdb"
    load_paths(write_base(tmp_path / "base")[:1], db=path)
    with duckdb.connect(str(path), read_only=True) as con:
        frame = metrics.community_metrics(con, D(2022, 1, 1), D(2022, 12, 31))
    assert len(frame) == 4 and frame["tasks_published"].sum() == 0
