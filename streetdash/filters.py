"""The global filters: street, communities and period, kept in the URL so a link reproduces a view.

The pure part (``Filters``, ``period_range``, ``from_query``/``to_query``) is tested without Streamlit;
``sidebar`` draws the widgets and keeps session state and the query string in step.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field

PERIODS = ["本月", "上月", "本季度", "本年", "自定义"]
FILTER_PARAMS = ("street", "community", "start", "end")


@dataclass(frozen=True)
class Filters:
    street: str | None
    communities: tuple[str, ...] = field(default_factory=tuple)  # empty: every community of the street
    start: dt.date = dt.date(2024, 12, 1)
    end: dt.date = dt.date(2024, 12, 31)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one (for 环比)."""
        if self.start.day == 1 and (self.end + dt.timedelta(days=1)).day == 1:
            # Whole months compare with the same number of whole months before.
            months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
            start = add_months(self.start, -months)
            return Filters(self.street, self.communities, start, self.start - dt.timedelta(days=1))
        return Filters(
            self.street, self.communities, self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1)
        )

    def year_before(self) -> Filters:
        """The same period a year earlier (for 同比)."""
        return Filters(self.street, self.communities, add_months(self.start, -12), add_months(self.end, -12))

    def label(self) -> str:
        if self.start.day == 1 and self.end == month_end(self.start):
            return f"{self.start.year}年{self.start.month}月"
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(self.start.year, 12, 31):
            return f"{self.start.year}年"
        if self.start.day == 1 and self.start.month % 3 == 1 and self.end == month_end(add_months(self.start, 2)):
            return f"{self.start.year}年第{(self.start.month + 2) // 3}季度"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a month end stays a month end, the 31st becomes the 30th if need be."""
    index = day.year * 12 + day.month - 1 + months
    first = dt.date(index // 12, index % 12 + 1, 1)
    if day == month_end(day):
        return month_end(first)
    return first.replace(day=min(day.day, month_end(first).day))


def period_range(preset: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Start and end of a preset period, relative to ``as_of`` (the latest day with data)."""
    if preset == "本月":
        return as_of.replace(day=1), month_end(as_of)
    if preset == "上月":
        start = add_months(as_of.replace(day=1), -1)
        return start, month_end(start)
    if preset == "本季度":
        start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        return start, month_end(add_months(start, 2))
    if preset == "本年":
        return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    raise ValueError(preset)


def default_period(latest: dt.date) -> tuple[dt.date, dt.date]:
    """The latest full month present in the data: the month of ``latest`` if it ends there, else the one before."""
    if latest == month_end(latest):
        return latest.replace(day=1), latest
    start = add_months(latest.replace(day=1), -1)
    return start, month_end(start)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_query(params: dict[str, list[str]], streets: dict[str, list[str]], latest: dt.date) -> Filters:
    """Filters from query parameters (``street``, ``community`` repeated or comma-separated, ``start``,
    ``end``); anything unknown or malformed falls back to the defaults rather than failing."""
    street = (params.get("street") or [None])[-1]
    if street not in streets:
        street = next(iter(streets), None)
    allowed = streets.get(street, [])
    wanted = [c.strip() for value in params.get("community", []) for c in value.split(",") if c.strip()]
    communities = tuple(c for c in wanted if c in allowed)
    start, end = _date((params.get("start") or [None])[-1]), _date((params.get("end") or [None])[-1])
    if not start or not end or start > end:
        start, end = default_period(latest)
    return Filters(street, communities, start, end)


def to_query(filters: Filters) -> dict[str, str | list[str]]:
    query: dict[str, str | list[str]] = {"start": filters.start.isoformat(), "end": filters.end.isoformat()}
    if filters.street:
        query["street"] = filters.street
    if filters.communities:
        query["community"] = list(filters.communities)
    return query


def _set_widgets(state, f: Filters, latest: dt.date) -> None:
    state["f_street"] = f.street
    state["f_communities"] = list(f.communities)
    state["f_period"] = _preset_of(f, latest)
    state["f_range"] = (f.start, f.end)


def sidebar(streets: dict[str, list[str]], latest: dt.date) -> Filters:
    """Draw the filters in the sidebar and return them; state lives in the session and the URL.

    The widgets have fixed keys, so their state survives page changes; a change asked for from a
    page (a click on a chart) arrives as ``pending_filters`` and is applied before they are drawn.
    """
    import streamlit as st

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
            start, end = picked if isinstance(picked, tuple) and len(picked) == 2 else (current.start, current.end)
        else:
            start, end = period_range(preset, latest)
        st.caption(f"数据截至 {latest:%Y-%m-%d}")
    chosen_filters = Filters(street, tuple(chosen), start, end)
    state.filters = chosen_filters
    # A page's own parameters (the grid map's ?grid=) stay; the filter ones are rewritten.
    others = {key: st.query_params.get_all(key) for key in st.query_params if key not in FILTER_PARAMS}
    st.query_params.from_dict({**others, **to_query(chosen_filters)})
    return chosen_filters


def _preset_of(filters: Filters, latest: dt.date) -> str:
    for preset in PERIODS[:-1]:
        if period_range(preset, latest) == (filters.start, filters.end):
            return preset
    return "自定义"
