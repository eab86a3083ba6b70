"""What needs a secretary's attention in a scope and period: overdue tasks, campaign targets not
met, oversized grids, grids without a leader, coverage gaps and overlapping grids, disputes escalated. Pure: the overview page lists
the items with links, the monthly report prints them."""

from __future__ import annotations

import pandas as pd

from streetdash.metrics import is_missing, load_catalogue


def attention_items(communities: pd.DataFrame, campaigns: pd.DataFrame) -> list[tuple[str, str]]:
    """(sentence, page that explains it) for each item, most pressing kind first.

    ``communities`` is ``community_metrics`` of the scope, ``campaigns`` the campaign rows with
    their actual values (``queries.campaigns``).
    """
    items: list[tuple[str, str]] = []
    overdue = communities[communities["tasks_overdue_open"] > 0].sort_values("tasks_overdue_open", ascending=False)
    for r in overdue.itertuples():
        items.append((f"{r.community}：超期未办结任务 {r.tasks_overdue_open:,} 件", "pages/tasks.py"))
    catalogue = load_catalogue()
    for r in campaigns.itertuples(index=False):
        metric_def = catalogue.get(r.metric_key) if isinstance(r.metric_key, str) else None
        lower = metric_def is not None and metric_def.direction == "lower"
        if is_missing(r.完成值) or is_missing(r.目标值):
            continue
        behind = r.完成值 > r.目标值 if lower else r.完成值 < r.目标值
        if behind:
            items.append(
                (
                    f"{r.社区}「{r.领题项目}·{r.指标}」完成 {r.完成值:,.1f}，目标 {r.目标值:,.0f}{r.单位 or ''}",
                    "pages/campaigns.py",
                )
            )
    for r in communities[communities["grids_oversized"] > 0].itertuples():
        items.append((f"{r.community}：{r.grids_oversized} 个网格超过 500 户", "pages/grid_map.py"))
    for r in communities[communities["grids_no_leader"] > 0].itertuples():
        items.append((f"{r.community}：{r.grids_no_leader} 个网格没有网格长", "pages/grid_map.py"))
    # Below 99.9%: a gap worth a look, not the drawing noise of a real boundary file.
    for r in communities[communities["grids_area_coverage"] < 0.999].itertuples():
        items.append(
            (f"{r.community}：网格只覆盖社区面积的 {r.grids_area_coverage:.1%}，有覆盖空白", "pages/grid_map.py")
        )
    for r in communities[communities["grids_overlaps"] > 0].itertuples():
        items.append((f"{r.community}：{r.grids_overlaps} 对网格边界重叠", "pages/grid_map.py"))
    escalated = communities[communities["mediation_escalated"] > 0].sort_values("mediation_escalated", ascending=False)
    for r in escalated.itertuples():
        items.append((f"{r.community}：移交上级的纠纷 {r.mediation_escalated} 件", "pages/mediation.py"))
    return items
