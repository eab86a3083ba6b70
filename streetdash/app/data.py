"""What the pages read: cached per (warehouse version, filters), each call on a cursor of the shared
read-only database of the version (``streetdash.db.connect_readonly``), so a rerun after a click costs little and a load that publishes a new warehouse
invalidates everything at once (the version is part of every cache key).

Every reader here first cuts its filters to the signed-in user's scope (:func:`clamp`, i.e.
``Scope.clamp`` with ``auth.data_scope()``): this module is the one door the pages, their exports and
the sidebar's choices go through, so a link or a widget can narrow what a user sees but never widen it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from streetdash import metrics, queries
from streetdash.app import auth, static_files
from streetdash.db import connect_readonly, warehouse_version
from streetdash.filters import Filters, add_months

CACHE = dict(ttl=3600, max_entries=512, show_spinner=False)


@st.cache_data(**CACHE)
def _scope(version: str) -> tuple[dict[str, list[str]], dt.date]:
    with connect_readonly() as con:
        return queries.scope_options(con), queries.latest_data_day(con)


def all_streets() -> dict[str, list[str]]:
    """Every street of the warehouse with its communities (what scopes are cut from; not for display)."""
    return _scope(warehouse_version())[0]


def scope() -> tuple[dict[str, list[str]], dt.date]:
    """The streets with their communities that the signed-in user may see, and the last day with data."""
    streets, latest = _scope(warehouse_version())
    return auth.data_scope().options(streets), latest


def clamp(f: Filters) -> Filters:
    """``f`` cut to the signed-in user's scope (no rows at all for a street or communities outside it)."""
    return auth.data_scope().clamp(f, all_streets())


@st.cache_data(**CACHE)
def _directory(version: str) -> list[tuple[str, str, str]]:
    with connect_readonly() as con:
        return [tuple(r) for r in con.execute("SELECT street, community, community_id FROM dim_communities").fetchall()]


def community_ids() -> tuple[str, ...] | None:
    """The codes of the communities the signed-in user may see; None for no limit."""
    return auth.data_scope().community_ids(_directory(warehouse_version()))


@st.cache_data(**CACHE)
def _metrics(version: str, name: str, f: Filters) -> pd.DataFrame:
    with connect_readonly() as con:
        if name == "community_monthly":
            return metrics.community_monthly(con, f.start, f.end, f.street, f.communities)
        # The scope as one group per month: the street, or the chosen communities (from their records).
        return metrics.scope_monthly(con, f.start, f.end, f.street, f.communities)


@st.cache_data(**CACHE)
def _figures(version: str, f: Filters) -> metrics.ScopeFigures:
    # The scope now and in the period before, and its communities: what a page with KPI cards and a
    # community table shows, read together in one query (planning it is most of a filter change).
    before = f.previous()
    with connect_readonly() as con:
        return metrics.scope_figures(con, f.start, f.end, (before.start, before.end), f.street, f.communities)


def community_metrics(f: Filters) -> pd.DataFrame:
    """One row per community of the scope."""
    return _figures(warehouse_version(), clamp(f)).communities


def community_monthly(f: Filters) -> pd.DataFrame:
    return _metrics(warehouse_version(), "community_monthly", clamp(f))


def _first(frame: pd.DataFrame) -> pd.Series | None:
    return frame.iloc[0] if not frame.empty else None


def scope_metrics(f: Filters) -> pd.Series | None:
    """The whole scope (the street, or the chosen communities) as one row of figures."""
    return _first(_figures(warehouse_version(), clamp(f)).current)


def scope_and_previous(f: Filters) -> tuple[pd.Series | None, pd.Series | None]:
    """:func:`scope_metrics` for the period and for the period before (``f.previous()``), for 环比."""
    figures = _figures(warehouse_version(), clamp(f))
    return _first(figures.current), _first(figures.previous)


def scope_monthly(f: Filters) -> pd.DataFrame:
    """The whole scope per month, over at least the twelve months ending with the period: a trend
    of one month is no trend."""
    f = clamp(f)
    start = min(f.start, add_months(f.end.replace(day=1), -11))
    return _metrics(warehouse_version(), "scope_monthly", Filters(f.street, f.communities, start, f.end))


@st.cache_data(**CACHE)
def _campaign_actuals(version: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    # Every community's figures for a campaign's own period: the same whatever the page's filters, so
    # a filter change does not recompute them; rows are picked by the (scoped) campaign rows.
    with connect_readonly() as con:
        return queries.campaign_actuals(con, start, end)


@st.cache_data(**CACHE)
def _breakdown(version: str, name: str, f: Filters) -> pd.DataFrame:
    with connect_readonly() as con:
        if name == "campaigns":
            return queries.campaigns(con, f, actuals=lambda start, end: _campaign_actuals(version, start, end))
        return getattr(queries, name)(con, f)


def breakdown(name: str, f: Filters) -> pd.DataFrame:
    """One of the breakdowns in :mod:`streetdash.queries`, by name."""
    return _breakdown(warehouse_version(), name, clamp(f))


# Grid map -------------------------------------------------------------------------------------


@st.cache_resource(ttl=3600, max_entries=16, show_spinner=False)
def _map_shapes(version: str, street: str | None, communities: tuple[str, ...], basemap):
    """The map's geometry for a scope, prepared once (GeoJSON, outlines, view) and shared between
    reruns and sessions: it does not depend on the period or on the colouring."""
    from streetdash import maps

    with connect_readonly() as con:
        frames = queries.map_layers(con, Filters(street, communities))
    shapes = maps.prepare_shapes(**frames, basemap=basemap)
    if shapes is None:
        return None
    sources = {
        layer: static_files.publish_json(collection, version, street, communities, basemap, layer)
        for layer, collection in shapes.layers.items()
    }
    return dataclasses.replace(shapes, sources=sources)


def grid_figures(f: Filters) -> pd.DataFrame:
    """Grids of the scope with their metrics for the period (one row per grid, with or without boundary)."""
    return breakdown("grid_figures", f)


def grid_map(f: Filters, metric_key: str, selected: str | None = None, inline: bool = False):
    """The grid map figure for the scope, coloured by a grid-level metric; None without boundaries.

    The figure refers to its GeoJSON by URL (published static files) for the page; ``inline`` puts
    the GeoJSON inside it instead, for an export rendered away from the app.
    """
    from streetdash import maps

    f = clamp(f)
    basemap = maps.Basemap.from_settings()
    shapes = _map_shapes(warehouse_version(), f.street, f.communities, basemap)
    if shapes is not None and inline:
        shapes = dataclasses.replace(shapes, sources=None)
    return maps.grid_map(shapes, grid_figures(f), metrics.metric(metric_key), basemap, selected)


@st.cache_data(**CACHE)
def _grid_trend(version: str, f: Filters, grid_id: str) -> pd.DataFrame:
    with connect_readonly() as con:
        return queries.grid_trend(con, f, grid_id)


def grid_trend(f: Filters, grid_id: str) -> pd.DataFrame:
    """One grid's tasks and disputes per month (twelve months ending with the period); nothing for a
    grid outside the scope."""
    return _grid_trend(warehouse_version(), clamp(f), grid_id)
