"""The chart style: Chinese number formats, PNG download settings, empty data as a sentence."""

import math

import pandas as pd
import pytest

from streetdash import charts


@pytest.mark.parametrize(
    "value,kind,text",
    [
        (0.8197, "rate", "82.0%"),
        (1234, "count", "1,234"),
        (None, "rate", "—"),
        (math.nan, "count", "—"),
        (3.25, "days", "3.2"),
        (12.0, "count", "12"),
    ],
)
def test_format_number(value, kind, text):
    assert charts.format_number(value, kind) == text


def test_png_download_is_2x_with_a_chinese_name():
    options = charts.config("崇北社区_办结率")["toImageButtonOptions"]
    assert options == {"format": "png", "filename": "崇北社区_办结率", "scale": 2}


def test_empty_data_gives_no_figure_and_figures_use_the_chinese_font():
    assert charts.bar(pd.DataFrame({"社区": [], "办结率": []}), "社区", "办结率", "办结率") is None
    assert charts.funnel(["发布", "接单"], [0, 0], "漏斗") is None
    fig = charts.bar(
        pd.DataFrame({"社区": ["崇北社区"], "办结率": [0.82]}), "社区", "办结率", "办结率", kind="rate", reference=0.8
    )
    assert "Noto Sans CJK SC" in fig.layout.template.layout.font.family
    assert fig.data[0].text == ("82.0%",)


def _validated_figure(data=None):
    # How every chart was built before charts.figure: the template validated with each figure.
    import plotly.graph_objects as go

    return go.Figure(data, layout=dict(template=charts.TEMPLATE))


def _every_chart():
    frame = pd.DataFrame(
        {"社区": ["崇北社区", "<b>南苑</b>", "东湖"], "办结率": [0.82, math.nan, 0.5], "件数": [3, 12, 0]}
    )
    months = pd.DataFrame({"month": pd.to_datetime(["2024-01-01", "2024-02-01"]), "发布": [5, 7], "办结率": [0.4, 0.6]})
    ranks = pd.DataFrame({"month": list(months["month"]) * 2, "社区": ["甲", "甲", "乙", "乙"], "名次": [1, 2, 2, 1]})
    ranks["得分"] = [90.5, 80.0, 85.0, 91.0]
    return [
        charts.bar(
            frame, "社区", "办结率", "办结率", kind="rate", horizontal=True, reference=0.7, reference_label="整体"
        ),
        charts.bar(frame, "社区", ["件数", "办结率"], "件数"),
        charts.trend(months, "month", ["发布"], "办结率", "趋势"),
        charts.trend(months, "month", ["发布"], None, "趋势"),
        charts.funnel(["发布", "接单", "办结"], [10, 8, 5], "漏斗"),
        charts.pie(["甲", "乙"], [1, 2], "饼"),
        charts.tree(["a", "b"], ["甲", "乙"], [None, "a"], ["一", "二"], "树"),
        charts.ranks(ranks, "month", "社区", "名次", "名次", score="得分"),
    ]


def test_the_unvalidated_template_draws_the_same_figures(monkeypatch):
    """charts.figure sets the once-validated template without validating it again: every builder gives
    the same JSON, key for key, as with the template validated for each figure; and a change to one
    figure's template does not reach the next figure."""
    new = [fig.to_json() for fig in _every_chart()]
    with monkeypatch.context() as m:
        m.setattr(charts, "figure", _validated_figure)
        old = [fig.to_json() for fig in _every_chart()]
    assert new == old
    changed = charts.figure()
    changed.update_layout(template_layout_font_size=40)
    assert charts.figure().layout.template.layout.font.size == 14


@pytest.mark.parametrize("horizontal", [True, False])
def test_the_reference_line_is_what_add_vline_draws(horizontal):
    """charts.reference_line gives the figure add_vline / add_hline gave (the bars' reference line)."""
    frame = pd.DataFrame({"社区": ["崇北社区", "东湖"], "办结率": [0.82, 0.5]})
    drawn = charts.bar(
        frame, "社区", "办结率", "办结率", kind="rate", horizontal=horizontal, reference=0.7, reference_label="整体"
    )
    plain = charts.bar(frame, "社区", "办结率", "办结率", kind="rate", horizontal=horizontal)
    line = dict(line_dash="dash", line_color=charts.NEUTRAL, annotation_text="整体")
    plain.add_vline(x=0.7, **line) if horizontal else plain.add_hline(y=0.7, **line)
    # The line was added before the axes and the title; the layout's keys may come in another order.
    assert drawn.to_plotly_json() == plain.to_plotly_json()
    assert drawn.layout.shapes == plain.layout.shapes and drawn.layout.annotations == plain.layout.annotations
