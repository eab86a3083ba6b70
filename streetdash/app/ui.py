"""Small pieces every page uses: KPI cards with their 口径说明, the filter caption, tables and charts
with their downloads.

Text from the ledgers (names of communities, grids, campaigns ...) is data: a page passes it through
:func:`md` wherever Streamlit reads Markdown (st.markdown, captions, alerts, headers, metric labels,
page-link labels, tooltips), and charts get plain text (their builders escape it for plotly).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from pandas.io.formats.style import Styler

from streetdash import charts, export
from streetdash import ranking as ranking_logic
from streetdash.attention import attention_items
from streetdash.filters import Filters, as_of_text
from streetdash.metrics import (  # noqa: F401
    MISSING,
    Metric,
    by_column,
    format_number,
    format_value,
    is_missing,
    load_catalogue,
)
from streetdash.text import from_plotly
from streetdash.text import markdown as md


def metric(key: str) -> Metric:
    return load_catalogue()[key]


def kpi(column, key: str, current: pd.Series | None, previous: pd.Series | None) -> None:
    """A card: the value, its change against the previous period, and the definition on hover."""
    m = metric(key)
    value = None if current is None else current.get(m.column)
    before = None if previous is None else previous.get(m.column)
    delta = None
    if not is_missing(value) and not is_missing(before):
        change = value - before
        delta = f"{change * 100:+.1f} 个百分点" if m.format == "rate" else f"{change:+,.1f}".replace(".0", "")
    # A card is narrow at 1366 px: the bracketed part of a long name (小事不出网格) moves to the tooltip.
    label, _, aside = m.name.partition("（")
    column.metric(
        label if len(m.name) > 10 else m.name,
        format_value(key, value, with_unit=m.format == "days"),
        delta=delta,
        delta_color="off" if m.direction == "neutral" else "normal" if m.direction == "higher" else "inverse",
        help=(f"{m.name}：" if len(m.name) > 10 and aside else "") + f"{m.definition}（与上一等长周期相比）",
    )


def kpi_rows(f: Filters, keys: list[str]) -> pd.Series | None:
    """Cards for ``keys``, four to a row, each against the previous period; returns the scope's figures."""
    from streetdash.app import data

    current, previous = data.scope_and_previous(f)
    from streetdash.app.layout import kpi_key, responsive

    responsive()
    with st.container(key=kpi_key(keys)):  # two cards to a row on a phone (streetdash/app/layout.py)
        for start in range(0, len(keys), 4):
            for column, key in zip(st.columns(4), keys[start : start + 4], strict=False):
                kpi(column, key, current, previous)
    return current


def caption(f: Filters) -> None:
    from streetdash.app import data

    where = "、".join(f.communities) if f.communities else f"{f.street or ''}全部社区"
    _, latest = data.scope()
    st.caption(
        f"{md(where)} · {f.label()}（{f.start:%Y-%m-%d} 至 {f.end:%Y-%m-%d}） · {as_of_text(latest, f.end.year)}"
    )


def definitions(keys: list[str]) -> None:
    """The 口径说明 of the metrics a page shows."""
    with st.expander("口径说明"):
        for key in keys:
            m = metric(key)
            st.markdown(f"**{m.name}**（{m.unit}）：{m.definition}")


def metric_table(frame: pd.DataFrame, keys: list[str], first: list[str]) -> pd.DataFrame:
    """Columns renamed to Chinese metric names; rates as percentages for display."""
    columns = {metric(k).column: metric(k).name for k in keys}
    table = frame[first + list(columns)].rename(columns=columns)
    return table


def column_config(keys: list[str]) -> dict:
    config = {}
    for key in keys:
        m = metric(key)
        if m.format == "rate":
            config[m.name] = st.column_config.ProgressColumn(
                m.name, help=m.definition, format="percent", min_value=0.0, max_value=1.0
            )
        elif m.format in ("days", "decimal"):
            config[m.name] = st.column_config.NumberColumn(m.name, help=m.definition, format="%.1f")
        else:
            config[m.name] = st.column_config.NumberColumn(m.name, help=m.definition, format="localized")
    return config


def table(frame: pd.DataFrame | Styler, name: str, *, scoped: bool = True, **dataframe_kwargs):
    """Show a table (``st.dataframe``) with 下载 Excel / 下载 CSV buttons under it; returns the
    dataframe's selection event, if any.

    The files hold the table's data (a Styler's underlying frame), with the page's number formats,
    and the filters of the view (``scoped=False`` for tables the filters do not narrow, such as the
    load history), made only when a button is clicked (:func:`download_row`).
    """
    data = frame.data if isinstance(frame, Styler) else frame
    f = st.session_state.get("filters") if scoped else None
    # Two tables of one name on a page need a key; the buttons take theirs from it.
    key = dataframe_kwargs.get("key")
    # A number without a value reads "—" (Streamlit's default draws "None").
    dataframe_kwargs.setdefault("placeholder", MISSING)
    event = st.dataframe(frame, **dataframe_kwargs)
    stem = export.file_stem(name, f)
    conditions = export.filter_rows(f)
    formats = export.formats_from_column_config(dataframe_kwargs.get("column_config"))
    download_row(
        [
            Download(
                "下载 Excel",
                lambda: export.table_to_xlsx(data, name, conditions, formats=formats),
                f"{stem}.xlsx",
                export.XLSX_MIME,
                ":material/download:",
                "Excel 表格：带格式的数字、冻结表头，另一工作表记录筛选条件和导出时间",
            ),
            Download(
                "下载 CSV",
                lambda: export.table_to_csv(data),
                f"{stem}.csv",
                export.CSV_MIME,
                ":material/download:",
                "CSV（UTF-8 带 BOM，Excel 可直接打开）",
            ),
        ],
        key=key,
    )
    return event


@dataclass(frozen=True)
class Download:
    """One download button: its label, the function that makes the file, and how it is offered."""

    label: str
    make: Callable[[], bytes]
    file_name: str
    mime: str
    icon: str
    help: str


def download_row(downloads: list[Download], key: str | None = None) -> None:
    """Download buttons side by side. Each file is made only when its button is clicked (Streamlit
    runs ``make`` in its download thread), so showing a page costs nothing more. ``key`` (needed
    when a page shows two rows for files of one name) keys each button by its file's suffix.

    Every file is made with the scope of the user shown the button and written to the audit trail
    when made (:func:`streetdash.app.auth.audited`)."""
    from streetdash.app import auth

    who, scope = auth.actor(), auth.data_scope()  # once for the row: reading the request costs
    with st.container(horizontal=True, gap="small"):
        for d in downloads:
            st.download_button(
                d.label,
                data=auth.audited(d.make, d.file_name, who, scope),
                file_name=d.file_name,
                mime=d.mime,
                key=f"{key}_{d.file_name.rsplit('.', 1)[-1]}" if key else None,
                on_click="ignore",
                icon=d.icon,
                type="tertiary",
                help=d.help,
            )


def chart(
    fig: go.Figure | None,
    name: str,
    empty: str = "所选范围内没有数据。",
    key: str | None = None,
    export_figure: Callable[[], go.Figure] | None = None,
    **kwargs,
):
    """Show a figure, or say in a sentence that there is nothing to show. Returns the chart event, if any.

    ``export_figure`` makes the figure the PNG/SVG downloads draw, when it differs from the one shown
    (the grid map's GeoJSON is a URL of the app, which a browser exporting alone cannot fetch).
    """
    if fig is None:
        st.info(empty)
        return None
    stem = export.file_stem(name, st.session_state.get("filters"))
    # theme=None: our template, not Streamlit's, so the page looks like the exported PNG.
    event = st.plotly_chart(fig, config=charts.config(stem), key=key, theme=None, **kwargs)
    chart_downloads(export_figure or fig, stem)
    return event


def chart_downloads(fig: go.Figure | Callable[[], go.Figure], stem: str) -> None:
    """PNG (2x) and SVG download buttons for a figure (files ``stem``.png/.svg), drawn on the server
    with Chinese fonts when a button is clicked (:func:`download_row`)."""

    def figure() -> go.Figure:
        return fig() if callable(fig) else fig

    download_row(
        [
            Download(
                "PNG",
                lambda: export.figure_png(figure()),
                f"{stem}.png",
                export.PNG_MIME,
                ":material/image:",
                "下载图片（PNG，2 倍分辨率），可直接插入 Word、PPT",
            ),
            Download(
                "SVG",
                lambda: export.figure_svg(figure()),
                f"{stem}.svg",
                export.SVG_MIME,
                ":material/draw:",
                "下载矢量图（SVG），放大不失真",
            ),
        ]
    )


__all__ = ["kpi", "caption", "definitions", "metric_table", "column_config", "by_column", "table", "chart", "md"]


def through_entry() -> None:
    """Make sure this page runs inside dashboard.py (filters, navigation), not on its own.

    Streamlit treats a folder named ``pages/`` as a legacy multipage app and runs a page's file alone
    until the entry script has called ``st.navigation`` in that process: on a fresh server opened at a
    page's own URL (a shared link), and in every ``AppTest`` run. Leave that mode and run again
    through the entry script. (``PagesManager.uses_pages_directory`` is the switch Streamlit itself
    turns off in ``st.navigation``.)
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory or "filters" not in st.session_state:
        PagesManager.uses_pages_directory = False
        st.rerun()


def filters() -> Filters:
    """The global filters chosen in the sidebar (drawn by dashboard.py before the page runs)."""
    through_entry()
    return st.session_state.filters


def drill_down(event, f: Filters) -> None:
    """A click on a community in a chart narrows the filters to it (and the URL with them)."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    # The chart's categories are escaped for plotly (streetdash.charts): read them back as names.
    clicked = [(from_plotly(p.get("x")), from_plotly(p.get("y"))) for p in points]
    names = {y if isinstance(y, str) and y in _communities(f) else x for x, y in clicked}
    chosen = tuple(sorted(n for n in names if n in _communities(f)))
    if chosen and chosen != f.communities:
        st.session_state.pending_filters = dataclasses.replace(f, communities=chosen)
        st.rerun()


def clicked_location(event) -> str | None:
    """The ``location`` (a grid's code) of the point last clicked on a map chart, if any."""
    points = (event or {}).get("selection", {}).get("points", []) if event else []
    for point in points:
        if point.get("location") is not None:
            return str(point["location"])
    return None


def _communities(f: Filters) -> list[str]:
    from streetdash.app import data

    streets, _ = data.scope()
    return streets.get(f.street, [])


_MARK_STYLE = {
    ranking_logic.BETTER: "color: #2E7D32; font-weight: 600",
    ranking_logic.WORSE: "color: #C62828; font-weight: 600",
    "": "",
}


def ranking(communities: pd.DataFrame, scope_row: pd.Series | None, keys: list[str]):
    """Communities with the given metrics, each cell green or red against the scope's own figure."""
    table = ranking_logic.ranking_table(communities, keys)
    styles = ranking_logic.marks(table, scope_row, keys).map(_MARK_STYLE.get)
    # One format call for every column: each call walks the table again, per rerun.
    formats = {}
    for key in keys:
        m = metric(key)
        formats[m.name] = lambda v, kind=m.format: format_number(v, kind)
    return table.style.apply(lambda _: styles, axis=None).format(formats, na_rep=MISSING)


def attention(f: Filters, communities: pd.DataFrame, campaigns: pd.DataFrame) -> list[tuple[str, str]]:
    """What needs looking at, each with the page that explains it (see :mod:`streetdash.attention`)."""
    return attention_items(communities, campaigns)
