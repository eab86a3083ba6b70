"""The rollups give the record-based figures exactly: ``metrics_grouped`` (read from the rollups of
``etl/sql/25_rollups``) against ``metrics_grouped_records`` (the definitions over the staging views),
column for column, for random periods, groupings (community, street, selection, per month or not) and
selections, on the demo, on the hand-made street of ``tests/metrics`` (edge cases: withdrawn and late
tasks, empty communities) and on a generated warehouse of every ledger (``bench/generate.py``)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

QUERY = "SELECT * FROM {}($start, $end, $by_street, $by_month, $selection) ORDER BY group_key, month"
DAY = st.dates(min_value=dt.date(2019, 6, 1), max_value=dt.date(2027, 3, 1))


def assert_same(con: duckdb.DuckDBPyConnection, start, end, by_street, by_month, selection) -> None:
    params = {"start": start, "end": end, "by_street": by_street, "by_month": by_month, "selection": selection}
    rolled = con.execute(QUERY.format("metrics_grouped"), params).df()
    records = con.execute(QUERY.format("metrics_grouped_records"), params).df()
    # Exact for counts; the mean balance is 100 + total / residents instead of a mean of balances.
    pd.testing.assert_frame_equal(rolled, records, check_dtype=True, rtol=1e-9, obj=str(params))


def check_random_periods(con: duckdb.DuckDBPyConnection, examples: int) -> None:
    names = [r[0] for r in con.execute("SELECT community FROM dim_communities ORDER BY ALL").fetchall()]
    codes = [r[0] for r in con.execute("SELECT community_id FROM dim_communities ORDER BY ALL").fetchall()]

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        start=DAY,
        days=st.integers(0, 800),
        by_street=st.booleans(),
        by_month=st.booleans(),
        selection=st.none() | st.lists(st.sampled_from(names + codes + ["不存在的社区"]), min_size=1, max_size=4),
    )
    def check(start, days, by_street, by_month, selection):
        assert_same(con, start, start + dt.timedelta(days=days), by_street, by_month, selection)

    check()


def test_same_columns_in_both_definitions(demo):
    """A metric added to one macro and not the other fails here before any figure is compared."""
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        params = {"s": dt.date(2024, 1, 1), "e": dt.date(2024, 1, 31)}
        rolled = con.execute("DESCRIBE SELECT * FROM metrics_grouped($s, $e, false, false, NULL)", params).fetchall()
        records = con.execute(
            "DESCRIBE SELECT * FROM metrics_grouped_records($s, $e, false, false, NULL)", params
        ).fetchall()
    assert [r[:2] for r in rolled] == [r[:2] for r in records]


def test_rollups_equal_records_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        # The calibration year and the data's last days (periods running past the data's latest date).
        as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
        for start, end in [(dt.date(2022, 1, 1), dt.date(2022, 12, 31)), (as_of - dt.timedelta(days=40), as_of)]:
            for by_street in (False, True):
                for by_month in (False, True):
                    assert_same(con, start, end, by_street, by_month, None)
        check_random_periods(con, examples=40)


def test_rollups_equal_records_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        for by_month in (False, True):
            assert_same(con, dt.date(2022, 3, 1), dt.date(2022, 4, 30), False, by_month, None)
        check_random_periods(con, examples=30)


@pytest.fixture(scope="module")
def generated_db(tmp_path_factory):
    """Every ledger of the city-scale generator at a small size, through the real loader."""
    from bench.generate import write_city_ledgers
    from etl.load import load_paths

    root = tmp_path_factory.mktemp("generated")
    files = write_city_ledgers(root / "ledgers", tasks=20_000, grids=60, seed=11)
    result = load_paths(list(files.values()), db=root / "warehouse.duckdb")
    assert result.exit_code == 0
    return root / "warehouse.duckdb"


def test_rollups_equal_records_on_a_generated_warehouse(generated_db):
    with duckdb.connect(str(generated_db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM tasks").fetchone()[0] == 20_000
        check_random_periods(con, examples=30)


def test_rollups_are_cut_by_the_scoped_copy(demo):
    """A community user's SQL workspace holds only their community's rollup rows: every rollup table
    is kept by community_id like a ledger (streetdash/scoped.py), so no other community's figure
    can be read from one."""
    from streetdash import sqlworker
    from streetdash.access import Scope

    scope = Scope(streets=("崇文街道",), communities=("崇北社区",))
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        tables = [
            r[0]
            for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'rollup_%'").fetchall()
        ]
        own = con.execute("SELECT community_id FROM communities WHERE name = '崇北社区'").fetchone()[0]
    assert {"rollup_daily", "rollup_stock", "rollup_records", "rollup_residents", "rollup_communities"} <= set(tables)
    for table in tables:
        result = sqlworker.run(f"SELECT DISTINCT community_id FROM {table}", demo[0], scope=scope)
        assert set(result.frame["community_id"]) <= {own}, table
    result = sqlworker.run(
        "SELECT group_key FROM metrics_grouped(DATE '2022-01-01', DATE '2022-12-31', false, false, NULL)",
        demo[0],
        scope=scope,
    )
    assert list(result.frame["group_key"]) == [own]


def test_a_resident_of_two_communities_counts_once_for_their_street(demo, tmp_path):
    """Residents known by ID number can have points in two communities of a street (the demo's have
    not): the street counts them once, from their first entry in it (rollup_street_residents), as the
    record-based definition does, and a selection of both communities too."""
    import shutil

    from etl import models
    from tests.metrics.test_scope_figures import check_random_scopes

    db = tmp_path / "two-communities.duckdb"
    shutil.copy(demo[0], db)
    with duckdb.connect(str(db)) as con:
        # Forty residents of 141181001002 become residents of 141181001001 as well: some have their
        # first entry in one community, some in the other.
        con.execute(
            """
            UPDATE points p SET person_key = m.other
            FROM (
                SELECT a.person_key AS mine, b.person_key AS other
                FROM (SELECT DISTINCT person_key, dense_rank() OVER (ORDER BY person_key) AS k
                      FROM points WHERE community_id = '141181001002') a
                JOIN (SELECT DISTINCT person_key, dense_rank() OVER (ORDER BY person_key) AS k
                      FROM points WHERE community_id = '141181001001') b USING (k)
                WHERE a.k <= 40
            ) m
            WHERE p.community_id = '141181001002' AND p.person_key = m.mine
            """
        )
        models.apply(con)
        shared = con.execute(
            "SELECT count(*) - count(DISTINCT person_key) FROM rollup_residents"
            " WHERE community_id IN ('141181001001', '141181001002')"
        ).fetchone()[0]
        assert shared == 40
        street_rows = con.execute(
            "SELECT count(*) FROM rollup_street_residents WHERE community_id LIKE '141181001%'"
        ).fetchone()[0]
        assert (
            street_rows
            == con.execute(
                "SELECT count(DISTINCT person_key) FROM rollup_residents WHERE community_id LIKE '141181001%'"
            ).fetchone()[0]
        )
        for by_month in (False, True):
            assert_same(con, dt.date(2021, 1, 1), dt.date(2024, 12, 31), True, by_month, None)
            assert_same(
                con, dt.date(2023, 3, 1), dt.date(2023, 9, 30), True, by_month, ["141181001001", "141181001002"]
            )
        check_random_periods(con, examples=10)
        check_random_scopes(con, examples=6)
