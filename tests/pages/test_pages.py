"""Every page on the demo warehouse (AppTest), with the filters in the URL as a shared link sets them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from streetdash.text import markdown
from tests.signin import sign_in

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/overview.py",
    "pages/assessment.py",
    "pages/tasks.py",
    "pages/mediation.py",
    "pages/employment.py",
    "pages/campaigns.py",
    "pages/party.py",
    "pages/grid_map.py",
    "pages/upload.py",
    "pages/data_status.py",
    "pages/explore.py",
    "pages/report.py",
]


def open_page(page: str, db: Path, monkeypatch, user: str | None = "district", **query) -> AppTest:
    """``page`` of the app on warehouse ``db`` with ``query`` in the URL, signed in as a test ``user``
    (tests.signin.USERS; the default sees every street; None: no one signed in)."""
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    if user is not None:
        sign_in(at, user)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_default_view(demo, page, monkeypatch):
    # The upload page is for the roles that load (a district reader is refused it): a street secretary.
    at = open_page(page, demo[0], monkeypatch, user="street" if page == "pages/upload.py" else "district")
    assert at.title[0].value


def test_tasks_for_chongbei_2022(demo, monkeypatch):
    at = open_page(
        "pages/tasks.py",
        demo[0],
        monkeypatch,
        street="崇文街道",
        community="崇北社区",
        start="2022-01-01",
        end="2022-12-31",
    )
    shown = metrics(at)
    assert (shown["发布任务数"], shown["累计接单次数"], shown["办结任务数"], shown["当期发布办结率"]) == (
        "61",
        "508",
        "50",
        "82.0%",
    )
    assert "崇北社区 · 2022年" in at.caption[0].value


def test_employment_for_yongan_2022(demo, monkeypatch):
    at = open_page(
        "pages/employment.py",
        demo[0],
        monkeypatch,
        street="崇文街道",
        community="永安社区",
        start="2022-01-01",
        end="2022-12-31",
    )
    shown = metrics(at)
    assert (shown["发布就业信息（条）"], shown["达成就业意向（人次）"]) == ("230", "120")


def test_overview_cards_scores_and_attention(demo, monkeypatch):
    at = open_page("pages/overview.py", demo[0], monkeypatch, street="许庄街道", start="2024-01-01", end="2024-12-31")
    shown = metrics(at)
    assert {
        "办结率",
        "按期办结率",
        "调解成功率",
        "网格内化解率",
        "发布就业信息（条）",
        "达成就业意向（人次）",
        "参与居民",
    } <= set(shown)
    assert any("古桥社区" in str(df.value) for df in at.dataframe)  # ranking and 综合得分
    assert any(m.help and "应办已办结 ÷ 应办结任务数" in m.help for m in at.metric)  # 口径说明 on hover


def test_filters_persist_across_pages_and_stay_in_the_url(demo, monkeypatch):
    at = open_page(
        "pages/overview.py",
        demo[0],
        monkeypatch,
        street="崇文街道",
        community="崇北社区",
        start="2022-01-01",
        end="2022-12-31",
    )
    at.switch_page("pages/tasks.py").run()
    assert metrics(at)["发布任务数"] == "61"
    query = {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}
    assert query["community"] == ["崇北社区"] and query["start"] == ["2022-01-01"]


def test_an_empty_period_says_so(demo, monkeypatch):
    at = open_page("pages/tasks.py", demo[0], monkeypatch, street="崇文街道", start="2030-01-01", end="2030-01-31")
    assert metrics(at)["办结率"] == "—"
    assert any("没有" in i.value for i in at.info)


def test_sidebar_filters_change_the_view_and_follow_to_other_pages(demo, monkeypatch):
    at = open_page("pages/overview.py", demo[0], monkeypatch)
    # A district user starts on the street with the most communities (the demo's 卧虎湾街道).
    assert at.sidebar.selectbox[0].value == "卧虎湾街道"
    at.sidebar.selectbox[0].set_value("崇文街道").run()
    for preset, label in [("上月", "2024年11月"), ("本年", "2024年"), ("本季度", "2024年第4季度")]:
        at.sidebar.radio[0].set_value(preset).run()
        assert not at.exception and label in at.caption[0].value
    at.sidebar.multiselect[0].set_value(["崇北社区"]).run()
    at.switch_page("pages/tasks.py").run()
    assert at.caption[0].value.startswith("崇北社区 · 2024年第4季度")
    assert at.sidebar.multiselect[0].value == ["崇北社区"]
    at.sidebar.selectbox[0].set_value("许庄街道").run()
    assert at.caption[0].value.startswith("许庄街道全部社区") and not at.exception


def test_a_click_on_a_community_narrows_the_filters(demo, monkeypatch):
    from streetdash.filters import Filters

    at = open_page("pages/tasks.py", demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    f = at.session_state["filters"]
    at.session_state["pending_filters"] = Filters(f.street, ("永安社区",), f.start, f.end)  # what a chart click sets
    at.run()
    assert at.caption[0].value.startswith("永安社区 · 2022年")
    assert at.query_params["community"] in ("永安社区", ["永安社区"])


def test_grid_map_figures_checks_and_a_grid_card(demo, monkeypatch):
    import duckdb

    at = open_page("pages/grid_map.py", demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    shown = metrics(at)
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        street = con.execute(
            "SELECT grids_area_coverage, grids_overlaps, grids_count FROM street_metrics(DATE '2022-01-01', "
            "DATE '2022-12-31') WHERE street = '崇文街道'"
        ).fetchall()[0]
    assert shown["面积覆盖率"] == f"{street[0] * 100:.1f}%" != "100.0%"
    assert (shown["网格重叠"], shown["网格数"]) == (str(street[1]), str(street[2])) == ("1", "48")
    checks = " ".join(m.value for m in at.markdown)
    assert "覆盖空白" in checks and "振兴社区" in checks and "网格重叠" in checks and "超出社区边界" in checks
    # A grid's card, as a click (or a shared link with ?grid=) opens it.
    at.query_params["grid"] = "141181001001-05"
    at.run()
    assert not at.exception, at.exception
    assert any(markdown("新建第5网格（141181001001-05）") == h.value for h in at.subheader)  # escaped Markdown
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        grid = con.execute(
            "SELECT tasks_published, mediation_cases FROM grid_metrics(DATE '2022-01-01', DATE '2022-12-31')"
            " WHERE grid_id = '141181001001-05'"
        ).fetchall()[0]
    card = {m.label: m.value for m in at.metric[8:]}  # after the eight street cards
    assert (card["发布任务数"], card["受理纠纷数"]) == (str(grid[0]), str(grid[1]))
    assert any("网格重叠" in w.value for w in at.warning)
    # Another colouring keeps the page whole.
    picker = at.selectbox(key="map_metric")
    picker.select_index(picker.options.index("办结率")).run()
    assert not at.exception, at.exception
    assert at.selectbox(key="map_metric").value.key == "tasks.closure_rate"


def test_assessment_ranks_opens_a_breakdown_on_click_and_states_the_scheme(demo, monkeypatch):
    at = open_page("pages/assessment.py", demo[0], monkeypatch, street="崇文街道", start="2024-12-01", end="2024-12-31")
    ranking = at.dataframe[0].value
    assert list(ranking.columns) == ["名次", "社区", "得分", "等级", "较上月", "无数据指标"]
    assert len(ranking) == 6 and ranking["名次"].tolist() == sorted(ranking["名次"].tolist())
    assert ranking["社区"].iloc[-1] == "振兴社区"
    # Before a click: the community with most to fix, its indicators the largest loss first.
    assert at.subheader[0].value.startswith("振兴社区：")
    breakdown = at.dataframe[1].value
    assert list(breakdown.columns) == ["指标", "完成值", "得分", "失分", "分值", "计分规则", "说明"]
    lost = breakdown["失分"].dropna().tolist()
    assert lost == sorted(lost, reverse=True)
    # A click on the first row (what the table's selection sets) opens that community's breakdown.
    first = ranking["社区"].iloc[0]
    at.session_state["assessment_ranking"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert at.subheader[0].value.startswith(f"{first}：")
    scheme = " ".join(m.value for m in at.markdown)
    assert "办结率（25 分）：达到 95% 得满分 25 分" in scheme and "90 分及以上为绿色" in scheme
    assert any("崇文街道社区工作月度考核" in c.value for c in at.caption)
    assert len(at.get("plotly_chart")) == 1  # the 12-month rank chart
    # The streets of the district, by the shared scheme.
    at.radio(key="assessment_level").set_value("street").run()
    assert not at.exception, at.exception
    assert sorted(at.dataframe[0].value["街道"]) == ["北城街道", "卧虎湾街道", "崇文街道", "许庄街道"]


def test_the_overview_shows_the_months_assessment(demo, monkeypatch):
    at = open_page("pages/overview.py", demo[0], monkeypatch, street="许庄街道", start="2024-12-01", end="2024-12-31")
    assert any(h.value == "12月考核" for h in at.subheader)
    table = next(df.value for df in at.dataframe if "等级" in df.value.columns)
    assert sorted(table["社区"]) == ["京杭佳苑社区", "南风花园社区", "古桥社区", "滨湖社区"]
    assert any("失分最多的" in m.value or "满分" in m.value for m in at.markdown)


def test_a_part_month_is_compared_with_as_many_days_before(demo, monkeypatch):
    # Opened with a period that runs past the data (31 December 2024): it ends there, and says so.
    at = open_page("pages/tasks.py", demo[0], monkeypatch, street="崇文街道", start="2024-12-01", end="2025-01-31")
    f = at.session_state["filters"]
    assert (f.end, f.asked_end) == (dt.date(2024, 12, 31), dt.date(2025, 1, 31))
    assert "数据截至 12月31日" in at.caption[0].value
    previous = f.previous()
    assert previous.days == f.days  # 62 days asked, 31 days of data: the 31 days before


@pytest.mark.parametrize("page", PAGES)
def test_no_table_shows_none_for_a_missing_number(demo, page, monkeypatch):
    """Every table draws a missing value as 「—」 (Streamlit's own default is "None")."""
    at = open_page(page, demo[0], monkeypatch, street="崇文街道", start="2024-12-01", end="2024-12-31")
    for table in at.dataframe:
        frame = table.value
        assert table.proto.placeholder == "—", list(frame.columns)
        text = frame.astype(str)
        assert not text.isin(["None", "nan", "NaN", "<NA>", "NaT"]).to_numpy()[frame.notna().to_numpy()].any()
