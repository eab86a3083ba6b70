"""The 数据探索 page (AppTest): pivots that agree with the metrics layer, the SQL box behind the guard,
saved queries that outlive the app, and the table browser."""

from __future__ import annotations

import duckdb
import pytest

from streetdash import metrics
from tests.pages.test_pages import open_page
from tests.signin import USERS


@pytest.fixture
def page(demo, monkeypatch, tmp_path):
    monkeypatch.setenv("STREETDASH_SAVED_QUERIES", str(tmp_path / "saved.sqlite"))

    def opened(user: str = "district", **query):
        return open_page("pages/explore.py", demo[0], monkeypatch, user=user, **query)

    return opened


def frame_with(at, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_pivot_of_tasks_by_community_and_category_matches_the_metrics(demo, page):
    at = page(street="崇文街道", start="2022-01-01", end="2022-12-31")
    assert at.selectbox(key="x_pivot_view").value == "stg_tasks"
    assert at.selectbox(key="x_pivot_rows_stg_tasks").value == "community"
    at.selectbox(key="x_pivot_columns_stg_tasks").set_value("category").run()
    at.selectbox(key="x_pivot_measure_stg_tasks").set_value("count").run()
    assert not at.exception
    table = frame_with(at, "合计").set_index("社区")
    assert {"便民服务", "环境卫生", "合计"} <= set(table.columns)
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        expected = metrics.community_metrics(con, "2022-01-01", "2022-12-31", "崇文街道")
    expected = expected.set_index("community")["tasks_published"]
    assert table["合计"].drop("合计").reindex(expected.index).tolist() == expected.tolist()
    assert table.loc["崇北社区", "合计"] == 61 and table.loc["合计", "合计"] == expected.sum()
    assert {"下载 Excel", "下载 CSV"} <= {b.label for b in at.get("download_button")}
    assert at.get("plotly_chart")


def test_pivot_rate_by_month_follows_the_sidebar_scope(page):
    at = page(street="崇文街道", community="崇北社区", start="2022-01-01", end="2022-12-31")
    at.selectbox(key="x_pivot_rows_stg_tasks").set_value("__month").run()
    at.selectbox(key="x_pivot_measure_stg_tasks").set_value("rate:tasks.published_closure_rate").run()
    table = frame_with(at, "月份").set_index("月份")
    assert table.loc["合计", "当期发布办结率"] == pytest.approx(50 / 61)  # METRICS.md: 崇北社区 2022


def run_sql(at, sql: str):
    at.text_area(key="x_sql").input(sql)
    at.button(key="x_run").click().run()
    assert not at.exception, at.exception
    return at


def test_sql_box_runs_a_macro_query_and_refuses_a_hostile_one(page):
    at = page()
    run_sql(
        at,
        "SELECT community, tasks_published FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '崇北社区'",
    )
    result = frame_with(at, "tasks_published")
    assert result.values.tolist() == [["崇北社区", 61]]
    assert any("1 行" in c.value for c in at.caption)
    run_sql(at, "SELECT 1; DROP TABLE tasks")
    assert at.error[0].value.startswith("不允许执行：一次只能执行一条语句")
    run_sql(at, "SELECT * FROM read_csv('/etc/passwd')")
    assert "read_csv 会读取文件" in at.error[0].value
    run_sql(at, "SELECT nope FROM tasks")
    assert at.error[0].value.startswith("列不存在")
    assert "Referenced column" in at.code[0].value  # DuckDB's own message under the sentence


def test_an_example_query_fills_the_editor_and_runs(page):
    at = page()
    at.selectbox(key="x_example").set_value("各社区 2022 年任务指标（指标宏）").run()
    at.button(key="x_use_example").click().run()
    assert "community_metrics" in at.text_area(key="x_sql").value
    at.button(key="x_run").click().run()
    result = frame_with(at, "发布任务数").set_index("社区")
    assert result.loc["崇北社区", "发布任务数"] == 61


def test_a_saved_query_survives_an_app_restart(page):
    at = page()
    at.text_area(key="x_sql").input("SELECT count(*) AS 任务数 FROM tasks")
    at.text_input(key="x_save_name").input("任务总数")
    at.button(key="x_save").click().run()
    assert any("已保存「任务总数」" in s.value for s in at.success)

    restarted = page()  # a new app session reading the same store
    assert restarted.selectbox(key="x_saved").options == ["任务总数"]
    restarted.button(key="x_open").click().run()
    assert restarted.text_area(key="x_sql").value == "SELECT count(*) AS 任务数 FROM tasks"
    restarted.button(key="x_run").click().run()
    assert frame_with(restarted, "任务数")["任务数"][0] > 0
    restarted.button(key="x_delete").click().run()
    assert not [s for s in restarted.selectbox if s.key == "x_saved"]


def test_saving_without_a_name_says_so(page):
    at = page()
    at.text_area(key="x_sql").input("SELECT 1")
    at.button(key="x_save").click().run()
    assert at.error[0].value == "请给查询起一个名称。"


def test_table_browser_filters_and_pages(page):
    at = page()
    at.selectbox(key="x_relation").set_value("stg_tasks").run()
    at.selectbox(key="x_filter_column_0").set_value("community").run()
    at.text_input(key="x_filter_value_0").input("崇北社区").run()
    preview = frame_with(at, "task_id")
    assert set(preview["community"]) == {"崇北社区"} and len(preview) == 100
    assert any(c.value.startswith("符合条件") and "第 1 /" in c.value for c in at.caption)
    at.selectbox(key="x_filter_column_1").set_value("published_at").run()
    at.selectbox(key="x_filter_op_1").set_value("大于").run()
    at.text_input(key="x_filter_value_1").input("不是日期").run()
    assert at.error[0].value.startswith("类型不匹配")


# The worker's limits and the scope, as the page shows them -------------------------------------------

BURN = "SELECT sum(levenshtein(repeat('a', 20000) || range::VARCHAR, repeat('b', 20000))) AS n FROM range(100)"


def test_a_query_over_the_time_limit_says_which_limit_stopped_it(page, monkeypatch):
    monkeypatch.setenv("STREETDASH_SQL_TIMEOUT", "1.5")
    at = page()
    assert "1.5 秒超时" in at.text_area(key="x_sql").label
    run_sql(at, BURN)
    assert at.error[0].value.startswith("查询超过 1.5 秒仍未完成，已中止")
    assert "x_sql_result" in at.session_state and not hasattr(at.session_state["x_sql_result"], "frame")


def test_a_query_over_the_concurrency_cap_is_a_warning(page):
    from streetdash import sqlworker

    at = page()
    limits = sqlworker.Limits.from_settings()
    with sqlworker.RUNNING.slot(USERS["district"][0], limits):  # one of the signed-in user's is still running
        run_sql(at, "SELECT 1")
    assert not at.error
    assert "每人同时最多 1 条" in at.warning[0].value


def test_a_big_result_is_cut_at_the_byte_limit_and_the_session_keeps_only_that(page, monkeypatch):
    monkeypatch.setenv("STREETDASH_SQL_MAX_RESULT_MB", "1")
    at = page()
    run_sql(at, "SELECT range AS i, repeat('x', 1000) AS s FROM range(1000000)")
    assert any("结果超过 1 MB 的上限" in w.value for w in at.warning)
    kept = at.session_state["x_sql_result"].frame
    assert 500 < len(kept) < 1100 and kept.memory_usage(deep=True).sum() < 5 * 1024 * 1024


def test_the_sql_box_sees_only_the_signed_in_scope(page):
    at = page(user="community")  # 崇文街道/崇北社区
    run_sql(at, "SELECT community, count(*) AS n FROM stg_tasks GROUP BY ALL")
    assert frame_with(at, "n").values.tolist() == [["崇北社区", 311]]
    run_sql(at, "SELECT street, tasks_published FROM street_metrics(DATE '2022-01-01', DATE '2022-12-31')")
    assert frame_with(at, "tasks_published").values.tolist() == [["崇文街道", 61]]
