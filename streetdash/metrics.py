"""The metrics layer as seen from Python: the catalogue (``streetdash.catalogue``), the metric macros as
DataFrames, and formatting.

The numbers themselves are computed in the warehouse by the SQL in ``etl/sql`` (one definition for
every client: pages, exports, the SQL workspace); this module only reads them, with real SQL
parameters, and knows how each one is labelled and written.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pandas as pd

from streetdash.catalogue import (  # noqa: F401  (the catalogue, as the metrics layer's callers know it)
    CATALOGUE_FILE,
    DIRECTIONS,
    FORMATS,
    MISSING,
    Metric,
    by_column,
    grid_level,
    load_catalogue,
    metric,
)

# The macros a caller may read; names are interpolated into SQL, so only these are accepted.
COMMUNITY_MACROS = (
    "community_metrics",
    "community_monthly",
    "community_events_by_kind",
    "community_tasks_by",
    "community_trainings_by_course",
    "community_mediators",
    "community_party_orgs_by_kind",
    "community_projects_by_source",
    "community_volunteers_by_skill",
    "community_party_service_by_kind",
)
STREET_MACROS = ("street_metrics", "street_monthly")
# The monthly macros' rows for recent whole months, stored by every load (etl/sql/40_stored), and the
# order the macros give them in.
STORED_MONTHS = {
    "community_monthly": ("months_communities", "street, community_id, month"),
    "street_monthly": ("months_streets", "street, month"),
}
# Columns of scope_with_communities that only say which part a row belongs to.
_PART_COLUMNS = ["part", "previous"]


def is_missing(value) -> bool:
    """None, NA, NaT or NaN: a value a table shows as —."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return math.isnan(value)
    except TypeError:
        return False


def format_number(value, kind: str, unit: str = "") -> str:
    """A number written the Chinese report way by its format (the formats of the catalogue).

    ``count`` 1,234; ``rate`` 82.0% (from 0.82); ``days`` and ``ratio`` 2.6; ``points`` 1,234 or 92.5
    (one decimal only when not whole). A missing value (None, NaN, NA: e.g. a rate without a
    denominator) is "—". A ``unit`` follows the number when given.
    """
    if is_missing(value):
        return MISSING
    value = float(value)
    if kind == "rate":
        return f"{value * 100:.1f}%"
    if kind == "count":
        text = f"{round(value):,}"
    elif kind in ("days", "ratio") or not value.is_integer():
        text = f"{value:,.1f}"
    else:
        text = f"{int(value):,}"
    return f"{text} {unit}" if unit else text


def format_value(key: str, value, with_unit: bool = False) -> str:
    """A metric's value by its catalogue format; with ``with_unit`` its unit follows ("61 件", "2.6 天"),
    except for rates. ``key`` is a metric key or macro column."""
    m = metric(key)
    return format_number(value, m.format, m.unit if with_unit and m.format != "rate" else "")


def scope_clause(street: str | None, communities: Sequence[str] | None, alias: str = "") -> tuple[str, dict]:
    """A condition and its parameters for a street and/or communities (names or codes), on the
    columns ``street``, ``community`` and ``community_id`` (of table ``alias`` if given); "" for all."""
    prefix = f"{alias}." if alias else ""
    clauses, params = [], {}
    if street:
        clauses.append(f"{prefix}street = $street")
        params["street"] = street
    if communities:
        clauses.append(
            f"(list_contains($communities, {prefix}community) OR list_contains($communities, {prefix}community_id))"
        )
        params["communities"] = list(communities)
    return " AND ".join(clauses), params


def _read(
    con: duckdb.DuckDBPyConnection,
    macro: str,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    if macro not in COMMUNITY_MACROS + STREET_MACROS:
        raise ValueError(f"unknown metric macro: {macro}")
    condition, params = scope_clause(street, communities)
    stored = _stored_months(con, macro, start, end)
    if stored:
        table, order = stored
        # Fixed names (STORED_MONTHS); every value is a parameter.
        where = " AND ".join(["month BETWEEN $start AND $end", *([condition] if condition else [])])
        sql = f"SELECT * FROM {table} WHERE {where} ORDER BY {order}"
        return con.execute(sql, {"start": start, "end": end, **params}).df()
    # The macro name is one of the fixed names above; every value is a parameter.
    sql = f"SELECT * FROM {macro}($start, $end) {'WHERE ' + condition if condition else ''}"
    return con.execute(sql, {"start": start, "end": end, **params}).df()


def _stored_months(con: duckdb.DuckDBPyConnection, macro: str, start: dt.date, end: dt.date) -> tuple[str, str] | None:
    """The stored table (and its order) that holds ``macro``'s rows for ``start``–``end`` as the macro
    computes them (:func:`stored_months_hold`), or None."""
    if macro not in STORED_MONTHS or start.day != 1 or end < start:
        return None
    try:
        coverage = con.execute("SELECT first_month, last_day FROM months_coverage").fetchall()
    except duckdb.CatalogException:  # a warehouse loaded before the tables existed
        return None
    if coverage and stored_months_hold(*coverage[0], start, end):
        return STORED_MONTHS[macro]
    return None


def stored_months_hold(first_month: dt.date, last_day: dt.date, start: dt.date, end: dt.date) -> bool:
    """Whether the months a load stores (``months_coverage``: from ``first_month``, the last one cut at
    the data's ``last_day``) hold ``start``–``end`` as the macros compute it: the range begins on the
    first of a stored month and ends on the last day of a month, or at or after the data's last day
    within its month (the macros cut every period there too)."""
    whole_month = (end + dt.timedelta(days=1)).day == 1
    within = (end.year, end.month) <= (last_day.year, last_day.month)
    return start.day == 1 and start <= end and start >= first_month and within and (whole_month or end >= last_day)


def community_metrics(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per community of the scope (every one, with or without data), one column per metric.

    ``street`` limits to one street; ``communities`` (names or codes) to some communities. Periods are
    inclusive dates. Columns: community_id, community, street, then the catalogue columns.
    """
    return _read(con, "community_metrics", start, end, street, communities)


def community_monthly(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """One row per community and month of the range (``month`` = its first day), one column per metric."""
    return _read(con, "community_monthly", start, end, street, communities)


def street_metrics(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, street: str | None = None
) -> pd.DataFrame:
    """One row per street (or the one asked for), computed from the records, not from community rates."""
    return _read(con, "street_metrics", start, end, street)


def street_monthly(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, street: str | None = None
) -> pd.DataFrame:
    """One row per street and month of the range, computed from the records."""
    return _read(con, "street_monthly", start, end, street)


def _selection(
    con: duckdb.DuckDBPyConnection, macro: str, start: dt.date, end: dt.date, communities: Sequence[str]
) -> pd.DataFrame:
    # ``macro`` is one of the two selection macros named below, never user input.
    sql = f"SELECT * FROM {macro}($start, $end, $communities)"
    return con.execute(sql, {"start": start, "end": end, "communities": list(communities)}).df()


def selection_metrics(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, communities: Sequence[str]
) -> pd.DataFrame:
    """The chosen communities (names or codes) as one group, one row, computed from their records."""
    return _selection(con, "selection_metrics", start, end, communities)


def selection_monthly(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, communities: Sequence[str]
) -> pd.DataFrame:
    """The chosen communities as one group, one row per month of the range."""
    return _selection(con, "selection_monthly", start, end, communities)


def scope_metrics(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The scope as one group, one row: the chosen communities (``selection_metrics``) if any, else
    the street (``street_metrics``); both computed from the records."""
    if communities:
        return selection_metrics(con, start, end, communities)
    return street_metrics(con, start, end, street)


def scope_monthly(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """The scope as one group, one row per month (``selection_monthly`` or ``street_monthly``)."""
    if communities:
        one = _one_community_monthly(con, start, end, communities) if len(communities) == 1 else None
        return one if one is not None else selection_monthly(con, start, end, communities)
    return street_monthly(con, start, end, street)


def _one_community_monthly(
    con: duckdb.DuckDBPyConnection, start: dt.date, end: dt.date, communities: Sequence[str]
) -> pd.DataFrame | None:
    """One community chosen is its own scope, whose months are its stored months (months_communities),
    when they hold the range and the name is one community; None otherwise (the selection macro)."""
    if not _stored_months(con, "community_monthly", start, end):
        return None
    rows = community_monthly(con, start, end, None, communities)
    if rows.empty or rows["community_id"].nunique() != 1:
        return None
    return rows.drop(columns=["community_id", "community", "street"]).reset_index(drop=True)


@dataclass(frozen=True)
class ScopeFigures:
    """What a page shows together: the scope as :func:`scope_metrics` gives it for the period and for
    the period before, and :func:`community_metrics` of the scope for the period; the same frames,
    read in one query."""

    current: pd.DataFrame
    previous: pd.DataFrame
    communities: pd.DataFrame


def scope_figures(
    con: duckdb.DuckDBPyConnection,
    start: dt.date,
    end: dt.date,
    previous: tuple[dt.date, dt.date] | None,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> ScopeFigures:
    """:func:`scope_metrics` for the period and for ``previous`` (start, end; an empty frame for None),
    and :func:`community_metrics`, from the warehouse's ``scope_with_communities``: one query, where a
    filter change would otherwise plan the big metric query three times. A preset period (and the one
    before it) of a street or of one community is read from the rows every load stores instead."""
    prev_start, prev_end = previous or (None, None)
    chosen = list(communities) if communities else None
    params = {
        "start": start,
        "end": end,
        "prev_start": prev_start,
        "prev_end": prev_end,
        "street": street,
        "communities": chosen,
    }
    stored = _stored_scope(con, params, previous is not None)
    if stored is not None:
        return stored
    try:
        frame = con.execute(
            "SELECT * FROM scope_with_communities($start, $end, $prev_start, $prev_end, $street, $communities)",
            params,
        ).df()
    except duckdb.CatalogException:
        # A warehouse loaded before the macro existed (the next load adds it): the three queries.
        current = scope_metrics(con, start, end, street, communities)
        before = scope_metrics(con, prev_start, prev_end, street, communities) if previous else current.iloc[0:0]
        return ScopeFigures(current, before, community_metrics(con, start, end, street, communities))
    scope_columns = (["street"] if chosen is None else []) + list(frame.columns[5:])

    def part(mask, columns: list[str]) -> pd.DataFrame:
        return _typed_alone(frame.loc[mask, columns].reset_index(drop=True))

    is_scope = frame["part"] == "scope"
    return ScopeFigures(
        current=part(is_scope & ~frame["previous"], scope_columns),
        previous=part(is_scope & frame["previous"], scope_columns),
        communities=part(~is_scope, list(frame.columns[2:])),
    )


# A street (or every street) with its communities, or one community as its own scope, for the period
# and the period before, from the rows a load stores (etl/sql/40_stored/20_periods.sql).
_STORED_SCOPE_SQL = """
SELECT (p_start <> $start OR p_end <> $end) AS previous, * EXCLUDE (p_start, p_end)
FROM periods_grouped
WHERE ((p_start = $start AND p_end = $end) OR (p_start = $prev_start AND p_end = $prev_end))
    AND CASE WHEN $communities IS NULL THEN $street IS NULL OR street = $street
        ELSE NOT is_group AND (list_contains($communities, community) OR list_contains($communities, community_id))
    END
ORDER BY is_group DESC, previous, street, community_id
"""


def _stored_scope(con: duckdb.DuckDBPyConnection, params: dict, with_previous: bool) -> ScopeFigures | None:
    """:func:`scope_figures` from the preset periods a load stores (periods_grouped), for a street (or
    every street) or one community, whose figures as a scope are the community's own; None when they do
    not hold it: a period not stored, several communities chosen (a selection's figures are its own),
    or a name that is not one community."""
    chosen = params["communities"]
    if chosen is not None and len(chosen) != 1:
        return None
    try:
        rows = con.execute(_STORED_SCOPE_SQL, params).df()
    except duckdb.CatalogException:  # a warehouse loaded before the table existed
        return None
    metric_columns = list(rows.columns[5:])
    is_scope = rows["is_group"] if chosen is None else pd.Series(True, index=rows.index)
    now, before = is_scope & ~rows["previous"], is_scope & rows["previous"]
    if not now.any() or (chosen is not None and now.sum() != 1) or before.sum() != (now.sum() if with_previous else 0):
        return None
    # The communities beside the scope: those of the street asked for (a chosen one too), this period.
    beside = ~rows["is_group"] & ~rows["previous"]
    if chosen is not None and params["street"] is not None:
        beside &= rows["street"] == params["street"]
        if not beside.any():  # a community of another street: the macro types that empty part its own way
            return None
    scope_columns = (["street"] if chosen is None else []) + metric_columns

    def part(mask, columns: list[str]) -> pd.DataFrame:
        return _typed_alone(rows.loc[mask, columns].reset_index(drop=True))

    return ScopeFigures(
        current=part(now, scope_columns),
        previous=part(before, scope_columns),
        communities=part(beside, ["community_id", "community", "street", *metric_columns]),
    )


def _typed_alone(part: pd.DataFrame) -> pd.DataFrame:
    """A part of a result typed as its own query would be: DuckDB gives an integer column the nullable
    type (Int64) only when it holds a NULL, so one part's missing value must not retype another part."""
    for column, dtype in part.dtypes.items():
        if isinstance(dtype, pd.api.extensions.ExtensionDtype) and hasattr(dtype, "numpy_dtype"):
            if dtype.numpy_dtype.kind in "iub" and not part[column].isna().any():
                part[column] = part[column].astype(dtype.numpy_dtype)
    return part


def breakdown(
    con: duckdb.DuckDBPyConnection,
    macro: str,
    start: dt.date,
    end: dt.date,
    street: str | None = None,
    communities: Sequence[str] | None = None,
) -> pd.DataFrame:
    """A breakdown macro of the warehouse, for the scope: ``community_events_by_kind`` (events by kind),
    ``community_tasks_by`` (tasks by source and category), ``community_trainings_by_course``,
    ``community_mediators`` (cases per mediation group)."""
    return _read(con, macro, start, end, street, communities)
