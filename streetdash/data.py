"""What the pages read: cached per (warehouse version, filters), each call on a short-lived read-only
connection, so a rerun after a click costs little and a load that publishes a new warehouse
invalidates everything at once (the version is part of every cache key)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from streetdash import metrics, queries
from streetdash.db import connect_readonly, warehouse_version
from streetdash.filters import Filters, add_months

CACHE = dict(ttl=3600, max_entries=512, show_spinner=False)


@st.cache_data(**CACHE)
def _scope(version: str) -> tuple[dict[str, list[str]], dt.date]:
    with connect_readonly() as con:
        return queries.scope_options(con), queries.latest_data_day(con)


def scope() -> tuple[dict[str, list[str]], dt.date]:
    """Streets with their communities, and the last day with data."""
    return _scope(warehouse_version())


@st.cache_data(**CACHE)
def _metrics(version: str, name: str, f: Filters) -> pd.DataFrame:
    with connect_readonly() as con:
        if name == "community":
            return metrics.community_metrics(con, f.start, f.end, f.street, f.communities)
        if name == "community_monthly":
            return metrics.community_monthly(con, f.start, f.end, f.street, f.communities)
        # The scope as one group: the street, or the chosen communities (both from their records).
        fn = metrics.scope_monthly if name == "scope_monthly" else metrics.scope_metrics
        return fn(con, f.start, f.end, f.street, f.communities)


def community_metrics(f: Filters) -> pd.DataFrame:
    """One row per community of the scope."""
    return _metrics(warehouse_version(), "community", f)


def community_monthly(f: Filters) -> pd.DataFrame:
    return _metrics(warehouse_version(), "community_monthly", f)


def scope_metrics(f: Filters) -> pd.Series | None:
    """The whole scope (the street, or the chosen communities) as one row of figures."""
    frame = _metrics(warehouse_version(), "scope", f)
    return frame.iloc[0] if not frame.empty else None


def scope_monthly(f: Filters) -> pd.DataFrame:
    """The whole scope per month, over at least the twelve months ending with the period: a trend
    of one month is no trend."""
    start = min(f.start, add_months(f.end.replace(day=1), -11))
    return _metrics(warehouse_version(), "scope_monthly", Filters(f.street, f.communities, start, f.end))


@st.cache_data(**CACHE)
def _breakdown(version: str, name: str, f: Filters) -> pd.DataFrame:
    with connect_readonly() as con:
        return getattr(queries, name)(con, f)


def breakdown(name: str, f: Filters) -> pd.DataFrame:
    """One of the breakdowns in :mod:`streetdash.queries`, by name."""
    return _breakdown(warehouse_version(), name, f)
