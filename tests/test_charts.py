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
