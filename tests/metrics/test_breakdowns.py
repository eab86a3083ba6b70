"""Breakdowns rewritten to read less than the staging views give the frames the staging views gave,
for random periods and scopes on the demo and on the hand-made street."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd

from streetdash import queries
from streetdash.filters import Filters


def claims_from_stg_task_claims(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    # queries.claims_by_member_type as it was, on the staging view.
    return queries._df(
        con,
        """
        SELECT coalesce(k.member_type, '未填') AS 人员类型, count(*) AS 接单次数, count(DISTINCT k.person_key) AS 人数
        FROM stg_task_claims k JOIN dim_communities c USING (community_id)
        WHERE {scope} AND k.claimed_on BETWEEN $start AND $end GROUP BY ALL ORDER BY 接单次数 DESC""",
        f,
    )


def random_filters(con: duckdb.DuckDBPyConnection, examples: int, seed: int = 18) -> list[Filters]:
    rows = con.execute("SELECT street, community, community_id FROM dim_communities ORDER BY ALL").fetchall()
    streets = sorted({r[0] for r in rows})
    as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
    rng = random.Random(seed)
    out = []
    for _ in range(examples):
        street = rng.choice([*streets, None])
        pool = [r[1] if rng.random() < 0.7 else r[2] for r in rows if street is None or r[0] == street]
        chosen = () if rng.random() < 0.4 else tuple(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        start = as_of - dt.timedelta(days=rng.randint(-40, 1400))
        out.append(Filters(street, chosen, start, start + dt.timedelta(days=rng.randint(0, 400))))
    # One day, claimed on its last minute and first: the period's edges as dates of claimed_at.
    out.append(Filters(streets[0], (), dt.date(2022, 3, 1), dt.date(2022, 3, 1)))
    return out


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    # Ties in 接单次数 come in either order from both queries.
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def check(con: duckdb.DuckDBPyConnection, examples: int) -> None:
    for f in random_filters(con, examples):
        got, expected = queries.claims_by_member_type(con, f), claims_from_stg_task_claims(con, f)
        assert got["接单次数"].is_monotonic_decreasing
        pd.testing.assert_frame_equal(sorted_frame(got), sorted_frame(expected), obj=str(f))


def test_claims_by_member_type_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        check(con, examples=30)


def test_claims_by_member_type_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        check(con, examples=20)
