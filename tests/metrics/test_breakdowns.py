"""Breakdowns rewritten to read less give the frames they gave before (claims by member type over the
staging views, tasks by category with the period's end from a subquery), for random periods and scopes
on the demo and on the hand-made street."""

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


def tasks_by_category_with_a_period_subquery(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    # queries.tasks_by_category as it was: the period's end cut at the data's last day in SQL.
    return queries._df(
        con,
        """
        WITH period AS (SELECT CAST($start AS DATE) AS p_start,
                               least(CAST($end AS DATE), (SELECT max(as_of) FROM data_as_of)) AS p_end),
        tasks AS (SELECT t.* FROM rollup_tasks t JOIN dim_communities c USING (community_id) WHERE {scope}),
        published AS (
            SELECT category, count(*) AS published, median(days_to_close) AS median_days
            FROM tasks, period WHERE published_on BETWEEN p_start AND p_end GROUP BY ALL),
        due AS (
            SELECT category, count(*) AS due, count(*) FILTER (WHERE is_closed AND closed_on <= p_end) AS due_closed
            FROM tasks, period WHERE counts_as_due AND due_on BETWEEN p_start AND p_end GROUP BY ALL)
        SELECT category AS 类别, coalesce(p.published, 0) AS 发布, coalesce(d.due, 0) AS 应办结,
               coalesce(d.due_closed, 0) AS 应办已办结, d.due_closed / nullif(d.due, 0) AS 办结率,
               p.median_days AS 办结时长中位数
        FROM published p FULL JOIN due d USING (category)
        ORDER BY 发布 DESC, 应办结 DESC, 类别""",
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
        got, expected = queries.tasks_by_category(con, f), tasks_by_category_with_a_period_subquery(con, f)
        pd.testing.assert_frame_equal(got, expected, obj=f"tasks_by_category {f}")


def test_claims_and_categories_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        check(con, examples=30)


def test_claims_and_categories_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        check(con, examples=20)
