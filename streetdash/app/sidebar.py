"""The global filters in the sidebar: street, communities and period, kept in the session and the URL."""

from __future__ import annotations

import datetime as dt

import streamlit as st

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


def _set_widgets(state, f: Filters, latest: dt.date) -> None:
    state["f_street"] = f.street
    state["f_communities"] = list(f.communities)
    state["f_period"] = preset_of(f, latest)
    state["f_range"] = (f.start, f.asked_end or f.end)


def sidebar(streets: dict[str, list[str]], latest: dt.date) -> Filters:
    """Draw the filters in the sidebar and return them; state lives in the session and the URL.

    The widgets have fixed keys, so their state survives page changes; a change asked for from a
    page (a click on a chart) arrives as ``pending_filters`` and is applied before they are drawn.
    """
    state = st.session_state
    if "filters" not in state:
        params = {key: st.query_params.get_all(key) for key in st.query_params}
        state.filters = from_query(params, streets, latest)
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
    # A period past the data's last day ends there (and compares with as many days before it).
    chosen_filters = Filters(street, tuple(chosen), start, end).cut_at(latest)
    state.filters = chosen_filters
    # A page's own parameters (the grid map's ?grid=) stay; the filter ones are rewritten.
    others = {key: st.query_params.get_all(key) for key in st.query_params if key not in FILTER_PARAMS}
    st.query_params.from_dict({**others, **to_query(chosen_filters)})
    return chosen_filters
