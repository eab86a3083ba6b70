"""The grid map's figures (``queries.grid_figures``, ``queries.grid_trend``), now read by the grid macros
for the scope's grids only and from ``rollup_tasks``, are the frames the macros gave when they read
every task through ``stg_tasks`` and the page cut the scope afterwards (the definition below, as it
was), for random periods and scopes on the demo and on the hand-made street."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd

from streetdash import queries
from streetdash.filters import Filters

# etl/sql/30_macros/40_grid_metrics.sql before the scope parameters: every task, through stg_tasks.
FROM_STG_TASKS = """
CREATE OR REPLACE TEMP MACRO grid_metrics_stg(start_date, end_date, by_month) AS TABLE
WITH
grids AS (SELECT * FROM stg_grids),
tasks AS (SELECT * FROM stg_tasks WHERE grid_id IS NOT NULL),
cases AS (SELECT * FROM stg_mediation_cases WHERE grid_id IS NOT NULL),
periods AS (SELECT * FROM metric_periods(start_date, end_date, by_month)),
groups AS (SELECT g.grid_id, p.month FROM grids g CROSS JOIN periods p),
task_metrics AS (
    SELECT t.grid_id, p.month, count(*) AS published, count(*) FILTER (WHERE t.is_closed) AS closed
    FROM tasks t JOIN periods p ON t.published_on BETWEEN p.p_start AND p.p_end GROUP BY ALL
),
due_metrics AS (
    SELECT t.grid_id, p.month, count(*) AS due, count(*) FILTER (WHERE t.is_closed AND t.closed_on <= p.p_end) AS due_closed
    FROM tasks t JOIN periods p ON t.due_on BETWEEN p.p_start AND p.p_end WHERE t.counts_as_due GROUP BY ALL
),
overdue_tasks AS (
    SELECT t.grid_id, p.month, count(*) AS overdue_open
    FROM tasks t JOIN periods p ON t.published_on <= p.p_end
    WHERE task_overdue_at(t.published_on, t.status, t.closed_on, t.due_on, p.p_end) GROUP BY ALL
),
mediation_metrics AS (
    SELECT m.grid_id, p.month, count(*) AS cases, count(*) FILTER (WHERE m.is_closed) AS closed,
        count(*) FILTER (WHERE m.is_success) AS successes
    FROM cases m JOIN periods p ON m.received_on BETWEEN p.p_start AND p.p_end GROUP BY ALL
)
SELECT
    g.grid_id, x.month,
    coalesce(t.published, 0) AS tasks_published,
    coalesce(t.closed, 0) AS tasks_closed,
    d.due_closed / nullif(d.due, 0) AS tasks_closure_rate,
    coalesce(o.overdue_open, 0) AS tasks_overdue_open,
    coalesce(m.cases, 0) AS mediation_cases,
    m.successes / nullif(m.closed, 0) AS mediation_success_rate,
    g.households / nullif(g.staff, 0) AS grids_households_per_staff,
    (coalesce(t.published, 0) + coalesce(m.cases, 0)) * 1000.0 / nullif(g.households, 0) AS grids_events_per_1000
FROM groups x
JOIN grids g USING (grid_id)
LEFT JOIN task_metrics t ON t.grid_id = x.grid_id AND t.month IS NOT DISTINCT FROM x.month
LEFT JOIN due_metrics d ON d.grid_id = x.grid_id AND d.month IS NOT DISTINCT FROM x.month
LEFT JOIN overdue_tasks o ON o.grid_id = x.grid_id AND o.month IS NOT DISTINCT FROM x.month
LEFT JOIN mediation_metrics m ON m.grid_id = x.grid_id AND m.month IS NOT DISTINCT FROM x.month;
"""


def expected_figures(con: duckdb.DuckDBPyConnection, f: Filters) -> pd.DataFrame:
    return queries._df(
        con,
        """
        SELECT m.*
        FROM (SELECT g.grid_id, g.grid, g.community_id, g.community, g.street, g.households, g.population,
                     g.leader_masked, g.full_time_staff, g.part_time_staff, g.staff, g.has_boundary,
                     m.* EXCLUDE (grid_id, month)
              FROM stg_grids g JOIN grid_metrics_stg($start, $end, false) m USING (grid_id)
              ORDER BY g.street, g.community_id, g.grid_id) m
        JOIN dim_communities c USING (community_id)
        WHERE {scope}
        ORDER BY m.grid_id""",
        f,
    )


def expected_trend(con: duckdb.DuckDBPyConnection, f: Filters, grid_id: str) -> pd.DataFrame:
    from streetdash.filters import add_months

    return queries._df(
        con,
        """
        SELECT m.month, tasks_published, tasks_closed, tasks_closure_rate, mediation_cases
        FROM stg_grids g JOIN grid_metrics_stg($trend_start, $end, true) m USING (grid_id)
        WHERE grid_id = $grid AND grid_id IN (SELECT c.grid_id FROM stg_grids c WHERE {scope})
        ORDER BY month""",
        f,
        {"trend_start": min(f.start, add_months(f.end.replace(day=1), -11)), "grid": grid_id},
    )


def check(con: duckdb.DuckDBPyConnection, examples: int, seed: int = 18) -> None:
    # The scoped macros are there (queries falls back to the unscoped ones on an older warehouse).
    scoped = (
        "SELECT count(*) FROM duckdb_functions() WHERE function_name IN ('grid_scope_metrics', 'grid_scope_monthly')"
    )
    assert con.execute(scoped).fetchone()[0] == 2
    con.execute(FROM_STG_TASKS)
    rows = con.execute("SELECT street, community, community_id FROM dim_communities ORDER BY ALL").fetchall()
    grids = [r[0] for r in con.execute("SELECT grid_id FROM stg_grids ORDER BY ALL").fetchall()]
    streets = sorted({r[0] for r in rows})
    as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
    rng = random.Random(seed)
    for _ in range(examples):
        street = rng.choice([*streets, None])
        pool = [r[1] if rng.random() < 0.7 else r[2] for r in rows if street is None or r[0] == street]
        chosen = () if rng.random() < 0.4 else tuple(rng.sample(pool, min(len(pool), rng.randint(1, 3))))
        start = as_of - dt.timedelta(days=rng.randint(-40, 1400))
        f = Filters(street, chosen, start, start + dt.timedelta(days=rng.randint(0, 400)))
        pd.testing.assert_frame_equal(queries.grid_figures(con, f), expected_figures(con, f), obj=str(f))
        grid = rng.choice(grids)  # often outside the scope: no rows
        pd.testing.assert_frame_equal(queries.grid_trend(con, f, grid), expected_trend(con, f, grid), obj=str(f))


def test_grid_figures_as_from_every_task_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        check(con, examples=30)


def test_grid_figures_as_from_every_task_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        check(con, examples=20)
