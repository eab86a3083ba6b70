"""Each formula of METRICS.md on the small hand-made street of conftest.py, through the real loader.

The numbers in the assertions are worked out by hand from the ledgers in conftest.py.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics

import duckdb
import pandas as pd
import pytest

from etl.load import load_paths
from streetdash import metrics
from streetdash.schema import load_schemas
from tests.metrics.conftest import write_street

D = dt.date
MARCH = (D(2022, 3, 1), D(2022, 3, 31))
APRIL = (D(2022, 4, 1), D(2022, 4, 30))
RATES = [m.column for m in metrics.load_catalogue().values() if m.format == "rate"]
# Rates over the grid list as it is now (no period): they have a value in an empty period.
GRID_LIST_RATES = {c for c in RATES if c.startswith("grids_")} | {"party_grid_groups"}


def hours(a: str, b: str) -> float:
    """Days between two 'YYYY-MM-DD HH:MM' times."""
    return (dt.datetime.fromisoformat(b) - dt.datetime.fromisoformat(a)).total_seconds() / 86400


def row(con, community: str, period: tuple[dt.date, dt.date]) -> dict:
    frame = metrics.community_metrics(con, *period)
    return frame.set_index("community").loc[community].to_dict()


def street(con, name: str, period: tuple[dt.date, dt.date]) -> dict:
    frame = metrics.street_metrics(con, *period, street=name)
    assert len(frame) == 1
    return frame.iloc[0].to_dict()


def missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


# Tasks -------------------------------------------------------------------------------------------


def test_task_counts_and_rates(con):
    m = row(con, "崇北社区", MARCH)
    assert (m["tasks_published"], m["tasks_closed"]) == (7, 4)
    assert m["tasks_published_closure_rate"] == pytest.approx(4 / 7)  # the seeds' "发布 61 条，办结 50 件"
    # 办结率 is over the tasks due in March (the deadline, or 7 days after publication when blank), not
    # withdrawn: T1 T2 T3 (due 17 March) T4 T8 T9 and T10 (published in February, due 4 March); closed by
    # the end of March: T1 T2 T3 (T8 only on 10 April).
    assert (m["tasks_due"], m["tasks_due_closed"]) == (7, 3)
    assert m["tasks_closure_rate"] == pytest.approx(3 / 7)
    assert m["tasks_claims"] == 4  # T1 twice, T2, and T10 (published in February, claimed in March)
    assert m["tasks_claims_per_task"] == pytest.approx(4 / 7)
    assert m["tasks_satisfaction_rate"] == pytest.approx(2 / 3)  # 满意 + 基本满意 of the 3 rated


def test_on_time_means_by_the_end_of_the_due_day(con):
    # Of the 7 tasks due in March: T1 (23:59 on its deadline day: on time), T3 (no deadline: due on
    # 17 March, closed on the 11th: on time); T2 (00:00 the day after: late), T8 (weeks late), and the
    # open T4, T9, T10 are not.
    assert row(con, "崇北社区", MARCH)["tasks_on_time_rate"] == pytest.approx(2 / 7)


def test_median_days_to_close(con):
    days = [
        hours("2022-03-01 09:00", "2022-03-03 23:59"),
        hours("2022-03-02 09:00", "2022-03-06 00:00"),
        1.0,
        hours("2022-03-15 09:00", "2022-04-10 09:00"),
    ]
    assert row(con, "崇北社区", MARCH)["tasks_median_days_to_close"] == pytest.approx(statistics.median(days))
    assert row(con, "新建社区", MARCH)["tasks_median_days_to_close"] == pytest.approx(1.0)


def test_overdue_is_as_of_the_end_date(con):
    # End of March: T4 (open), T8 (closed only in April) and T10 (no deadline: due 7 days after 25
    # February); not T9 (its deadline is the as-of day), not T5 (withdrawn).
    assert row(con, "崇北社区", MARCH)["tasks_overdue_open"] == 3
    # End of April: T4, T9, T10 and T7 (no deadline: due 8 April); T8 is closed by then. Tasks published
    # before the period count too.
    assert row(con, "崇北社区", APRIL)["tasks_overdue_open"] == 4
    assert row(con, "崇北社区", (D(2022, 3, 1), D(2022, 3, 30)))["tasks_overdue_open"] == 3  # T4, T8, T10
    assert row(con, "崇北社区", (D(2022, 3, 1), D(2022, 3, 20)))["tasks_overdue_open"] == 1  # T10; T8's due day


def test_april_counts_by_each_records_own_date(con):
    m = row(con, "崇北社区", APRIL)
    assert (m["tasks_published"], m["tasks_claims"], m["tasks_closed"]) == (1, 1, 0)  # T8 closed in April: not
    assert missing(m["tasks_closure_rate"]) is False and m["tasks_closure_rate"] == 0


# Mediation ---------------------------------------------------------------------------------------


def test_mediation_formulas(con):
    m = row(con, "崇北社区", MARCH)
    assert (m["mediation_cases"], m["mediation_closed"], m["mediation_settled"]) == (6, 4, 5)
    assert m["mediation_success_rate"] == pytest.approx(2 / 4)  # 调解成功 / (调解成功 + 调解不成)
    assert m["mediation_grid_rate"] == pytest.approx(1 / 5)  # M1 / settled
    assert m["mediation_community_rate"] == pytest.approx(2 / 5)  # M1 + M2 / settled
    assert m["mediation_escalated"] == 2  # M4 by outcome 已移交, M6 by level 移交上级
    assert m["mediation_median_days"] == pytest.approx(3.0)  # 2, 2, 4, 10
    assert m["mediation_mediators"] == 3


def test_mediation_breakdown_by_mediator(con):
    frame = metrics.breakdown(con, "community_mediators", *MARCH, communities=["崇北社区"])
    assert dict(zip(frame["mediator"], frame["mediation_cases"], strict=True)) == {"甲组": 2, "乙组": 2, "丙组": 1}
    assert len(frame) == row(con, "崇北社区", MARCH)["mediation_mediators"]


# Employment and events --------------------------------------------------------------------------


def test_employment_formulas(con):
    m = row(con, "永安社区", MARCH)
    assert (m["jobs_postings"], m["jobs_vacancies"]) == (2, 12)
    assert m["jobs_registrations"] == 3  # 马一, 牛二, 周五: distinct persons, not 6 records
    assert m["jobs_intents"] == 3  # records at 达成意向: 牛二 twice
    assert m["jobs_placements"] == 1  # 马一, with two 已上岗 records
    assert (m["jobs_trainees"], m["jobs_certified"]) == (50, 30)  # X3 has no 取证人数
    assert m["events_count"] == 3


def test_breakdowns_answer_the_filtered_calibration_questions(con):
    kinds = metrics.breakdown(con, "community_events_by_kind", *MARCH, street="崇文街道")
    assert kinds[kinds["kind"].isin(["创业沙龙", "座谈会"])]["events_count"].sum() == 2
    assert kinds.set_index("kind").loc["招聘会", "participants"] == 100
    courses = metrics.breakdown(con, "community_trainings_by_course", *MARCH)
    assert courses.set_index("course").loc["家政服务", "jobs_trainees"] == 50
    tasks = metrics.breakdown(con, "community_tasks_by", *MARCH, communities=["CB"])
    assert tasks[tasks["source"] == "小程序"]["tasks_published"].sum() == 3  # T1, T2, T8
    assert tasks["tasks_published"].sum() == 7


# Points ------------------------------------------------------------------------------------------


def test_points_formulas(con):
    m = row(con, "古桥社区", MARCH)
    assert (m["points_participants"], m["points_earned"], m["points_redeemed"], m["points_redeemers"]) == (2, 5, 25, 1)
    # 100 + everything up to the end of March: 赵大 100 + 10 + 5, 钱二 100 - 20 - 10 - 5.
    assert m["points_balance"] == pytest.approx((115 + 65) / 2)
    april = row(con, "古桥社区", APRIL)
    assert (april["points_participants"], april["points_earned"], april["points_redeemed"]) == (1, 0, 5)
    assert april["points_balance"] == pytest.approx((115 + 65 + 95) / 3)


# Grids -------------------------------------------------------------------------------------------


def test_grid_formulas(con):
    m = row(con, "崇北社区", MARCH)
    assert (m["grids_count"], m["grids_oversized"], m["grids_no_leader"]) == (2, 0, 0)
    assert m["grids_household_coverage"] == pytest.approx(850 / 3200)
    assert m["grids_households_per_staff"] == pytest.approx(850 / 5)
    assert m["grids_events_per_1000"] == pytest.approx((7 + 6) * 1000 / 3200)  # tasks + mediation cases
    assert missing(m["grids_area_coverage"]) and missing(m["grids_overlaps"])  # no boundaries yet
    assert row(con, "古桥社区", MARCH)["grids_oversized"] == 1  # 520 households
    assert row(con, "新建社区", MARCH)["grids_no_leader"] == 1
    no_grids = row(con, "永安社区", MARCH)
    assert no_grids["grids_count"] == 0 and no_grids["grids_household_coverage"] == 0  # 0 of 3,000 households
    assert missing(no_grids["grids_households_per_staff"])  # no staff: no ratio


# Empty periods, communities without data, street totals ----------------------------------------


def test_an_empty_period_has_zero_counts_and_no_rates(con):
    m = row(con, "崇北社区", (D(2030, 1, 1), D(2030, 1, 31)))
    assert m["tasks_published"] == m["tasks_claims"] == m["mediation_cases"] == m["jobs_postings"] == 0
    assert all(missing(m[c]) for c in RATES if c not in GRID_LIST_RATES), {c: m[c] for c in RATES}
    assert missing(m["tasks_median_days_to_close"]) and missing(m["tasks_claims_per_task"])
    # Overdue is a state, not a flow: as of the data's last day (1 June 2022, the period is cut there)
    # T4, T7, T9 and T10 are still open and past due.
    assert m["tasks_overdue_open"] == 4
    assert m["grids_count"] == 2  # grids do not depend on the period


def test_a_community_without_data_appears_with_zeros(con):
    frame = metrics.community_metrics(con, *MARCH)
    assert sorted(frame["community"]) == sorted(["崇北社区", "新建社区", "永安社区", "古桥社区", "空白社区"])
    blank = frame.set_index("community").loc["空白社区"].to_dict()
    counts = [m.column for m in metrics.load_catalogue().values() if m.format == "count" and m.key != "grids.overlaps"]
    assert all(blank[c] == 0 for c in counts), {c: blank[c] for c in counts}
    assert all(missing(blank[c]) for c in RATES)  # no households either: no coverage
    assert missing(blank["points_balance"]) and missing(blank["grids_events_per_1000"])


def test_street_rates_come_from_the_records_not_from_community_rates(con):
    s = street(con, "崇文街道", MARCH)
    communities = metrics.community_metrics(con, *MARCH, street="崇文街道").set_index("community")

    assert (s["tasks_published"], s["tasks_closed"]) == (8, 5)
    assert s["tasks_closure_rate"] == pytest.approx(4 / 8)  # 崇北 3 of 7 due, 新建 1 of 1
    assert communities["tasks_closure_rate"].mean() == pytest.approx((3 / 7 + 1) / 2)  # what a mean would say

    assert s["mediation_grid_rate"] == pytest.approx(2 / 6)  # M1 + M7 over 6 settled; mean of rates: 0.6
    assert s["mediation_community_rate"] == pytest.approx(3 / 6)
    assert s["mediation_success_rate"] == pytest.approx(3 / 5)
    assert s["mediation_mediators"] == 4

    # Medians over the street's records, not the mean of the communities' medians.
    days = [1.0, 1.0, hours("2022-03-01 09:00", "2022-03-03 23:59"), hours("2022-03-02 09:00", "2022-03-06 00:00")]
    days.append(hours("2022-03-15 09:00", "2022-04-10 09:00"))
    assert s["tasks_median_days_to_close"] == pytest.approx(statistics.median(days))

    # Distinct persons over the street: 周五 is registered in 永安 and placed in 崇北, one person.
    assert communities["jobs_registrations"].sum() == 5 and s["jobs_registrations"] == 4
    assert communities["jobs_placements"].sum() == 2 and s["jobs_placements"] == 2  # 马一 and 周五

    assert s["grids_household_coverage"] == pytest.approx((850 + 380) / (3200 + 2800 + 3000))
    assert s["tasks_claims_per_task"] == pytest.approx(5 / 8)
    assert s["tasks_overdue_open"] == 3


def test_street_of_a_community_without_households(con):
    s = street(con, "许庄街道", MARCH)
    assert s["grids_household_coverage"] == pytest.approx(520 / 2500)  # 空白社区 has no household count
    assert s["points_redeemers"] == 1


# Months ------------------------------------------------------------------------------------------


def test_monthly_rows_cover_every_community_and_month(con):
    monthly = metrics.community_monthly(con, D(2022, 3, 1), D(2022, 5, 31))
    assert len(monthly) == 5 * 3
    assert [m.month for m in pd.to_datetime(monthly["month"]).drop_duplicates().sort_values()] == [3, 4, 5]
    chongbei = monthly[monthly["community"] == "崇北社区"].set_index("month")
    assert chongbei["tasks_published"].tolist() == [7, 1, 0]
    assert chongbei["tasks_claims"].tolist() == [4, 1, 0]
    assert chongbei["tasks_overdue_open"].tolist() == [3, 4, 4]  # each as of its month's end
    guqiao = monthly[monthly["community"] == "古桥社区"].set_index("month")
    assert guqiao["points_balance"].tolist() == pytest.approx([90, 275 / 3, 275 / 3])


def test_monthly_sums_match_the_whole_period_for_counts(con):
    whole = metrics.community_metrics(con, D(2022, 3, 1), D(2022, 5, 31)).set_index("community_id").sort_index()
    monthly = (
        metrics.community_monthly(con, D(2022, 3, 1), D(2022, 5, 31)).groupby("community_id").sum(numeric_only=True)
    )
    for column in ("tasks_published", "tasks_claims", "tasks_closed", "mediation_cases", "jobs_intents"):
        assert (whole[column] == monthly[column]).all(), column


def test_a_partial_month_counts_only_days_in_the_range(con):
    monthly = metrics.community_monthly(con, D(2022, 3, 5), D(2022, 4, 3), communities=["崇北社区"])
    assert pd.to_datetime(monthly["month"]).dt.day.tolist() == [1, 1]
    assert monthly["tasks_published"].tolist() == [5, 1]  # T1 and T2 before 5 March are out
    street_months = metrics.street_monthly(con, D(2022, 3, 1), D(2022, 4, 30), street="崇文街道")
    assert street_months["tasks_published"].tolist() == [8, 1]


def test_scope_by_street_and_communities(con):
    frame = metrics.community_metrics(con, *MARCH, street="崇文街道", communities=["崇北社区", "XJ"])
    assert sorted(frame["community"]) == ["崇北社区", "新建社区"]
    assert len(metrics.street_metrics(con, *MARCH)) == 2


# The catalogue -----------------------------------------------------------------------------------


def test_catalogue_matches_the_macros_and_the_schema(con):
    catalogue = metrics.load_catalogue()
    columns = [m.column for m in catalogue.values()]
    assert len(set(columns)) == len(columns)
    community = list(metrics.community_metrics(con, *MARCH).columns)
    assert community[:3] == ["community_id", "community", "street"] and community[3:] == columns
    assert list(metrics.community_monthly(con, *MARCH).columns) == community[:3] + ["month"] + columns
    assert list(metrics.street_metrics(con, *MARCH).columns) == ["street"] + columns
    assert list(metrics.street_monthly(con, *MARCH).columns) == ["street", "month"] + columns
    assert set(load_schemas().enums["metric_key"].values) <= set(catalogue)
    for m in catalogue.values():
        assert m.name and m.unit and m.definition.endswith("。"), m.key


def test_format_value():
    f = metrics.format_value
    assert f("tasks.closure_rate", 0.82) == "82.0%"
    assert f("tasks_closure_rate", 2 / 3) == "66.7%"
    assert f("tasks.published", 1234) == "1,234"
    assert f("tasks.published", 61, with_unit=True) == "61 件"
    assert f("tasks.median_days_to_close", 2.625) == "2.6"
    assert f("tasks.median_days_to_close", 2.625, with_unit=True) == "2.6 天"
    assert f("tasks.claims_per_task", 8.333) == "8.3"
    assert f("points.earned", 12000) == "12,000"
    assert f("points.balance", 92.5) == "92.5"
    for nothing in (None, float("nan"), pd.NA):
        assert f("tasks.closure_rate", nothing) == "—"
        assert f("tasks.published", nothing) == "—"
    with pytest.raises(KeyError):
        f("tasks.nonsense", 1)


def test_catalogue_rejects_a_bad_entry(tmp_path):
    bad = tmp_path / "metrics.toml"
    bad.write_text(
        '[[metric]]\nkey = "tasks.published"\nname = "发布任务数"\nunit = "件"\ndefinition = "x。"\n'
        'direction = "up"\nformat = "count"\ncolumn = "tasks_published"\n',
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="direction"):
        metrics.load_catalogue(bad)


def test_a_staging_view_for_every_ledger_table(con):
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    # Boundaries have none: etl/grid_checks.py turns them into facts that stg_grids carries.
    tables = {kind.table for kind in load_schemas().ledgers()}
    assert {f"stg_{table}" for table in tables} <= views
    for table in tables:  # staging keeps every record
        assert (
            con.execute(f"SELECT count(*) FROM stg_{table}").fetchone()
            == con.execute(f"SELECT count(*) FROM {table}").fetchone()
        )


# Empty ledgers -----------------------------------------------------------------------------------


def test_every_macro_works_when_the_ledgers_are_empty(tmp_path):
    db = tmp_path / "w.duckdb"
    assert load_paths(write_street(tmp_path / "base", with_ledgers=False), db=db).rejected == []
    with duckdb.connect(str(db), read_only=True) as con:
        frame = metrics.community_metrics(con, D(2022, 1, 1), D(2022, 12, 31))
        assert len(frame) == 5 and frame["tasks_published"].sum() == 0 and frame["points_participants"].sum() == 0
        assert frame[[c for c in RATES if c not in GRID_LIST_RATES]].isna().all().all()
        assert frame.set_index("community").loc["崇北社区", "grids_count"] == 2
        assert len(metrics.community_monthly(con, D(2022, 1, 1), D(2022, 12, 31))) == 5 * 12
        assert len(metrics.street_metrics(con, D(2022, 1, 1), D(2022, 12, 31))) == 2
        assert len(metrics.street_monthly(con, D(2022, 1, 1), D(2022, 12, 31))) == 2 * 12
        for macro in (
            "community_events_by_kind",
            "community_tasks_by",
            "community_trainings_by_course",
            "community_party_orgs_by_kind",
            "community_projects_by_source",
            "community_volunteers_by_skill",
            "community_party_service_by_kind",
        ):
            assert metrics.breakdown(con, macro, D(2022, 1, 1), D(2022, 12, 31)).empty
        assert metrics.breakdown(con, "community_mediators", D(2022, 1, 1), D(2022, 12, 31)).empty
        assert con.execute("SELECT count(*) FROM fct_tasks").fetchone() == (0,)


def test_a_selection_of_communities_is_one_group_from_its_records(con):
    chosen = ["崇北社区", "XJ"]  # names or codes
    s = metrics.selection_metrics(con, *MARCH, chosen).iloc[0]
    assert (s["tasks_published"], s["tasks_closed"]) == (8, 5)
    assert s["tasks_closure_rate"] == pytest.approx(4 / 8)
    assert s["mediation_grid_rate"] == pytest.approx(2 / 6)
    assert s["jobs_registrations"] == 2  # 周五 and 吴六 in 崇北
    monthly = metrics.selection_monthly(con, D(2022, 3, 1), D(2022, 4, 30), chosen)
    assert monthly["tasks_published"].tolist() == [8, 1]
    assert list(monthly.columns) == ["month"] + [m.column for m in metrics.load_catalogue().values()]
