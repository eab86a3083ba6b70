"""The community ranking: each community's figures, each marked better or worse than the scope.

Pure: the overview page colours the marks green/red (a pandas Styler), the monthly report colours
its Word table the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from streetdash.metrics import is_missing, load_catalogue

# The metrics of the ranking, on the overview and in the monthly report.
RANKED_METRICS = [
    "tasks.published",
    "tasks.closure_rate",
    "tasks.on_time_rate",
    "tasks.overdue_open",
    "mediation.cases",
    "mediation.success_rate",
    "jobs.postings",
    "jobs.placements",
]
BETTER, WORSE = "better", "worse"


def ranking_table(communities: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """社区 and one column per metric, named by the catalogue (办结率), values as in the warehouse."""
    catalogue = load_catalogue()
    columns = {catalogue[k].column: catalogue[k].name for k in keys}
    return communities[["community", *columns]].rename(columns={"community": "社区", **columns})


def reference(scope_row: pd.Series | None, key: str, communities: int):
    """What a community is compared with: the scope's rate, or for a count the average community."""
    m = load_catalogue()[key]
    value = None if scope_row is None else scope_row.get(m.column)
    if m.format == "count" and not is_missing(value) and communities:
        return value / communities
    return value


def marks(table: pd.DataFrame, scope_row: pd.Series | None, keys: list[str]) -> pd.DataFrame:
    """For each cell of :func:`ranking_table`: ``better``, ``worse`` or "" (equal, missing, neutral)."""
    catalogue = load_catalogue()
    # Filled as arrays and framed once: pandas' cell and mask assignment cost more than the page.
    out = {name: np.full(len(table), "", dtype=object) for name in table.columns}
    for key in keys:
        m = catalogue[key]
        against = reference(scope_row, key, len(table))
        if m.direction == "neutral" or is_missing(against):
            continue
        # A missing value compares false both ways and stays unmarked.
        values = pd.to_numeric(table[m.name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        higher, lower = values > against, values < against
        better, worse = (higher, lower) if m.direction == "higher" else (lower, higher)
        out[m.name][better] = BETTER
        out[m.name][worse] = WORSE
    return pd.DataFrame(out, index=table.index, columns=table.columns)
