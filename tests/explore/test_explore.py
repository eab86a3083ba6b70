"""The workspace's catalogue, previews and pivots on the demo warehouse, checked against the metrics layer."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pandas as pd
import pytest
import shapely

from streetdash import explore, metrics, saved_queries, sqlguard
from streetdash.db import connect_readonly

Y2022 = (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
Y2024 = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


@pytest.fixture(scope="module")
def con(demo):
    connection = connect_readonly(demo[0])
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def relations(con):
    return {r.name: r for r in explore.catalogue(con)}


def test_every_table_and_view_is_listed_with_rows_and_chinese_descriptions(con, relations):
    names = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    assert set(relations) == names
    assert relations["tasks"].kind == "表" and relations["stg_tasks"].kind == "视图"
    assert relations["tasks"].description == "任务台账（台账原表）"
    assert relations["tasks"].rows == con.execute("SELECT count(*) FROM tasks").fetchone()[0]
    for relation in relations.values():
        assert relation.description != explore.MISSING, relation.name
        for column in relation.columns:
            assert column.description != explore.MISSING, (relation.name, column.name)
    tasks = relations["stg_tasks"]
    assert tasks.column("category").description == "任务类别"
    assert tasks.column("is_closed").description.startswith("已办结")
    assert relations["job_seekers"].column("person_key").description.startswith("姓名（人员标识）")
    assert relations["job_seekers"].column("person_masked").description.startswith("姓名（脱敏）")
    assert relations["mediation_cases"].column("parties_masked").description.startswith("当事人（脱敏）")
    assert relations["job_postings"].column("vacancies").description == "招聘人数（人）"
    assert relations["tasks"].column("source_row").description.startswith("来源行号")


def test_metric_columns_are_described_by_the_catalogue():
    text = explore.descriptions()
    assert text.column("community_metrics", "tasks_closure_rate").startswith("办结率：应办已办结 ÷ 应办结任务数")


def test_macros_are_listed_with_parameters(con):
    listed = {m.name: m for m in explore.macros(con)}
    assert listed["community_metrics"].signature == "community_metrics(start_date, end_date)"
    assert listed["community_metrics"].kind == "表宏" and listed["task_open_at"].kind == "标量宏"
    assert all(m.description != explore.MISSING for m in listed.values())


def test_a_new_table_without_descriptions_shows_dashes_and_geometry_as_a_placeholder(demo, tmp_path):
    db = tmp_path / "w.duckdb"
    shutil.copyfile(demo[0], db)
    with duckdb.connect(str(db)) as writer:
        # A table some later issue adds (no entry in columns.toml yet), with a geometry column.
        writer.execute("CREATE TABLE service_sites (site_id VARCHAR, geometry BLOB, note VARCHAR)")
        writer.execute("INSERT INTO service_sites VALUES ('S1', $wkb, NULL)", {"wkb": b"\x01" * 123})
    with connect_readonly(db) as guarded:
        listed = {r.name: r for r in explore.catalogue(guarded)}
        boundaries = listed["service_sites"]
        assert (boundaries.kind, boundaries.description, boundaries.rows) == ("表", "—", 1)
        assert boundaries.column("geometry").description == "—" and boundaries.column("site_id").type == "VARCHAR"
        shown = explore.readable(explore.preview(guarded, boundaries).frame)
    assert shown["geometry"].tolist() == ["〈几何 123 字节〉"]
    point = shapely.to_wkb(shapely.Point(116.4, 39.9))
    frame = explore.readable(pd.DataFrame({"g": [b"\x01" * 123], "p": [point], "n": [1]}))
    assert frame.iloc[0].tolist() == ["〈二进制 123 字节〉", f"〈几何 {len(point)} 字节〉", 1]


def test_preview_filters_sorts_and_pages(con, relations):
    tasks = relations["stg_tasks"]
    filters = [
        explore.Filter("community", "等于", "崇北社区"),
        explore.Filter("published_on", "大于", "2022-01-01"),
        explore.Filter("title", "包含", "楼"),
        explore.Filter("closed_at", "不为空"),
    ]
    expected = con.execute(
        "SELECT task_id FROM stg_tasks WHERE community = '崇北社区' AND published_on > DATE '2022-01-01'"
        " AND title LIKE '%楼%' AND closed_at IS NOT NULL ORDER BY published_at DESC, task_id"
    ).fetchall()
    first = explore.preview(con, tasks, filters, sort="published_at", descending=True, page=1, page_size=10)
    assert first.total == len(expected) > 10 and first.pages == -(-len(expected) // 10)
    last = explore.preview(con, tasks, filters, sort="published_at", descending=True, page=99, page_size=10)
    assert last.page == last.pages and len(last.frame) == len(expected) - 10 * (last.pages - 1)
    assert first.frame["published_at"].is_monotonic_decreasing


def test_preview_refuses_unknown_columns_and_explains_bad_values(con, relations):
    with pytest.raises(KeyError):
        explore.preview(con, relations["tasks"], [explore.Filter("1=1; DROP TABLE tasks", "等于", "x")])
    with pytest.raises(KeyError):
        explore.preview(con, relations["tasks"], sort='task_id"; DROP TABLE tasks; --')
    with pytest.raises(duckdb.Error) as caught:
        explore.preview(con, relations["tasks"], [explore.Filter("published_at", "大于", "去年")])
    assert sqlguard.explain(caught.value).kind == "type"
    quoted = explore.preview(con, relations["tasks"], [explore.Filter("title", "等于", "it's")])
    assert quoted.total == 0


def pivot(con, view, rows, columns, measure, period, street=None, **kwargs) -> explore.PivotResult:
    spec = explore.PivotSpec(view, rows, columns, measure, *period, street=street, **kwargs)
    return explore.pivot(con, spec)


def test_tasks_by_community_and_category_add_up_to_the_metrics(con):
    result = pivot(con, "stg_tasks", "community", "category", "count", Y2022, "崇文街道")
    table = result.table.set_index("社区")
    expected = metrics.community_metrics(con, *Y2022, "崇文街道").set_index("community")["tasks_published"]
    assert table.loc[list(expected.index), "合计"].tolist() == expected.tolist()
    assert table.loc["崇北社区", "合计"] == 61
    assert table.loc["合计", "合计"] == expected.sum()
    categories = [c for c in table.columns if c != "合计"]
    assert (table[categories].sum(axis=1) == table["合计"]).all()
    assert set(result.long.columns) == {"社区", "任务类别", "任务数"}


@pytest.mark.parametrize("period", [Y2022, Y2024])
@pytest.mark.parametrize("rate", [r for d in explore.datasets().values() for r in d.rates], ids=lambda r: r.metric)
def test_every_pivot_rate_equals_the_macros_rate(con, rate, period):
    column = metrics.metric(rate.metric).column
    result = pivot(con, rate.view, "community", None, f"rate:{rate.metric}", period)
    got = result.table.set_index("社区")[result.measure_label].drop("合计")
    expected = metrics.community_metrics(con, *period).set_index("community")[column]
    expected = expected[expected.notna()]
    assert len(expected) > 3
    assert got.reindex(expected.index).tolist() == pytest.approx(expected.tolist())
    # The total is the street-wide rate from the records, as street_metrics computes it for one street.
    one = pivot(con, rate.view, "street", None, f"rate:{rate.metric}", period)
    streets = metrics.street_metrics(con, *period).set_index("street")[column].dropna()
    assert one.table.set_index("街道")[one.measure_label].reindex(streets.index).tolist() == pytest.approx(
        streets.tolist()
    )


def test_distinct_persons_and_sums_match_the_metrics(con):
    period = (dt.date(2024, 1, 1), dt.date(2024, 6, 30))
    expected = metrics.community_metrics(con, *period).set_index("community")
    persons = pivot(con, "stg_job_seekers", "community", "stage", "persons", period).table.set_index("社区")
    assert (
        persons["合计"].drop("合计").reindex(expected.index).fillna(0).tolist()
        == expected["jobs_registrations"].tolist()
    )
    placed = persons["已上岗"].drop("合计").reindex(expected.index).fillna(0)
    assert placed.tolist() == expected["jobs_placements"].tolist()
    assert persons.loc["京杭佳苑社区", "已上岗"] == 350  # METRICS.md calibration
    vacancies = pivot(con, "stg_job_postings", "community", None, "sum:vacancies", period).table.set_index("社区")
    assert vacancies.iloc[:-1, 0].reindex(expected.index).fillna(0).tolist() == expected["jobs_vacancies"].tolist()


def test_month_dimension_and_filters(con):
    result = pivot(
        con,
        "stg_tasks",
        "__month",
        "status",
        "count",
        Y2022,
        "崇文街道",
        communities=("崇北社区",),
        filters={"source": ("小程序",), "category": ()},
    )
    table = result.table.set_index("月份")
    assert list(table.index[:3]) == ["2022-01", "2022-02", "2022-03"] and table.index[-1] == "合计"
    assert table.loc["合计", "合计"] == 61  # METRICS.md: 崇北社区, 2022, source 小程序
    assert "month" not in explore.datasets()["stg_grids"].dimension_labels()


def test_pivot_identifiers_come_only_from_the_known_columns(con):
    columns = explore.view_columns(con, "stg_tasks")
    spec = explore.PivotSpec("stg_tasks", "community", None, "count", *Y2022)
    for bad in [
        {"rows": "title"},  # a column, but not a dimension
        {"rows": 'community" FROM tasks; DROP TABLE tasks; --'},
        {"measure": "sum:title"},
        {"measure": "rate:mediation.success_rate"},  # a rate of another view
        {"filters": {"1=1": ("x",)}},
    ]:
        with pytest.raises(KeyError):
            explore.pivot_sql(explore.PivotSpec(**{**spec.__dict__, **bad}), columns)
    sql, params = explore.pivot_sql(explore.PivotSpec(**{**spec.__dict__, "filters": {"category": ("it's",)}}), columns)
    assert "it's" not in sql and params["f0"] == ["it's"]


def test_every_dataset_and_rate_exists_in_the_warehouse(con):
    for dataset in explore.datasets().values():
        columns = explore.view_columns(con, dataset.view)
        wanted = set(dataset.dimensions) | set(dataset.sums) | {dataset.person, dataset.date} - {""}
        assert wanted <= columns, (dataset.view, wanted - columns)
        for rate in dataset.rates:
            assert rate.columns() <= columns
        assert dataset.measures()["count"][0]


def test_saved_queries_are_kept_replaced_and_deleted(tmp_path):
    store = tmp_path / "local" / "saved.sqlite"
    mine = dict(owner="王书记", path=store)
    assert saved_queries.list_queries(**mine) == [] and not store.exists()  # listing creates nothing
    saved_queries.save_query("古桥社区办结率", "SELECT 1", **mine)
    saved_queries.save_query("各社区任务", "SELECT 2", **mine)
    saved_queries.save_query("古桥社区办结率", "SELECT 3", **mine)
    listed = {q.name: q.sql for q in saved_queries.list_queries(**mine)}
    assert listed == {"古桥社区办结率": "SELECT 3", "各社区任务": "SELECT 2"}
    assert saved_queries.delete_query("各社区任务", **mine) and not saved_queries.delete_query("不存在", **mine)
    assert [q.name for q in saved_queries.list_queries(**mine)] == ["古桥社区办结率"]
    for name, sql in [("", "SELECT 1"), ("x" * 61, "SELECT 1"), ("空", "  ")]:
        with pytest.raises(ValueError):
            saved_queries.save_query(name, sql, **mine)


def test_a_saved_query_belongs_to_its_author(tmp_path):
    store = tmp_path / "saved.sqlite"
    saved_queries.save_query("办结率", "SELECT 1", owner="王书记", path=store)
    # Another user sees none of it, cannot replace it (their save is their own query) nor delete it.
    assert saved_queries.list_queries(owner="李书记", path=store) == []
    assert not saved_queries.delete_query("办结率", owner="李书记", path=store)
    saved_queries.save_query("办结率", "SELECT 2", owner="李书记", path=store)
    assert [q.sql for q in saved_queries.list_queries(owner="王书记", path=store)] == ["SELECT 1"]
    assert [q.sql for q in saved_queries.list_queries(owner="李书记", path=store)] == ["SELECT 2"]
    with pytest.raises(ValueError):
        saved_queries.list_queries(owner="", path=store)
