"""``scope_figures`` (one query: the scope this period and the period before, and each community) gives
the same frames as the three queries it replaces (``scope_metrics`` twice, ``community_metrics``), column
types included, for random periods and scopes (a street, every street, chosen communities by name or
code), on the demo and on the hand-made street (an empty community, one without grids: the NULLs
one part has and another has not)."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd

from streetdash import metrics
from streetdash.filters import Filters


def assert_same_figures(con: duckdb.DuckDBPyConnection, f: Filters) -> None:
    before = f.previous()
    got = metrics.scope_figures(con, f.start, f.end, (before.start, before.end), f.street, f.communities)
    expected = {
        "current": metrics.scope_metrics(con, f.start, f.end, f.street, f.communities),
        "previous": metrics.scope_metrics(con, before.start, before.end, f.street, f.communities),
        "communities": metrics.community_metrics(con, f.start, f.end, f.street, f.communities),
    }
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(getattr(got, name), frame, check_dtype=True, obj=f"{name} of {f}")


def check_random_scopes(con: duckdb.DuckDBPyConnection, examples: int, seed: int = 18) -> None:
    rows = con.execute("SELECT street, community, community_id FROM dim_communities ORDER BY ALL").fetchall()
    streets = sorted({r[0] for r in rows})
    as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
    rng = random.Random(seed)
    for _ in range(examples):
        street = rng.choice([*streets, None])
        pool = [r[1] if rng.random() < 0.7 else r[2] for r in rows if r[0] == street]
        chosen = () if not pool or rng.random() < 0.5 else tuple(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        start = as_of - dt.timedelta(days=rng.randint(-40, 1400))
        assert_same_figures(con, Filters(street, chosen, start, start + dt.timedelta(days=rng.randint(0, 400))))
    # A whole month: the period before is the month before, not the same number of days.
    assert_same_figures(con, Filters(streets[0], (), dt.date(2022, 3, 1), dt.date(2022, 3, 31)))


def test_same_columns_as_metrics_grouped(demo):
    """A metric added to metrics_grouped and not to metrics_grouped_sets fails here first."""
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        params = {"s": dt.date(2024, 1, 1), "e": dt.date(2024, 1, 31)}
        grouped = con.execute("DESCRIBE SELECT * FROM metrics_grouped($s, $e, false, false, NULL)", params).fetchall()
        sets = con.execute(
            "DESCRIBE SELECT * EXCLUDE (is_group, previous)"
            " FROM metrics_grouped_sets($s, $e, NULL, NULL, false, false, NULL, NULL, true, false)",
            params,
        ).fetchall()
    assert [r[:2] for r in sets] == [r[:2] for r in grouped]


def test_one_query_gives_the_three_frames_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        check_random_scopes(con, examples=30)


def test_one_query_gives_the_three_frames_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        for street in ("崇文街道", "许庄街道"):
            assert_same_figures(con, Filters(street, (), dt.date(2022, 3, 1), dt.date(2022, 4, 30)))
            assert_same_figures(con, Filters(street, (), dt.date(2022, 3, 1), dt.date(2022, 3, 31)))
        assert_same_figures(con, Filters("许庄街道", ("空白社区",), dt.date(2022, 3, 1), dt.date(2022, 3, 31)))
        check_random_scopes(con, examples=20)
