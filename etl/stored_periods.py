"""The figures of the preset periods, stored by every load (etl/sql/40_stored/20_periods.sql says why),
and the open tasks at each one's end by how long they have been open (the task page's backlog).

The ranges are the sidebar's own (:func:`streetdash.filters.preset_comparisons` on the data's last day).
A range that is a stored month (months_streets, months_communities: the calendar month, cut at the data's
last day) is copied from those rows; each preset whose two ranges are not both stored months takes one
metric query, for every street and community at once, both periods.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from streetdash.filters import preset_comparisons
from streetdash.metrics import stored_months_hold

Range = tuple[dt.date, dt.date]


def store(con: duckdb.DuckDBPyConnection) -> list[Range]:
    """Fill periods_coverage, periods_grouped and periods_backlog (made empty by the models); returns
    the ranges stored."""
    as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
    coverage = con.execute("SELECT first_month, last_day FROM months_coverage").fetchall()
    if as_of is None or not coverage:
        return []
    first_month, last_day = coverage[0]

    def is_stored_month(r: Range) -> bool:
        start, end = r
        return (start.year, start.month) == (end.year, end.month) and stored_months_hold(
            first_month, last_day, start, end
        )

    stored: list[Range] = []
    months: list[Range] = []
    for current, before in preset_comparisons(as_of):
        pair = [(current.start, current.end), (before.start, before.end)]
        wanted = [r for r in pair if r not in stored]
        if not wanted:
            continue
        if all(is_stored_month(r) for r in wanted):
            months.extend(wanted)
        else:
            _compute(con, pair, wanted)
        stored.extend(wanted)
    if months:
        _copy_months(con, months)
    con.executemany("INSERT INTO periods_coverage VALUES (?, ?)", stored)
    _backlog(con, sorted({end for _, end in stored}))
    return stored


def _backlog(con: duckdb.DuckDBPyConnection, ends: list[dt.date]) -> None:
    # Every end in one scan of the tasks.
    con.execute(
        "INSERT INTO periods_backlog"
        " SELECT e.p_end, t.community_id, backlog_age_bucket(t.published_on, e.p_end) AS bucket, count(*) AS tasks"
        " FROM rollup_tasks t JOIN (SELECT unnest($ends) AS p_end) e"
        " ON task_open_at(t.published_on, t.status, t.closed_on, e.p_end)"
        " GROUP BY ALL",
        {"ends": ends},
    )


def _copy_months(con: duckdb.DuckDBPyConnection, ranges: list[Range]) -> None:
    # Each range's month row, the streets' and the communities' in one statement each.
    params = {"starts": [start for start, _ in ranges], "ends": [end for _, end in ranges]}
    ranges_sql = "(SELECT unnest($starts) AS p_start, unnest($ends) AS p_end) r"
    con.execute(
        "INSERT INTO periods_grouped BY NAME"
        " SELECT r.p_start, r.p_end, true AS is_group, m.* EXCLUDE (month)"
        f" FROM months_streets m JOIN {ranges_sql} ON m.month = r.p_start",
        params,
    )
    con.execute(
        "INSERT INTO periods_grouped BY NAME"
        " SELECT r.p_start, r.p_end, false AS is_group, m.* EXCLUDE (month)"
        f" FROM months_communities m JOIN {ranges_sql} ON m.month = r.p_start",
        params,
    )


def _compute(con: duckdb.DuckDBPyConnection, pair: list[Range], wanted: list[Range]) -> None:
    # Every street, each of its communities beside it, for the period and the period before.
    (start, end), (prev_start, prev_end) = pair
    con.execute(
        "INSERT INTO periods_grouped BY NAME"
        " SELECT CASE WHEN m.previous THEN $prev_start ELSE $start END AS p_start,"
        " CASE WHEN m.previous THEN $prev_end ELSE $end END AS p_end,"
        " c.community_id, c.community, CASE WHEN m.is_group THEN m.group_key ELSE c.street END AS street,"
        " m.* EXCLUDE (group_key, month, previous)"
        " FROM metrics_grouped_sets($start, $end, $prev_start, $prev_end, true, false, NULL, NULL, true, true) m"
        " LEFT JOIN dim_communities c ON NOT m.is_group AND c.community_id = m.group_key"
        " WHERE CASE WHEN m.previous THEN $with_previous ELSE $with_current END",
        {
            "start": start,
            "end": end,
            "prev_start": prev_start,
            "prev_end": prev_end,
            "with_current": pair[0] in wanted,
            "with_previous": pair[1] in wanted,
        },
    )
