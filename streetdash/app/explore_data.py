"""What the 数据探索 page reads, cached per warehouse version like ``streetdash.app.data``: the catalogue,
previews and pivots, each on a short-lived connection of ``db.connect_readonly`` (the one configuration
of the app process: read-only, no file access, settings locked); and the typed SQL, which runs in a
worker process with its limits and the user's scope (``streetdash.sqlworker``).

A user whose scope is limited browses only the tables and views that carry ``community_id``, and only
their communities' rows of them (row counts included); pivots and their filter values are cut to the
scope like every other query (``data.clamp``); their SQL runs on a database holding only their scope.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import duckdb
import pandas as pd
import streamlit as st

from streetdash import explore, sqlguard, sqlworker
from streetdash.access import Scope
from streetdash.app import data
from streetdash.db import connect_readonly, warehouse_version
from streetdash.filters import Filters

CACHE = dict(ttl=3600, max_entries=256, show_spinner=False)


@st.cache_data(**CACHE)
def _catalogue(
    version: str, community_ids: tuple[str, ...] | None
) -> tuple[list[explore.Relation], list[explore.Macro]]:
    with connect_readonly() as con:
        return explore.catalogue(con, community_ids=community_ids), explore.macros(con)


def catalogue() -> list[explore.Relation]:
    """Every table and view (of the user's scope) with its columns, descriptions and row count."""
    return _catalogue(warehouse_version(), data.community_ids())[0]


def macros() -> list[explore.Macro]:
    return _catalogue(warehouse_version(), data.community_ids())[1]


@st.cache_data(**CACHE)
def _preview(
    version: str,
    relation: explore.Relation,
    filters: tuple[explore.Filter, ...],
    sort,
    descending,
    page,
    page_size,
    community_ids: tuple[str, ...] | None,
) -> explore.Preview:
    with connect_readonly() as con:
        return explore.preview(con, relation, filters, sort, descending, page, page_size, community_ids)


def preview(
    relation: explore.Relation,
    filters: Sequence[explore.Filter],
    sort: str | None,
    descending: bool,
    page: int,
    page_size: int,
) -> explore.Preview:
    """One page of a relation; raises :class:`sqlguard.QueryError` (in Chinese) for a bad filter value."""
    try:
        return _preview(
            warehouse_version(), relation, tuple(filters), sort, descending, page, page_size, data.community_ids()
        )
    except duckdb.Error as error:
        raise sqlguard.explain(error) from None


@st.cache_data(**CACHE)
def _pivot(version: str, spec: explore.PivotSpec) -> explore.PivotResult:
    with connect_readonly() as con:
        return explore.pivot(con, spec)


def pivot(spec: explore.PivotSpec) -> explore.PivotResult:
    """A pivot of the spec's street and communities, cut to the user's scope."""
    f = data.clamp(Filters(spec.street, tuple(spec.communities), spec.start, spec.end))
    return _pivot(warehouse_version(), dataclasses.replace(spec, street=f.street, communities=f.communities))


@st.cache_data(**CACHE)
def _values(version: str, view: str, key: str, street: str | None, communities: tuple[str, ...]) -> list[str]:
    with connect_readonly() as con:
        return explore.dimension_values(con, view, key, street, communities)


def dimension_values(view: str, key: str, f: Filters | None = None) -> list[str]:
    """The values a pivot dimension takes, within ``f`` (the sidebar's filters) cut to the user's scope."""
    scope = data.clamp(f or Filters(None))
    return _values(warehouse_version(), view, key, scope.street, scope.communities)


def limits() -> sqlworker.Limits:
    return sqlworker.Limits.from_settings()


def run_sql(sql: str, scope: Scope, user: str) -> sqlworker.QueryResult:
    """A typed statement in a worker process, within the limits, on a database holding only ``scope``
    (``user``'s concurrency cap counts it); never cached (the person asked for it to run now). Raises
    :class:`sqlguard.QueryError` with the Chinese reason."""
    return sqlworker.run(sql, scope=scope, user=user, limits=limits())


def columns_frame(relation: explore.Relation) -> pd.DataFrame:
    return pd.DataFrame([(c.name, c.type, c.description) for c in relation.columns], columns=["列名", "类型", "说明"])
