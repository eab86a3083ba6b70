"""Chart export speed: one PNG (2x) through the long-lived headless Chromium, after the first.

The first export starts the browser (seconds); every later one reuses it. Figures are the
dashboard's own builders (monthly trend, community bars) on a year of made-up figures.
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from streetdash import charts, export

GOAL = 0.5
EXPORTS = 20


def _figures() -> list:
    months = pd.date_range("2022-01-01", periods=13, freq="MS")
    monthly = pd.DataFrame(
        {"month": months, "发布": range(40, 53), "接单": range(120, 133), "办结": range(30, 43), "办结率": 0.8}
    )
    communities = pd.DataFrame(
        {"community": [f"第{i}社区" for i in range(1, 9)], "tasks_closure_rate": [0.6 + i / 40 for i in range(8)]}
    )
    return [
        charts.trend(monthly, "month", ["发布", "接单", "办结"], "办结率", "每月发布、接单与办结"),
        charts.bar(communities, "community", "tasks_closure_rate", "各社区办结率", kind="rate", horizontal=True),
    ]


def bench_export(rows: int = 0) -> list[dict]:
    """(first export with browser start; median of the next PNG exports), in seconds."""
    figures = _figures()
    exporter = export.ChartExporter()
    try:
        start = time.perf_counter()
        exporter.render(figures[0], "png")
        first = time.perf_counter() - start
        times = []
        for i in range(EXPORTS):
            start = time.perf_counter()
            exporter.render(figures[i % len(figures)], "png")
            times.append(time.perf_counter() - start)
    finally:
        exporter.close()
    median = statistics.median(times)
    return [
        {
            "benchmark": f"图表导出 PNG（2 倍，{export.EXPORT_WIDTH}×{export.EXPORT_HEIGHT}，首次之后 {EXPORTS} 次中位数）",
            "reference": f"首次（含启动浏览器）{first:.2f} s",
            "measured": f"{median:.2f} s",
            "ratio": "",
            "goal": f"< {GOAL:g} s",
            "result": "PASS" if median < GOAL else "FAIL",
        }
    ]
