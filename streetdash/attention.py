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

    def rows(frame: pd.DataFrame, column: str, mask, descending: bool = False) -> list[tuple]:
        # Two columns, as plain lists: pandas' indexing per item costs more than the page.
        keep = mask.to_numpy(dtype=bool, na_value=False)
        names = frame["community"].to_numpy()[keep].tolist()
        values = frame[column].to_numpy()[keep].tolist()
        if descending:
            # pandas' order, ties included (it is not a stable sort descending).
            order = pd.Series(values, dtype="float64").sort_values(ascending=False).index
            names, values = [names[i] for i in order], [values[i] for i in order]
        return list(zip(names, values, strict=True))

    for name, value in rows(communities, "tasks_overdue_open", communities["tasks_overdue_open"] > 0, True):
        items.append((f"{name}：超期未办结任务 {value:,} 件", "pages/tasks.py"))
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
    for name, value in rows(communities, "grids_oversized", communities["grids_oversized"] > 0):
        items.append((f"{name}：{value} 个网格超过 500 户", "pages/grid_map.py"))
    for name, value in rows(communities, "grids_no_leader", communities["grids_no_leader"] > 0):
        items.append((f"{name}：{value} 个网格没有网格长", "pages/grid_map.py"))
    # Below 99.9%: a gap worth a look, not the drawing noise of a real boundary file.
    for name, value in rows(communities, "grids_area_coverage", communities["grids_area_coverage"] < 0.999):
        items.append((f"{name}：网格只覆盖社区面积的 {value:.1%}，有覆盖空白", "pages/grid_map.py"))
    for name, value in rows(communities, "grids_overlaps", communities["grids_overlaps"] > 0):
        items.append((f"{name}：{value} 对网格边界重叠", "pages/grid_map.py"))
    for name, value in rows(communities, "mediation_escalated", communities["mediation_escalated"] > 0, True):
        items.append((f"{name}：移交上级的纠纷 {value} 件", "pages/mediation.py"))
    return items
