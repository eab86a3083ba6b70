"""The global filters in the sidebar: street, communities and period, kept in the session and the URL.

The choices are those of the user's scope (``Scope.options``), and what a shared link asks for is cut
to it: a street or community outside the scope is dropped and named in a warning (``REFUSED_KEY``),
never shown.
"""

from __future__ import annotations

import datetime as dt

import streamlit as st

from streetdash.access import Scope
from streetdash.filters import (
    FILTER_PARAMS,
    PERIODS,
    Filters,
    as_of_text,
    from_query,
    period_range,
    preset_of,
    to_query,
)

# (names a link asked for outside the scope, the filters the link was turned into): the warning shows
# while those filters are the view.
REFUSED_KEY = "scope_refused"


def _set_widgets(state, f: Filters, latest: dt.date) -> None:
    state["f_street"] = f.street
    state["f_communities"] = list(f.communities)
    state["f_period"] = preset_of(f, latest)
    state["f_range"] = (f.start, f.asked_end or f.end)


def refused_in_link(params: dict[str, list[str]], scope: Scope, everything: dict[str, list[str]]) -> list[str]:
    """The streets and communities a link's parameters ask for that ``scope`` does not allow."""
    street = (params.get("street") or [None])[-1]
    communities = [c.strip() for value in params.get("community", []) for c in value.split(",") if c.strip()]
    return scope.refused(street, communities, everything)


def sidebar(
    streets: dict[str, list[str]],
    latest: dt.date,
    scope: Scope = Scope.everything(),  # noqa: B008 - a frozen value
    everything: dict[str, list[str]] | None = None,
) -> Filters:
    """Draw the filters in the sidebar and return them, cut to ``scope``; state lives in the session and
    the URL.

    ``streets`` are the choices (the scope's options of ``everything``, the warehouse's streets). The
    widgets have fixed keys, so their state survives page changes; a change asked for from a page (a
    click on a chart) arrives as ``pending_filters`` and is applied before they are drawn.
    """
    state = st.session_state
    everything = everything if everything is not None else streets
    if "filters" not in state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        state.filters = scope.clamp(from_query(params, streets, latest), everything)
        refused = refused_in_link(params, scope, everything)
        if refused:
            state[REFUSED_KEY] = (refused, state.filters)
        _set_widgets(state, state.filters, latest)
    if "pending_filters" in state:
        _set_widgets(state, state.pop("pending_filters"), latest)
    if state.get("f_street") not in streets:
        state["f_street"] = next(iter(streets))
    options = streets[state["f_street"]]
    state["f_communities"] = [c for c in state.get("f_communities", []) if c in options]
    with st.sidebar:
        st.subheader("筛选")
        street = st.selectbox("街道", list(streets), key="f_street")
        chosen = st.multiselect("社区", streets[street], key="f_communities", placeholder="全部社区")
        preset = st.radio("时间", PERIODS, key="f_period", horizontal=True)
        if preset == "自定义":
            picked = st.date_input("起止日期", key="f_range", format="YYYY-MM-DD")
            current = state.filters
            whole = (current.start, current.asked_end or current.end)
            start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else whole
        else:
            start, end = period_range(preset, latest)
        st.caption(as_of_text(latest))
    # A community user's "all communities" is their own list (Scope.clamp), which the URL then names; a
    # period past the data's last day ends there (and compares with as many days before it).
    chosen_filters = scope.clamp(Filters(street, tuple(chosen), start, end).cut_at(latest), everything)
    state.filters = chosen_filters
    # A page's own parameters (the grid map's ?grid=) stay; the filter ones are rewritten.
    others = {key: st.query_params.get_all(key) for key in st.query_params if key not in FILTER_PARAMS}
    st.query_params.from_dict({**others, **to_query(chosen_filters)})
    return chosen_filters
