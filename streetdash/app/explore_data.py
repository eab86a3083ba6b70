"""What the 数据探索 page reads, cached per warehouse version like ``streetdash.app.data``: the catalogue,
previews and pivots, each on a short-lived connection of ``db.connect_readonly`` (the one configuration
of the app process: read-only, no file access, settings locked); and the typed SQL, which runs in a
worker process with its limits and the user's scope (``streetdash.sqlworker``)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import duckdb
import pandas as pd
import streamlit as st

from streetdash import explore, sqlguard, sqlworker
from streetdash.access import Scope
from streetdash.db import connect_readonly, warehouse_version

CACHE = dict(ttl=3600, max_entries=256, show_spinner=False)


@st.cache_data(**CACHE)
def _catalogue(version: str) -> tuple[list[explore.Relation], list[explore.Macro]]:
    with connect_readonly() as con:
        return explore.catalogue(con), explore.macros(con)


def catalogue() -> list[explore.Relation]:
    """Every table and view with its columns, descriptions and row count."""
    return _catalogue(warehouse_version())[0]


def macros() -> list[explore.Macro]:
    return _catalogue(warehouse_version())[1]


@st.cache_data(**CACHE)
def _preview(
    version: str, relation: explore.Relation, filters: tuple[explore.Filter, ...], sort, descending, page, page_size
) -> explore.Preview:
    with connect_readonly() as con:
        return explore.preview(con, relation, filters, sort, descending, page, page_size)


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
        return _preview(warehouse_version(), relation, tuple(filters), sort, descending, page, page_size)
    except duckdb.Error as error:
        raise sqlguard.explain(error) from None


@st.cache_data(**CACHE)
def _pivot(version: str, spec: explore.PivotSpec) -> explore.PivotResult:
    with connect_readonly() as con:
        return explore.pivot(con, spec)


def pivot(spec: explore.PivotSpec) -> explore.PivotResult:
    return _pivot(warehouse_version(), spec)


@st.cache_data(**CACHE)
def _values(version: str, view: str, key: str) -> list[str]:
    with connect_readonly() as con:
        return explore.dimension_values(con, view, key)


def dimension_values(view: str, key: str) -> list[str]:
    return _values(warehouse_version(), view, key)


def workspace_scope() -> Scope:
    """What the signed-in person's SQL may see: ``st.session_state.scope`` when sign-in has set one,
    else the whole warehouse."""
    scope = st.session_state.get("scope")
    return scope if isinstance(scope, Scope) else Scope.everything()


def _user() -> str:
    """Whose concurrency cap a query counts against: the signed-in account, else this browser session."""
    user = st.session_state.get("user")
    if isinstance(user, str) and user:
        return user
    return st.session_state.setdefault("x_worker_session", uuid.uuid4().hex)


def limits() -> sqlworker.Limits:
    return sqlworker.Limits.from_settings()


def run_sql(sql: str) -> sqlworker.QueryResult:
    """A typed statement in a worker process, within the limits and the person's scope; never cached
    (the person asked for it to run now). Raises :class:`sqlguard.QueryError` with the Chinese reason."""
    return sqlworker.run(sql, scope=workspace_scope(), user=_user(), limits=limits())


def columns_frame(relation: explore.Relation) -> pd.DataFrame:
    return pd.DataFrame([(c.name, c.type, c.description) for c in relation.columns], columns=["列名", "类型", "说明"])
