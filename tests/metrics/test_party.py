"""The party-building metrics (METRICS.md "Party building") on hand-made ledgers through the real loader:
every figure below is counted by hand in the comments of the ledgers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from etl.load import load_paths
from streetdash import metrics
from streetdash.assessment import score_group
from streetdash.schemes import Indicator, Scheme
from tests.ledgers import COMMUNITIES, GRIDS, write_csv

D = dt.date
MARCH = (D(2022, 3, 1), D(2022, 3, 31))
APRIL = (D(2022, 4, 1), D(2022, 4, 30))

# 崇北 gets a third grid, G5, with no party group and no organisation: 2 of its 3 grids have one
# (G1 by the grid list, G2 by the 网格党支部 placed in it).
PARTY_GRIDS = GRIDS + [["G5", "崇北三网格", "崇北", "300", "800", "王五", "1", "0", "否"]]
TASKS = [
    ["任务编号", "所属社区", "任务类别", "发布时间", "状态"],
    ["T1", "崇北", "便民服务", "2022-03-01 08:00", "已接单"],
    ["T2", "崇北", "微心愿", "2022-03-02 08:00", "已接单"],
    ["T3", "崇北", "便民服务", "2022-06-01 08:00", "待接单"],  # the data run to June
]
CLAIMS = [
    ["任务编号", "接单人", "接单时间", "服务时长"],
    ["T1", "甲一", "2022-03-01 10:00", "2"],  # 甲一 (B1): active, 2 + 3.5 hours
    ["T2", "甲一", "2022-03-03 10:00", "3.5"],
    ["T1", "乙二", "2022-03-05 10:00", "1"],  # 乙二 left in February: not a registered member in March
    ["T2", "戊五", "2022-03-06 10:00", "4"],  # 戊五 reported to 新建: this 崇北 claimant is someone else
    ["T1", "路人", "2022-03-07 10:00", "9"],  # not a party member at all
]
MEMBERS = [
    ["报到编号", "姓名", "报到社区", "党员类型", "报到日期", "离开日期"],
    ["B1", "甲一", "崇北", "在职党员", "2022-01-10", ""],
    ["B2", "乙二", "崇北", "离退休党员", "2022-02-01", "2022-02-20"],
    ["B3", "丙三", "崇北", "在职党员", "2022-03-15", ""],  # active through project P2, which he leads
    ["B4", "丁四", "崇北", "流动党员", "2022-04-05", ""],  # reports in April
    ["B5", "戊五", "新建", "在职党员", "2021-12-01", ""],
    ["B7", "己六", "崇北", "离退休党员", "2021-06-01", ""],  # registered, nothing done
]
# March: 崇北 3 registered (B1 B3 B7), 2 active (B1 B3), 5.5 hours; 新建 1 registered, 0 active.
ORGS = [
    ["组织编码", "组织名称", "组织类型", "上级组织编码", "所属社区", "网格编码", "成立日期"],
    ["CW", "崇文街道党工委", "街道党工委", "", "", "", "2010-01-01"],
    ["CB", "崇北社区党委", "社区党委", "CW", "崇北", "", "2012-01-01"],
    ["CB-1", "崇北二网格党支部", "网格党支部", "CB", "崇北", "G2", "2022-03-10"],
    ["CB-2", "崇北小区党支部", "小区党支部", "CB", "崇北", "", "2022-04-01"],  # not yet at the end of March
    ["XJ", "新建社区党总支", "党总支", "CW", "新建", "", "2015-01-01"],
    ["XJ-1", "新建第一党支部", "党支部", "XJ", "新建", "", ""],  # no date: counts as existing
]
UNITS = [
    ["单位编码", "单位名称", "所属社区", "单位类型", "爱心联盟", "需求清单", "资源清单", "签约日期"],
    ["U1", "市一中", "崇北", "学校", "否", "2", "5", "2021-09-01"],
    ["U2", "便民超市", "崇北", "商户", "是", "0", "3", "2022-03-20"],
    ["U3", "药店", "崇北", "商户", "是", "1", "2", "2022-04-10"],  # April
    ["U4", "物业公司", "新建", "民营企业", "是", "3", "1", "2022-01-01"],
]
PROJECTS = [
    ["项目编号", "所属社区", "项目名称", "项目来源", "责任人", "启动日期", "计划完成", "进度", "销号日期"],
    ["P1", "崇北", "加装电梯", "民生实事", "", "2022-01-01", "2022-03-31", "已销号", "2022-03-25"],
    ["P2", "崇北", "管网改造", "民生实事", "丙三", "2022-03-01", "2022-03-20", "推进中", ""],  # overdue
    ["P3", "崇北", "修路灯", "居民点单", "", "2022-03-01", "2022-03-15", "已销号", "2022-04-02"],  # late
    ["P4", "崇北", "停车场", "民生实事", "", "2022-01-01", "2022-02-10", "延期", ""],  # planned in February
    ["P5", "崇北", "助学", "微心愿", "", "", "2022-05-01", "未启动", ""],
    ["P6", "新建", "共建花园", "共建项目", "", "2022-02-01", "2022-03-31", "推进中", ""],  # due on the last day
]
# March 崇北: 3 planned (P1 P2 P3), 1 closed by the end (P1), overdue at the end P2 P3 P4; 新建: 1, 0, 0.
# April 崇北: none planned; overdue at the end P2 P4 (P3 closed on 2 April); 新建: P6 overdue.
VOLUNTEERS = [
    ["编号", "所属社区", "类别", "名称", "姓名", "特长类别", "人数", "登记日期"],
    ["V1", "崇北", "志愿服务队", "红马甲", "", "助老", "25", "2021-05-01"],
    ["V2", "崇北", "宝藏邻居", "", "张巧手", "维修", "", "2022-02-01"],
    ["V3", "崇北", "宝藏邻居", "", "李律师", "法律", "", "2022-03-30"],
    ["V4", "崇北", "宝藏邻居", "", "王医生", "医疗", "", "2022-04-15"],  # April
]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("party_metrics")
    paths = [
        write_csv(folder / "社区名录.csv", COMMUNITIES),
        write_csv(folder / "网格名录.csv", PARTY_GRIDS),
        write_csv(folder / "tasks.csv", TASKS),
        write_csv(folder / "claims.csv", CLAIMS),
        write_csv(folder / "members.csv", MEMBERS),
        write_csv(folder / "orgs.csv", ORGS),
        write_csv(folder / "units.csv", UNITS),
        write_csv(folder / "projects.csv", PROJECTS),
        write_csv(folder / "volunteers.csv", VOLUNTEERS),
    ]
    db = folder / "w.duckdb"
    result = load_paths(paths, db=db)
    assert result.rejected == [], result.rejected
    with duckdb.connect(str(db), read_only=True) as connection:
        yield connection


def community(con, period, name: str) -> dict:
    frame = metrics.community_metrics(con, *period).set_index("community")
    return frame.loc[name].to_dict()


def street(con, period, name: str = "崇文街道") -> dict:
    return metrics.street_metrics(con, *period, street=name).iloc[0].to_dict()


def test_registered_members_by_the_end_and_not_left_before_the_start(con):
    assert community(con, MARCH, "崇北社区")["party_registered"] == 3
    assert community(con, MARCH, "新建社区")["party_registered"] == 1
    assert community(con, APRIL, "崇北社区")["party_registered"] == 4  # 丁四 reported in April
    assert street(con, MARCH)["party_registered"] == 4


def test_active_members_matched_by_person_key_across_claims_and_projects(con):
    chongbei = community(con, MARCH, "崇北社区")
    assert chongbei["party_active"] == 2  # 甲一 by his claims, 丙三 by the project he leads
    assert chongbei["party_active_rate"] == pytest.approx(2 / 3)
    xinjian = community(con, MARCH, "新建社区")  # 戊五's claim is on a 崇北 task: another 戊五
    assert (xinjian["party_active"], xinjian["party_active_rate"]) == (0, 0.0)
    assert street(con, MARCH)["party_active_rate"] == pytest.approx(2 / 4)
    assert pd.isna(community(con, MARCH, "永安社区")["party_active_rate"])  # no members: no rate (—)


def test_service_hours_count_registered_members_only(con):
    assert community(con, MARCH, "崇北社区")["party_service_hours"] == pytest.approx(5.5)
    assert community(con, MARCH, "新建社区")["party_service_hours"] == 0
    assert community(con, APRIL, "崇北社区")["party_service_hours"] == 0


def test_members_service_by_kind_adds_up_to_the_metrics(con):
    rows = metrics.breakdown(con, "community_party_service_by_kind", *MARCH, street="崇文街道")
    chongbei = rows[rows["community"] == "崇北社区"].set_index("member_kind")
    assert chongbei["party_registered"].to_dict() == {"在职党员": 2, "离退休党员": 1}
    assert chongbei["party_active"].to_dict() == {"在职党员": 2, "离退休党员": 0}
    assert chongbei["claims"].to_dict() == {"在职党员": 2, "离退休党员": 0}
    assert rows["party_service_hours"].sum() == pytest.approx(street(con, MARCH)["party_service_hours"])
    assert rows["party_registered"].sum() == street(con, MARCH)["party_registered"]


def test_organisations_existing_at_the_end_by_kind(con):
    assert community(con, MARCH, "崇北社区")["party_orgs"] == 2  # CB, CB-1 (CB-2 is founded in April)
    assert community(con, APRIL, "崇北社区")["party_orgs"] == 3
    assert community(con, MARCH, "新建社区")["party_orgs"] == 2
    assert street(con, MARCH)["party_orgs"] == 5  # and the 街道党工委, which counts for the street only
    kinds = metrics.breakdown(con, "community_party_orgs_by_kind", *MARCH, street="崇文街道")
    assert kinds.groupby("kind")["party_orgs"].sum().to_dict() == {
        "街道党工委": 1,
        "社区党委": 1,
        "网格党支部": 1,
        "党总支": 1,
        "党支部": 1,
    }


def test_grids_with_a_party_group(con):
    assert community(con, MARCH, "崇北社区")["party_grid_groups"] == pytest.approx(2 / 3)
    assert community(con, MARCH, "新建社区")["party_grid_groups"] == 1.0
    assert street(con, MARCH)["party_grid_groups"] == pytest.approx(3 / 4)


def test_units_and_alliance_units_joined_by_the_end(con):
    chongbei = community(con, MARCH, "崇北社区")
    assert (chongbei["units_count"], chongbei["units_alliance"]) == (2, 1)
    assert (street(con, MARCH)["units_count"], street(con, MARCH)["units_alliance"]) == (3, 2)
    assert community(con, APRIL, "崇北社区")["units_alliance"] == 2


def test_projects_closure_rate_and_overdue(con):
    chongbei = community(con, MARCH, "崇北社区")
    assert (chongbei["projects_total"], chongbei["projects_closed"], chongbei["projects_overdue"]) == (3, 1, 3)
    assert chongbei["projects_closure_rate"] == pytest.approx(1 / 3)
    xinjian = community(con, MARCH, "新建社区")  # P6 is due on the last day: not yet overdue
    assert (xinjian["projects_total"], xinjian["projects_closed"], xinjian["projects_overdue"]) == (1, 0, 0)
    april = community(con, APRIL, "崇北社区")
    assert (april["projects_total"], april["projects_overdue"]) == (0, 2)
    assert pd.isna(april["projects_closure_rate"])  # nothing planned: no rate (—)
    assert community(con, APRIL, "新建社区")["projects_overdue"] == 1


def test_projects_by_source_add_up_to_the_metrics(con):
    rows = metrics.breakdown(con, "community_projects_by_source", *MARCH, communities=["崇北社区"])
    by_source = rows.set_index("source")[["projects_total", "projects_closed", "projects_overdue"]]
    assert by_source.to_dict("index") == {
        "民生实事": {"projects_total": 2, "projects_closed": 1, "projects_overdue": 2},
        "居民点单": {"projects_total": 1, "projects_closed": 0, "projects_overdue": 1},
    }


def test_projects_monthly_overdue_as_of_each_month_end(con):
    monthly = metrics.community_monthly(con, D(2022, 2, 1), D(2022, 4, 30), communities=["崇北社区"])
    assert monthly["projects_overdue"].tolist() == [1, 3, 2]  # February: P4 (due on the 10th)


def test_volunteer_teams_and_neighbours_by_skill(con):
    chongbei = community(con, MARCH, "崇北社区")
    assert (chongbei["volunteers_teams"], chongbei["volunteers_neighbours"]) == (1, 2)
    skills = metrics.breakdown(con, "community_volunteers_by_skill", *MARCH, communities=["崇北社区"])
    assert sorted(zip(skills["volunteer_kind"], skills["skill"], skills["volunteers"], strict=True)) == [
        ("宝藏邻居", "家政维修", 1),
        ("宝藏邻居", "法律咨询", 1),
        ("志愿服务队", "助老助残", 1),
    ]


def test_party_metrics_score_in_an_assessment_scheme(con):
    scheme = Scheme(
        "党建考核",
        "崇文街道",
        (
            Indicator("projects.closure_rate", 50, "linear", zero_at=0, full_at=100),
            Indicator("party.active_rate", 30, "ratio", target=100, cap=1),
            Indicator("projects.overdue", 20, "deduction", per_unit=5),
        ),
    )
    row = community(con, MARCH, "崇北社区")
    result = score_group(scheme, "崇北社区", row, None)
    assert result.score == pytest.approx(50 / 3 + 30 * 2 / 3 + (20 - 15))
