"""One chart style for every page and export: Chinese fonts, Chinese number formats, report-sized text.

Plain plotly, no Streamlit: the pages, the monthly report and the exports build figures with the
functions here; the app shows them with :func:`streetdash.app.ui.chart`.

Every text a builder puts in a figure (categories, legend names, titles, labels) is taken as plain
text and escaped for plotly (:func:`streetdash.text.plotly`): a community named ``<a href=…>`` shows
as those characters, not as a link. Callers pass plain text, never plotly markup.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from streetdash.metrics import format_number
from streetdash.text import plotly as escape
from streetdash.text import plotly_each as escape_each

# Noto Sans CJK is installed by `make system-deps`; the rest cover Windows and macOS browsers.
FONT_STACK = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif'
PALETTE = ["#B22222", "#1F5F8B", "#E0A526", "#4C9A6A", "#7B5EA7", "#D9673B", "#5B7083", "#A0522D"]
GOOD, BAD, NEUTRAL = "#2E7D32", "#C62828", "#5B7083"

pio.templates["streetdash"] = go.layout.Template(
    layout=go.Layout(
        font=dict(family=FONT_STACK, size=14, color="#222"),
        title=dict(font=dict(size=17), x=0, xanchor="left"),
        colorway=PALETTE,
        paper_bgcolor="white",
        plot_bgcolor="white",
        xaxis=dict(showgrid=False, linecolor="#999", ticks="outside", automargin=True),
        yaxis=dict(gridcolor="#E5E5E5", zeroline=False, automargin=True, separatethousands=True),
        # Under the chart, from the left: above it, a legend runs into the title on a phone (390 px).
        legend=dict(orientation="h", x=0, xanchor="left", y=0, yanchor="bottom", yref="container"),
        margin=dict(l=10, r=10, t=60, b=10),
        separators=".,",
        hoverlabel=dict(font=dict(family=FONT_STACK)),
    )
)
# Set on every figure, not as plotly's default: importing Streamlit may change the default. Merged
# once here: given by name ("plotly_white+streetdash") plotly merges the two templates again for every
# figure, more than half of building one (about 30 ms a chart, each rerun of a page with four).
TEMPLATE = pio.templates["plotly_white+streetdash"]
# The template as a figure holds it after validation (the same properties in the same order).
_VALIDATED_TEMPLATE = go.Figure(layout=dict(template=TEMPLATE)).layout.template


def figure(data=None) -> go.Figure:
    """An empty figure (or one of ``data``) with the template, the same as ``layout=dict(template=TEMPLATE)``.

    Validating the template again is most of building a chart (about 17 ms a figure, seven on the
    task page); it was validated once above, so it is set unvalidated, as plotly sets its own default
    template on every new figure (``BaseFigure._initialize_layout_template``). Traces and every other
    property are still validated.
    """
    fig = go.Figure(data)
    fig.layout._validate = False
    try:
        fig.layout.template = _VALIDATED_TEMPLATE
    finally:
        fig.layout._validate = True
    return fig


def config(file_name: str) -> dict:
    """Plotly config: the PNG download at 2x scale under a Chinese file name, no plotly logo."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": file_name, "scale": 2},
        "modeBarButtonsToRemove": ["lasso2d", "autoScale2d"],
        # Text that looks like $LaTeX$ stays text even on a page that has MathJax.
        "typesetMath": False,
    }


def bar(
    frame: pd.DataFrame,
    x: str,
    y: str | list[str],
    title: str,
    *,
    kind: str = "count",
    horizontal: bool = False,
    reference: float | None = None,
    reference_label: str = "",
) -> go.Figure | None:
    """Bars of one or more measures; ``reference`` draws a line (a street figure, a target)."""
    if frame.empty:
        return None
    fig = figure()
    categories = escape_each(frame[x])
    for i, column in enumerate([y] if isinstance(y, str) else y):
        values = frame[column]
        text = [format_number(v, kind) for v in values]
        name = escape(str(column))
        if horizontal:
            fig.add_bar(y=categories, x=values, name=name, text=text, orientation="h", marker_color=PALETTE[i])
        else:
            fig.add_bar(x=categories, y=values, name=name, text=text, marker_color=PALETTE[i])
    fig.update_traces(textposition="outside", cliponaxis=False)
    if reference is not None and not (isinstance(reference, float) and math.isnan(reference)):
        reference_line(fig, reference, escape(reference_label) or format_number(reference, kind), vertical=horizontal)
    _axes(fig, kind, horizontal)
    largest = frame[[y] if isinstance(y, str) else y].max(numeric_only=True).max()
    if kind == "count" and largest == largest and largest < 8:  # small counts: whole-number ticks only
        fig.update_xaxes(dtick=1) if horizontal else fig.update_yaxes(dtick=1)
    fig.update_layout(title=escape(title), barmode="group", showlegend=not isinstance(y, str))
    return fig


def reference_line(fig: go.Figure, value: float, text: str, vertical: bool) -> None:
    """A dashed line across the plot at ``value`` with ``text`` at its end: what ``fig.add_vline`` (or
    ``add_hline``) with ``line_dash="dash"``, ``line_color=NEUTRAL`` and ``annotation_text`` draws, set
    as the layout's one shape and annotation. add_vline works out subplots and positions for any
    figure, which costs about as much as the rest of a bar chart."""
    line = dict(color=NEUTRAL, dash="dash")
    if vertical:
        shape = dict(type="line", x0=value, x1=value, xref="x", y0=0, y1=1, yref="y domain", line=line)
        note = dict(showarrow=False, text=text, x=value, xanchor="left", xref="x", y=1, yanchor="top", yref="y domain")
    else:
        shape = dict(type="line", x0=0, x1=1, xref="x domain", y0=value, y1=value, yref="y", line=line)
        note = dict(
            showarrow=False, text=text, x=1, xanchor="right", xref="x domain", y=value, yanchor="bottom", yref="y"
        )
    fig.update_layout(shapes=[shape], annotations=[note])


def trend(
    frame: pd.DataFrame, x: str, bars: list[str], line: str | None, title: str, line_kind: str = "rate"
) -> go.Figure | None:
    """Monthly counts as bars with a rate as a line on a second axis."""
    if frame.empty:
        return None
    fig = figure()
    for i, column in enumerate(bars):
        fig.add_bar(x=escape_each(frame[x]), y=frame[column], name=escape(str(column)), marker_color=PALETTE[i + 1])
    if line:
        fig.add_scatter(
            x=escape_each(frame[x]),
            y=frame[line],
            name=escape(line),
            yaxis="y2",
            mode="lines+markers",
            line=dict(color=PALETTE[0], width=3),
            hovertemplate="%{y:.1%}<extra>" + escape(line) + "</extra>" if line_kind == "rate" else None,
        )
        fig.update_layout(
            yaxis2=dict(
                overlaying="y",
                side="right",
                tickformat=".0%" if line_kind == "rate" else None,
                rangemode="tozero",
                showgrid=False,
            )
        )
    fig.update_layout(title=escape(title), barmode="group", xaxis=dict(tickformat="%Y年%m月"))
    return fig


def funnel(stages: list[str], values: list[float], title: str) -> go.Figure | None:
    if not any(values):
        return None
    fig = figure(
        go.Funnel(
            y=escape_each(stages), x=values, textinfo="value+percent initial", marker=dict(color=PALETTE[: len(stages)])
        )
    )
    fig.update_layout(title=escape(title))
    return fig


def pie(labels: list[str], values: list[float], title: str) -> go.Figure | None:
    if not any(values):
        return None
    fig = figure(go.Pie(labels=escape_each(labels), values=values, hole=0.45, sort=False, textinfo="label+percent"))
    fig.update_layout(title=escape(title), showlegend=False)
    return fig


def tree(
    ids: list[str], labels: list[str], parents: list[str | None], details: list[str], title: str
) -> go.Figure | None:
    """A tree as nested boxes (a treemap): each node counts one, so a box's size is how many nodes are in
    it (an organisation and those under it); ``details`` is shown in each box under its label."""
    if not ids:
        return None
    fig = figure(
        go.Treemap(
            ids=escape_each(ids),
            labels=escape_each(labels),
            parents=["" if p is None or p != p else escape(p) for p in parents],  # NaN: no parent
            values=[1] * len(ids),
            text=escape_each(details),
            branchvalues="remainder",
            textinfo="label+text",
            hovertemplate="%{label}<br>%{text}<extra></extra>",
            marker=dict(colors=None),
            root=dict(color="white"),
        )
    )
    fig.update_layout(title=escape(title), margin=dict(l=5, r=5, t=50, b=5), treemapcolorway=PALETTE)
    return fig


def _axes(fig: go.Figure, kind: str, horizontal: bool) -> None:
    value_axis = dict(tickformat=".0%" if kind == "rate" else ",d" if kind == "count" else None, rangemode="tozero")
    fig.update_layout(xaxis=value_axis) if horizontal else fig.update_layout(yaxis=value_axis)


def ranks(frame: pd.DataFrame, x: str, group: str, rank: str, title: str, score: str | None = None) -> go.Figure | None:
    """Each group's rank over time, one line each, first place at the top (the 考核 rank chart);
    ``score`` adds the score to the hover text."""
    if frame.empty:
        return None
    fig = figure()
    for i, (name, part) in enumerate(frame.groupby(group, sort=False)):
        part = part.sort_values(x)
        shown = escape(str(name))
        hover = "%{x|%Y年%m月}：第 %{y} 名" + (" · %{customdata:.1f} 分" if score else "") + f"<extra>{shown}</extra>"
        fig.add_scatter(
            x=part[x],
            y=part[rank],
            name=shown,
            mode="lines+markers",
            line=dict(color=PALETTE[i % len(PALETTE)], width=2),
            customdata=part[score] if score else None,
            hovertemplate=hover,
        )
    places = int(frame[rank].max())
    fig.update_layout(
        title=escape(title),
        xaxis=dict(tickformat="%Y年%m月"),
        yaxis=dict(range=[places + 0.5, 0.5], dtick=1, title="名次", zeroline=False),  # first place on top
    )
    return fig
