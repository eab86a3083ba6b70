"""The demo warehouse: built through the loader, reproducing every calibration figure of METRICS.md."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from etl.demo import build_demo
from streetdash.schema import load_schemas

D = dt.date


def one(db: Path, sql: str, params: list | None = None):
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()[0][0]


def community(db: Path, name: str) -> str:
    return one(db, "SELECT community_id FROM communities WHERE name = ?", [name])


# One test per row of the calibration table in ../shared/METRICS.md, on the ledger tables themselves.
CALIBRATION = [
    (
        "崇北社区",
        "SELECT count(*) FROM tasks WHERE community_id = $c AND source = '小程序'"
        " AND published_at >= DATE '2022-01-01' AND published_at < DATE '2023-01-01'",
        61,
    ),
    (
        "崇北社区",
        "SELECT count(*) FROM task_claims JOIN tasks USING (task_id) WHERE community_id = $c"
        " AND claimed_at >= DATE '2022-01-01' AND claimed_at < DATE '2023-01-01'",
        508,
    ),
    (
        "崇北社区",
        "SELECT count(*) FROM tasks WHERE community_id = $c AND status = '已办结'"
        " AND published_at >= DATE '2022-01-01' AND published_at < DATE '2023-01-01'",
        50,
    ),
    ("永安社区", "SELECT count(*) FROM job_postings WHERE community_id = $c AND year(posted_at) = 2022", 230),
    (
        "永安社区",
        "SELECT count(*) FROM job_seekers WHERE community_id = $c AND year(date) = 2022 AND stage = '达成意向'",
        120,
    ),
    (
        "永安社区",
        "SELECT count(*) FROM events WHERE community_id = $c AND year(date) = 2022 AND kind IN ('创业沙龙', '座谈会')",
        3,
    ),
    (
        "永安社区",
        "SELECT sum(trainees) FROM trainings WHERE community_id = $c AND course = '家政服务'"
        " AND start_date BETWEEN DATE '2021-10-01' AND DATE '2022-12-31'",
        247,
    ),
    (
        "京杭佳苑社区",
        "SELECT count(DISTINCT person_key) FROM job_seekers WHERE community_id = $c AND stage = '已上岗'"
        " AND date BETWEEN DATE '2024-01-01' AND DATE '2024-06-30'",
        350,
    ),
    (
        "古桥社区",
        "SELECT actual FROM campaigns WHERE community_id = $c AND campaign = '盟友聚力'"
        " AND metric = '爱心联盟商家' AND year(period_start) = 2024",
        32,
    ),
    (
        "滨湖社区",
        "SELECT count(DISTINCT person_key) FROM points WHERE community_id = $c AND reason = '积分兑换'"
        " AND date BETWEEN DATE '2024-04-01' AND DATE '2024-06-10'",
        56,
    ),
    (
        "星河社区",
        "SELECT count(DISTINCT mediator) FROM mediation_cases WHERE community_id = $c AND year(received_at) = 2024",
        3,
    ),
]
# The party-building rows are street-wide (卧虎湾街道): one test each, on the ledger tables.
STREET_CALIBRATION = [
    (
        "projects.total 民生实事",
        "SELECT count(*) FROM projects JOIN communities USING (community_id) WHERE street = '卧虎湾街道'"
        " AND source = '民生实事' AND planned_end BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'",
        22,
    ),
    (
        "projects.closed 民生实事",
        "SELECT count(*) FROM projects JOIN communities USING (community_id) WHERE street = '卧虎湾街道'"
        " AND source = '民生实事' AND planned_end BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'"
        " AND status = '已销号' AND closed_at <= DATE '2024-12-31'",
        22,
    ),
    (
        "party.orgs 党总支",
        "SELECT count(*) FROM party_orgs JOIN communities USING (community_id) WHERE street = '卧虎湾街道'"
        " AND party_orgs.kind = '党总支' AND established_at <= DATE '2024-12-31'",
        7,
    ),
    (
        "party.orgs 党支部",
        "SELECT count(*) FROM party_orgs JOIN communities USING (community_id) WHERE street = '卧虎湾街道'"
        " AND party_orgs.kind IN ('党支部', '小区党支部') AND established_at <= DATE '2024-12-31'",
        18,
    ),
]


@pytest.mark.parametrize("name,sql,expected", CALIBRATION, ids=[f"{c}-{v}" for c, _, v in CALIBRATION])
def test_calibration(demo, name, sql, expected):
    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute(sql, {"c": community(db, name)}).fetchall()[0][0] == expected


@pytest.mark.parametrize("sql,expected", [r[1:] for r in STREET_CALIBRATION], ids=[r[0] for r in STREET_CALIBRATION])
def test_street_calibration(demo, sql, expected):
    db, _ = demo
    assert one(db, sql) == expected


# The same rows through the metric macros of the warehouse (etl/sql), as every client reads them.
THROUGH_MACROS = [
    (
        "SELECT tasks_published, tasks_claims, tasks_closed FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '崇北社区'",
        (61, 508, 50),
    ),
    (
        "SELECT tasks_published FROM community_tasks_by(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '崇北社区' AND source = '小程序'",
        None,
    ),
    (
        "SELECT jobs_postings, jobs_intents FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '永安社区'",
        (230, 120),
    ),
    (
        "SELECT sum(events_count) FROM community_events_by_kind(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '永安社区' AND kind IN ('创业沙龙', '座谈会')",
        (3,),
    ),
    (
        "SELECT jobs_trainees FROM community_trainings_by_course(DATE '2021-10-01', DATE '2022-12-31')"
        " WHERE community = '永安社区' AND course = '家政服务'",
        (247,),
    ),
    (
        "SELECT jobs_placements FROM community_metrics(DATE '2024-01-01', DATE '2024-06-30')"
        " WHERE community = '京杭佳苑社区'",
        (350,),
    ),
    (
        "SELECT points_redeemers FROM community_metrics(DATE '2024-04-01', DATE '2024-06-10')"
        " WHERE community = '滨湖社区'",
        (56,),
    ),
    (
        "SELECT mediation_mediators FROM community_metrics(DATE '2024-01-01', DATE '2024-12-31')"
        " WHERE community = '星河社区'",
        (3,),
    ),
    (
        "SELECT sum(projects_total), sum(projects_closed) FROM community_projects_by_source("
        "DATE '2024-01-01', DATE '2024-12-31') WHERE street = '卧虎湾街道' AND source = '民生实事'",
        (22, 22),
    ),
    (
        "SELECT sum(party_orgs) FROM community_party_orgs_by_kind(DATE '2024-01-01', DATE '2024-12-31')"
        " WHERE street = '卧虎湾街道' AND kind = '党总支'",
        (7,),
    ),
    (
        "SELECT sum(party_orgs) FROM community_party_orgs_by_kind(DATE '2024-01-01', DATE '2024-12-31')"
        " WHERE street = '卧虎湾街道' AND kind IN ('党支部', '小区党支部')",
        (18,),
    ),
]


@pytest.mark.parametrize("sql,expected", THROUGH_MACROS, ids=[f"macro-{i}" for i in range(len(THROUGH_MACROS))])
def test_calibration_through_the_metric_macros(demo, sql, expected):
    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(sql).fetchall()
    if expected is None:  # 崇北's 2022 tasks all came through the mini-program: 61 by source as well
        assert sum(r[0] for r in rows) == 61
    else:
        assert [tuple(int(v) for v in r) for r in rows] == [expected]


def test_streets_and_communities(demo):
    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        streets = dict(con.execute("SELECT street, count(*) FROM communities GROUP BY ALL").fetchall())
    assert streets == {"崇文街道": 6, "许庄街道": 4, "北城街道": 1, "卧虎湾街道": 7}


def test_every_ledger_kind_has_rows_for_2021_to_2024(demo):
    db, _ = demo
    for kind in load_schemas().ordered():
        assert one(db, f"SELECT count(*) FROM {kind.table}") > 0, kind.name
    assert one(db, "SELECT min(year(published_at)) || '-' || max(year(published_at)) FROM tasks") == "2021-2024"


def test_grids_give_the_checks_something_to_find(demo):
    db, _ = demo
    assert one(db, "SELECT count(*) FROM grids WHERE households > 500") >= 2
    assert one(db, "SELECT count(*) FROM grids WHERE leader_key IS NULL") == 1
    assert one(db, "SELECT count(*) FROM grids WHERE households < 300") == 0


def test_grids_tile_their_community_but_for_the_planted_problems(demo):
    """The boundary files: every community tiled by its grids, except a gap, an overlap and a grid
    reaching outside, which the grid checks must find with the right areas."""
    from etl.demo import Generator, boundary_collections

    generator = Generator(20221231)
    generator.build()
    communities, grids = boundary_collections(generator)
    assert len(communities["features"]) == 11 and len(grids["features"]) == len(generator.ledgers.grids)
    db, root = demo
    assert sorted(p.name for p in (root / "ledgers" / "边界").iterdir()) == ["社区边界.geojson", "网格边界.geojson"]
    # 卧虎湾街道 keeps its own boundary files, drawn by its own generator (etl/demo/party.py).
    assert sorted(p.name for p in (root / "ledgers" / "卧虎湾街道" / "边界").iterdir()) == [
        "社区边界.geojson",
        "网格边界.geojson",
    ]
    with duckdb.connect(str(db), read_only=True) as con:
        gaps = con.execute("SELECT community_id, area_m2 FROM grid_gaps").fetchall()
        overlaps = con.execute("SELECT grid_id_a, grid_id_b, share_of_smaller FROM grid_overlaps").fetchall()
        outside = con.execute("SELECT grid_id FROM grid_shapes WHERE reaches_outside").fetchall()
        coverage = dict(con.execute("SELECT community_id, covered_m2 / area_m2 FROM community_shapes").fetchall())
    zhenxing, xinjian = generator.by_name["振兴社区"], generator.by_name["新建社区"]
    # 振兴社区's last grid stops 40% short of the east edge: the gap is that strip of the cell.
    west, south, east, north = zhenxing.grids[-1]["cell"]
    assert [g[0] for g in gaps] == [zhenxing.code]
    strip = (east - west) / 0.6 * 0.4 * (north - south)  # degrees²
    metres = 111_320 * np.cos(np.radians((south + north) / 2)) * 110_574  # m² per degree² here
    assert gaps[0][1] == pytest.approx(strip * metres, rel=0.01)
    bw, bs, be, bn = zhenxing.bbox
    assert coverage[zhenxing.code] == pytest.approx(1 - strip / ((be - bw) * (bn - bs)), rel=1e-4)
    assert all(v == 1.0 for k, v in coverage.items() if k != zhenxing.code)
    # 新建社区's fifth grid reaches a quarter of a cell into the sixth.
    assert overlaps == [(f"{xinjian.code}-05", f"{xinjian.code}-06", pytest.approx(0.25, rel=1e-6))]
    assert outside == [(f"{generator.by_name['府东社区'].code}-01",)]


def test_tasks_lie_in_their_grid_and_gridless_ones_are_matched_by_coordinates(demo):
    from etl.demo import Generator
    from etl.demo.party import FourthStreet

    generator, fourth = Generator(20221231), FourthStreet(20221231)
    generator.build()
    fourth.build()
    cells = {g["grid_id"]: g["cell"] for g in generator.ledgers.grids + fourth.ledgers.grids}
    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        points = con.execute("SELECT grid_id, grid_source, lon, lat FROM stg_tasks").fetchall()
        gridless = con.execute("SELECT count(*) FROM tasks WHERE grid_id IS NULL").fetchall()[0][0]
    assert gridless > 100  # 许庄街道's hotline tasks come with coordinates only
    assert sum(source == "坐标匹配" for _, source, _, _ in points) == gridless
    assert all(
        cells[g][0] - 1e-6 <= lon <= cells[g][2] + 1e-6 and cells[g][1] - 1e-6 <= lat <= cells[g][3] + 1e-6
        for g, _, lon, lat in points
    )


def test_plausible_and_different_between_communities(demo):
    from streetdash import metrics

    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        year = metrics.community_metrics(con, D(2024, 1, 1), D(2024, 12, 31)).set_index("community")
        on_time = year["tasks_on_time_rate"]
        # The lagging community closes late: the lowest 按期办结率 and 办结率 by a margin.
        assert on_time["振兴社区"] < 0.5 < on_time.drop("振兴社区").min()
        assert year["tasks_closure_rate"]["振兴社区"] < year["tasks_closure_rate"].drop("振兴社区").min() - 0.05
        assert on_time.drop("振兴社区").max() - on_time.drop("振兴社区").min() > 0.05  # the others differ too
        # A few overdue tasks, most of them in the lagging community.
        overdue = year["tasks_overdue_open"]
        assert 0 < overdue.drop("振兴社区").max() <= 10 and overdue["振兴社区"] > 15
        assert con.execute("SELECT count(*) FROM mediation_cases WHERE outcome = '已移交'").fetchall()[0][0] > 0
        # Every community has tasks due in most months, so a monthly 办结率 has a value.
        monthly = metrics.community_monthly(con, D(2024, 1, 1), D(2024, 12, 31))
        assert (monthly["tasks_due"] > 0).mean() > 0.9


def test_the_default_view_shows_no_fall_the_data_does_not_have(demo):
    """December 2024 (the default view) judged by the tasks due in it, not those published in it: the
    last weeks' tasks are still in hand on the data's last day, and no rate falls for that."""
    from streetdash import metrics

    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        months = metrics.street_monthly(con, D(2024, 1, 1), D(2024, 12, 31), street="崇文街道")
        assert con.execute("SELECT as_of FROM data_as_of").fetchall() == [(D(2024, 12, 31),)]
    rates = months.set_index(pd.to_datetime(months["month"]).dt.month)
    december, november = rates.loc[12], rates.loc[11]
    assert abs(december["tasks_closure_rate"] - november["tasks_closure_rate"]) < 0.1
    assert december["tasks_closure_rate"] > rates.loc[1:11, "tasks_closure_rate"].mean() - 0.05
    assert abs(december["tasks_on_time_rate"] - rates.loc[1:11, "tasks_on_time_rate"].mean()) < 0.1
    # The rate over tasks published in the month is what fell; it stays available, not ranked.
    assert december["tasks_published_closure_rate"] < december["tasks_closure_rate"]


def test_chongbei_2022_published_closure_rate_is_the_seeds_figure(demo):
    db, _ = demo
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "SELECT tasks_published, tasks_claims, tasks_closed, tasks_published_closure_rate"
            " FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31') WHERE community = '崇北社区'"
        ).fetchall()[0]
    assert row[:3] == (61, 508, 50)
    assert row[3] == pytest.approx(50 / 61) and round(row[3], 3) == 0.820


def test_bad_rows_are_rejected_with_chinese_reasons(demo):
    db, root = demo
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute('SELECT file, "column", reason FROM rejected_rows ORDER BY file, "row"').fetchall()
    assert len(rows) == 10  # and two in the party ledgers: an unknown parent organisation, 已销号 without a date
    assert ("党组织名录.xlsx", "上级党组织", "在党组织名录中不存在，请先导入党组织名录或核对编号") in rows
    assert ("民生实事与项目清单.xlsx", "销号日期", "进度为已销号时必须填写销号日期") in rows
    assert (
        "许庄街道任务台账.csv",
        "所属社区",
        "社区不在社区名录中（可填社区名称、社区编码或名录中的别名），请先导入或补充社区名录",
    ) in rows
    assert ("接单记录.xlsx", "接单时间", "接单时间早于任务发布时间") in rows
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in reason) for _, _, reason in rows)
    reports = sorted(p.name for p in (root / "reports").iterdir())  # the rejected-row workbooks
    assert len(reports) == len({file for file, _, _ in rows}) and not (root / "ledgers" / "reports").exists()


def test_same_seed_same_files_and_warehouse(demo, tmp_path):
    db, root = demo
    again = tmp_path / "warehouse.duckdb"
    assert build_demo(db=again, folder=tmp_path / "ledgers", report_dir=tmp_path / "reports") == 0

    def digests(folder: Path) -> dict[str, str]:
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    assert digests(root / "ledgers") == digests(tmp_path / "ledgers")
    for table in [kind.table for kind in load_schemas().ordered()] + ["rejected_rows"]:
        sql = f"SELECT * EXCLUDE (batch_id) FROM {table} ORDER BY ALL"  # the demo is loaded as of 2024-12-31
        with duckdb.connect(str(db), read_only=True) as a, duckdb.connect(str(again), read_only=True) as b:
            assert a.execute(sql).fetchall() == b.execute(sql).fetchall(), table


def test_bundled_demo_ledgers_are_current(demo):
    """data/demo/ in the repository is what the generator writes (so `make run` and tests agree)."""
    _, root = demo
    bundled = Path(__file__).resolve().parents[1] / "data" / "demo"
    generated = sorted(p.relative_to(root / "ledgers") for p in (root / "ledgers").rglob("*") if p.is_file())
    assert generated == sorted(p.relative_to(bundled) for p in bundled.rglob("*") if p.is_file())
    for path in generated:
        assert (bundled / path).read_bytes() == (root / "ledgers" / path).read_bytes(), path


def test_page_breakdowns_agree_with_the_metric_macros(demo):
    """The overdue list and the backlog on the tasks page count what the 超期未办结 metric counts."""
    import datetime as dt

    from streetdash import metrics, queries
    from streetdash.filters import Filters

    db, _ = demo
    f = Filters("崇文街道", (), dt.date(2024, 7, 1), dt.date(2024, 9, 30))
    with duckdb.connect(str(db), read_only=True) as con:
        overdue = metrics.street_metrics(con, f.start, f.end, f.street).iloc[0]["tasks_overdue_open"]
        assert overdue > 0
        assert len(queries.overdue_tasks(con, f, limit=100_000)) == overdue
        assert queries.backlog_ageing(con, f)["任务数"].sum() >= overdue
