"""综合得分 in the manner of Boston's CityScore: how each community stands against its own targets.

Every metric with a target (a campaign row that names a ``metric_key``) scores actual ÷ target, or
target ÷ actual where lower is better, capped at 1.25; a community's score is the mean of its
metric scores, so 1.0 means "on target on average" and the parts show what pulls it down.
"""

from __future__ import annotations

import math

import pandas as pd

from streetdash.metrics import load_catalogue

CAP = 1.25


def metric_score(actual, target, direction: str) -> float | None:
    if actual is None or target is None or (isinstance(actual, float) and math.isnan(actual)) or not target:
        return None
    if direction == "lower":
        return CAP if actual <= 0 else min(target / actual, CAP)
    return min(max(actual, 0) / target, CAP)


def city_scores(communities: pd.DataFrame, campaigns: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(one row per scored community, lowest first; the metric scores behind them)."""
    catalogue = load_catalogue()
    rows = []
    for record in campaigns.itertuples(index=False):
        metric = catalogue.get(record.metric_key) if isinstance(record.metric_key, str) else None
        if metric is None or record.社区 not in set(communities.get("community", [])):
            continue
        score = metric_score(record.完成值, record.目标值, metric.direction)
        if score is not None:
            rows.append(
                {
                    "社区": record.社区,
                    "指标": f"{record.领题项目}·{record.指标}",
                    "目标值": record.目标值,
                    "完成值": round(float(record.完成值), 1),
                    "得分": round(score, 2),
                }
            )
    parts = pd.DataFrame(rows, columns=["社区", "指标", "目标值", "完成值", "得分"]).sort_values(["社区", "得分"])
    if parts.empty:
        return pd.DataFrame(columns=["社区", "综合得分", "指标数"]), parts
    table = (
        parts.groupby("社区", as_index=False)
        .agg(综合得分=("得分", "mean"), 指标数=("得分", "size"))
        .sort_values("综合得分", ascending=False)
    )
    table["综合得分"] = table["综合得分"].round(2)
    return table.reset_index(drop=True), parts.reset_index(drop=True)
