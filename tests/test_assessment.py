"""考核: the three rule kinds of METRICS.md at, below, above and between their thresholds, inverted
metrics, caps, floors and missing values; scheme files (and their mistakes, in Chinese); the monthly
ranking; and the demo's schemes, under which every community gets a score."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from streetdash import assessment, schemes
from streetdash.assessment import GroupScore, rank_change, score, score_group
from streetdash.schemes import NO_DATA, NO_TARGET, Indicator, Scheme, SchemeError, read_scheme

D = dt.date


def linear(metric="tasks.on_time_rate", weight=50, zero_at=60, full_at=95) -> Indicator:
    return Indicator(metric, weight, "linear", zero_at=zero_at, full_at=full_at)


# Linear between thresholds -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "actual,points",
    [
        (0.40, 0.0),  # below zero_at
        (0.60, 0.0),  # at zero_at
        (0.775, 25.0),  # half way
        (0.95, 50.0),  # at full_at
        (0.99, 50.0),  # above: never more than the weight
    ],
)
def test_linear_between_thresholds(actual, points):
    part = score(linear(), actual)  # 按期办结率 weight 50, zero at 60%, full at 95% (METRICS.md)
    assert part.points == pytest.approx(points)
    assert part.lost == pytest.approx(50 - points)
    assert part.actual == pytest.approx(actual * 100)  # rates in percent, as the scheme writes them


@pytest.mark.parametrize("actual,points", [(300, 0.0), (250, 0.0), (200, 5.0), (150, 10.0), (90, 10.0)])
def test_linear_inverted_where_lower_is_better(actual, points):
    # 每名网格员服务户数: 250 or more scores nothing, 150 or fewer the full 10.
    indicator = linear("grids.households_per_staff", 10, zero_at=250, full_at=150)
    assert indicator.lower_is_better
    assert score(indicator, actual).points == pytest.approx(points)


# Ratio to target (CityScore) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "actual,points",
    [(0, 0.0), (10, 5.0), (20, 10.0), (24, 12.0), (25, 12.5), (40, 12.5)],  # capped at 1.25 x the weight
)
def test_ratio_to_target_with_cap(actual, points):
    indicator = Indicator("jobs.postings", 10, "ratio", target=20)  # cap 1.25 by default
    part = score(indicator, actual)
    assert part.points == pytest.approx(points)
    assert part.lost == pytest.approx(max(10 - points, 0))  # a bonus loses nothing


def test_ratio_cap_of_one_and_lower_is_better():
    assert score(Indicator("jobs.postings", 10, "ratio", target=20, cap=1), 30).points == 10
    # 移交上级: target ÷ actual, the cap when there is none at all.
    escalated = Indicator("mediation.escalated", 8, "ratio", target=2, cap=1.25)
    assert score(escalated, 4).points == pytest.approx(4)
    assert score(escalated, 2).points == pytest.approx(8)
    assert score(escalated, 0).points == pytest.approx(10)


def test_ratio_target_from_the_campaigns():
    indicator = Indicator("jobs.postings", 20, "ratio", target="campaign", cap=1.25)
    assert score(indicator, 6, target=8).points == pytest.approx(15)
    no_target = score(indicator, 6, target=None)
    assert (no_target.points, no_target.status, no_target.lost) == (None, NO_TARGET, None)


def test_campaign_targets_are_prorated_to_the_month_for_counts_not_rates():
    rows = pd.DataFrame(
        {
            "metric_key": ["jobs.postings", "mediation.success_rate", "jobs.postings"],
            "target": [366.0, 90.0, 30.0],
            "period_start": [D(2024, 1, 1), D(2024, 1, 1), D(2024, 12, 1)],
            "period_end": [D(2024, 12, 31), D(2024, 12, 31), D(2024, 12, 31)],
        }
    )
    # A whole year's 366 postings: 31 of them for December, plus December's own 30.
    assert assessment.campaign_target(rows, "jobs.postings", D(2024, 12, 1), D(2024, 12, 31)) == pytest.approx(61)
    assert assessment.campaign_target(rows, "jobs.postings", D(2024, 2, 1), D(2024, 2, 29)) == pytest.approx(29)
    assert assessment.campaign_target(rows, "mediation.success_rate", D(2024, 2, 1), D(2024, 2, 29)) == 90
    assert assessment.campaign_target(rows, "jobs.placements", D(2024, 2, 1), D(2024, 2, 29)) is None


# Deductions with a floor --------------------------------------------------------------------------


@pytest.mark.parametrize("overdue,points", [(0, 10.0), (1, 9.5), (8, 6.0), (20, 0.0), (50, 0.0)])
def test_deductions_per_unit(overdue, points):
    assert score(Indicator("tasks.overdue_open", 10, "deduction", per_unit=0.5), overdue).points == points


def test_deductions_stop_at_the_floor():
    indicator = Indicator("mediation.escalated", 10, "deduction", per_unit=1, floor=4)
    assert [score(indicator, n).points for n in (0, 3, 6, 7, 30)] == [10, 7, 4, 4, 4]
    assert score(indicator, 30).lost == 6


# Missing values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("nothing", [None, float("nan"), pd.NA])
@pytest.mark.parametrize(
    "indicator",
    [
        linear(),
        Indicator("jobs.postings", 10, "ratio", target=20),
        Indicator("tasks.overdue_open", 10, "deduction", per_unit=1),
    ],
    ids=["linear", "ratio", "deduction"],
)
def test_a_missing_value_scores_nothing_and_says_so(indicator, nothing):
    part = score(indicator, nothing)
    assert (part.points, part.lost, part.status, part.actual) == (None, None, NO_DATA, None)


def _scheme(missing: str = "rescale") -> Scheme:
    return Scheme(
        "测试方案",
        "崇文街道",
        (
            linear("tasks.closure_rate", 60, 60, 95),
            linear("mediation.success_rate", 20, 50, 90),
            Indicator("tasks.overdue_open", 20, "deduction", per_unit=1),
        ),
        missing=missing,
    )


def test_without_data_the_indicator_is_left_out_and_the_rest_scaled_to_full_marks():
    row = {"tasks_closure_rate": 0.95, "mediation_success_rate": None, "tasks_overdue_open": 5}
    group = score_group(_scheme(), "崇北社区", row)
    assert group.points == pytest.approx(60 + 15) and group.available == 80
    assert group.score == pytest.approx(75 * 100 / 80)  # not 75: no disputes is not a failure
    assert group.unscored == ["调解成功率"]
    plain = score_group(_scheme("none"), "崇北社区", row)
    assert plain.score == pytest.approx(75)  # missing = "none": it simply brings no points
    assert score_group(_scheme(), "空白社区", {}).score is None  # nothing at all: no score, no rank


def test_bands_and_ranks():
    scheme = _scheme()
    groups = [
        GroupScore("甲", (assessment.Part(scheme.indicators[0], 95.0, points=60.0),), scheme),
        GroupScore("乙", (assessment.Part(scheme.indicators[0], 80.0, points=45.0),), scheme),
        GroupScore("丙", (assessment.Part(scheme.indicators[0], 80.0, points=45.0),), scheme),
        GroupScore("丁", (assessment.Part(scheme.indicators[0], None, status=NO_DATA),), scheme),
    ]
    assert [g.band for g in groups] == ["绿", "黄", "黄", None]  # 100, 75, 75 (rescaled), none
    assert assessment.rank(groups) == {"甲": 1, "乙": 2, "丙": 2, "丁": None}
    assert [rank_change(1, 3), rank_change(4, 2), rank_change(2, 2), rank_change(1, None)] == ["↑2", "↓2", "持平", "—"]


def test_a_month_is_ranked_against_the_month_before():
    scheme = _scheme()
    monthly = pd.DataFrame(
        {
            "community": ["甲", "乙", "甲", "乙"],
            "month": [D(2024, 11, 1)] * 2 + [D(2024, 12, 1)] * 2,
            "tasks_closure_rate": [0.95, 0.70, 0.70, 0.95],
            "mediation_success_rate": [0.9, 0.9, None, 0.5],
            "tasks_overdue_open": [0, 0, 2, 30],
        }
    )
    a = assessment.assess(
        "community", scheme, monthly, pd.DataFrame(), [D(2024, 11, 1), D(2024, 12, 1)], D(2024, 12, 31)
    )
    table = a.ranking()
    # November: 甲 100, 乙 57.1. December: 甲 35.1 of the 80 points with data (43.9 of 100), 乙 60 + 0 + 0.
    assert table["社区"].tolist() == ["乙", "甲"] and table["名次"].tolist() == [1, 2]
    assert table.set_index("社区").loc["乙", "得分"] == pytest.approx(60.0)
    assert table.set_index("社区").loc["甲", "得分"] == pytest.approx(round((60 * 10 / 35 + 18) * 100 / 80, 1))
    assert table.set_index("社区").loc["甲", "无数据指标"] == "调解成功率"
    assert dict(zip(table["社区"], table["较上月"], strict=True)) == {"乙": "↑1", "甲": "↓1"}
    breakdown = a.breakdown("乙")
    assert breakdown["指标"].tolist() == ["调解成功率", "超期未办结", "办结率"]  # the largest loss first
    assert breakdown["失分"].tolist() == [20, 20, 0]
    assert a.breakdown("甲").iloc[-1][["完成值", "说明"]].tolist() == ["无数据", "本月没有数据，不计分"]
    history = a.history()
    assert history[history["社区"] == "甲"]["名次"].tolist() == [1, 2]


# Scheme files ----------------------------------------------------------------------------------


def test_the_bundled_schemes_read_and_add_up_to_100():
    loaded = schemes.load_schemes(Path(schemes.__file__).with_name("schemes"))
    assert set(loaded) == {None, "崇文街道", "许庄街道", "北城街道"}
    for scheme in loaded.values():
        assert scheme.full_marks == 100, scheme.title
        assert 5 <= len(scheme.indicators) <= 8
        keys = {i.metric.split(".")[0] for i in scheme.indicators}
        assert keys == {"tasks", "mediation", "jobs", "grids", "ledgers"}, scheme.title
        assert all(line.endswith("。") for line in scheme.sentences())
    assert loaded["许庄街道"].settings.response_hours == 12
    assert any(i.from_campaigns for i in loaded["许庄街道"].indicators)  # CityScore: ratio to the campaigns' target


def test_plain_chinese_rules():
    assert linear().rule_text() == "达到 95% 得满分 50 分，60% 及以下不得分，其间按比例计分"
    assert linear("grids.households_per_staff", 10, 250, 150).rule_text().startswith("不高于 150 户/人 得满分 10 分")
    deduction = Indicator("tasks.overdue_open", 10, "deduction", per_unit=0.5)
    assert deduction.rule_text() == "满分 10 分，每 1 件超期未办结扣 0.5 分，扣完为止"
    ratio = Indicator("jobs.postings", 10, "ratio", target=20)
    assert ratio.rule_text() == "目标 20 条；按 完成值 ÷ 目标值 × 10 分计分，超额完成最多按 125% 计（12.5 分）"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "body,message",
    [
        ('[[indicator]]\nmetric = "tasks.nonsense"\nweight = 10\nrule = "linear"\n', "不在指标目录"),
        ('[[indicator]]\nmetric = "tasks.closure_rate"\nweight = 10\nrule = "curve"\n', "rule 应为"),
        ('[[indicator]]\nmetric = "tasks.closure_rate"\nweight = 10\nrule = "linear"\nzero_at = 60\n', "zero_at"),
        (
            '[[indicator]]\nmetric = "tasks.closure_rate"\nweight = 10\nrule = "linear"\nzero_at = 95\nfull_at = 60\n',
            "方向相反",
        ),
        ('[[indicator]]\nmetric = "jobs.postings"\nweight = 10\nrule = "ratio"\n', "target"),
        ('[[indicator]]\nmetric = "tasks.overdue_open"\nweight = 10\nrule = "deduction"\n', "per_unit"),
        ('[[indicator]]\nmetric = "tasks.overdue_open"\nweight = 0\nrule = "deduction"\nper_unit = 1\n', "weight"),
        (
            '[[indicator]]\nmetric = "tasks.overdue_open"\nweight = 5\nrule = "deduction"\nper_unit = 1\nlimit = 3\n',
            "不认识",
        ),
        ("[settings]\ndue_days = -1\n", "due_days"),
        ("[bands]\ngreen = 70\nyellow = 80\n", "bands"),
        ('title = "未闭合\n', "不是有效的 TOML"),
    ],
)
def test_a_bad_scheme_file_is_refused_in_chinese(tmp_path, body, message):
    path = _write(tmp_path, "崇文街道.toml", 'street = "崇文街道"\n' + body if "未闭合" not in body else body)
    with pytest.raises(SchemeError, match=message) as error:
        read_scheme(path)
    assert "崇文街道.toml" in str(error.value)


def test_a_street_file_inherits_the_shared_settings_and_indicators(tmp_path):
    _write(
        tmp_path,
        "default.toml",
        '[settings]\ndue_days = 5\n[[indicator]]\nmetric = "tasks.overdue_open"\nweight = 100\nrule = "deduction"\nper_unit = 5\n',
    )
    _write(tmp_path, "a.toml", 'street = "甲街道"\n[settings]\nresponse_hours = 8\n')
    loaded = schemes.load_schemes(tmp_path)
    street = loaded["甲街道"]
    assert (street.settings.due_days, street.settings.response_hours) == (5, 8)
    assert street.indicators == loaded[None].indicators
    assert schemes.scheme_for("乙街道", tmp_path) is loaded[None]
    assert sorted(schemes.settings_rows(tmp_path), key=str) == sorted(
        [(None, 5, 24.0, "default.toml"), ("甲街道", 5, 8.0, "a.toml")], key=str
    )
    _write(tmp_path, "b.toml", 'street = "甲街道"\n')
    with pytest.raises(SchemeError, match="只能有一个方案文件"):
        schemes.load_schemes(tmp_path)


def test_an_edited_scheme_counts_at_once(tmp_path):
    path = _write(
        tmp_path,
        "default.toml",
        '[[indicator]]\nmetric = "tasks.overdue_open"\nweight = 100\nrule = "deduction"\nper_unit = 5\n',
    )
    before = schemes.version(tmp_path)
    assert schemes.load_schemes(tmp_path)[None].indicators[0].per_unit == 5
    path.write_text(path.read_text(encoding="utf-8").replace("per_unit = 5", "per_unit = 2.5"), encoding="utf-8")
    assert schemes.version(tmp_path) != before
    assert schemes.load_schemes(tmp_path)[None].indicators[0].per_unit == 2.5


# The demo ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("street", ["崇文街道", "许庄街道", "北城街道"])
def test_every_community_of_the_demo_gets_a_score(demo, street):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        a = assessment.read_assessment(con, street, D(2024, 12, 1))
        communities = con.execute("SELECT name FROM communities WHERE street = ?", [street]).fetchall()
    table = a.ranking()
    assert sorted(table["社区"]) == sorted(c for (c,) in communities)
    assert table["得分"].notna().all() and table["名次"].notna().all()
    assert set(table["等级"]) <= {"绿", "黄", "红"}
    assert len(a.months) == 12 and not a.history().empty
    for name in table["社区"]:
        parts = a.breakdown(name)
        assert len(parts) == len(a.scheme.indicators)
        scored = parts.dropna(subset=["得分"])
        assert (scored["得分"] + scored["失分"] >= scored["分值"] - 1e-9).all()


def test_the_demo_ranks_the_lagging_community_last_and_streets_by_the_shared_scheme(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        a = assessment.read_assessment(con, "崇文街道", D(2024, 12, 1))
        streets = assessment.read_assessment(con, None, D(2024, 12, 1), level="street")
    table = a.ranking()
    assert table.iloc[-1]["社区"] == "振兴社区" and table.iloc[-1]["等级"] == "红"
    assert table["得分"].max() - table["得分"].min() > 20  # the scheme tells communities apart
    assert sorted(streets.ranking()["街道"]) == ["北城街道", "卧虎湾街道", "崇文街道", "许庄街道"]
    assert streets.scheme.street is None
    # 许庄's 发布就业信息 against each community's own campaign target, prorated to December.
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        xu = assessment.read_assessment(con, "许庄街道", D(2024, 12, 1))
    part = next(p for p in xu.group("古桥社区").parts if p.indicator.metric == "jobs.postings")
    assert part.target == pytest.approx(70 * 31 / 366) and not math.isnan(part.points)
