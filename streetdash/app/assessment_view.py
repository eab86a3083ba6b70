"""The 考核 ranking on screen: the cached assessment of a scope, its ranking table (band colours), a
group's breakdown and the scheme in plain Chinese. Shared by the 考核排名 page and the overview."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from streetdash import assessment, schemes
from streetdash.app import auth, data, ui
from streetdash.app.data import CACHE
from streetdash.db import connect_readonly, warehouse_version
from streetdash.filters import Filters, month_end
from streetdash.schemes import GREEN, RED, YELLOW

BAND_STYLE = {
    GREEN: "background-color: #E3F1E4; color: #1B5E20; font-weight: 600",
    YELLOW: "background-color: #FFF4D6; color: #7A5A00; font-weight: 600",
    RED: "background-color: #FBE3E3; color: #B71C1C; font-weight: 600",
}


# Shared, not copied per rerun (st.cache_data would unpickle every score of every month on each
# filter change): nothing changes an Assessment once made; its ranking table is made once and copied.
@st.cache_resource(**CACHE)
def _assessment(
    version: str,
    schemes_version: str,
    street: str | None,
    month: dt.date,
    level: str,
    months: int,
    communities: tuple[str, ...],
) -> assessment.Assessment:
    with connect_readonly() as con:
        return assessment.read_assessment(con, street, month, level, months, communities)


def read(street: str | None, month: dt.date, level: str = "community", months: int = 12) -> assessment.Assessment:
    """The month's assessment within the signed-in user's scope (cached per warehouse and scheme-file
    version: an edited scheme counts from the next rerun).

    A user limited to some communities sees those communities ranked among themselves, never the
    others' scores; the streets' ranking holds only the streets of the user's scope.
    """
    if level == "street":
        whole = _assessment(warehouse_version(), schemes.version(), None, month, level, months, ())
        scope = auth.data_scope()
        kept = {m: [s for s in groups if scope.allows_street(s.name)] for m, groups in whole.scores.items()}
        return dataclasses.replace(whole, scores=kept)
    cut = data.clamp(Filters(street, (), month, month_end(month)))
    return _assessment(warehouse_version(), schemes.version(), cut.street, month, level, months, cut.communities)


def ranking(a: assessment.Assessment, name: str, key: str, columns: list[str] | None = None):
    """The ranking table, bands coloured, one row selectable; returns the selected group or None."""
    table = a.ranking()
    if columns:
        table = table[columns]
    styler = table.style.map(lambda band: BAND_STYLE.get(band, ""), subset=["等级"])
    event = ui.table(
        styler,
        name,
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            "名次": st.column_config.NumberColumn("名次", format="%d", width="small"),
            "得分": st.column_config.NumberColumn(
                "得分", format="%.1f", help=f"满分 {a.scheme.full_marks:g} 分，{a.scheme.bands.text()}"
            ),
            "等级": st.column_config.TextColumn("等级", width="small"),
            "较上月": st.column_config.TextColumn("较上月", help="名次与上月相比：↑ 上升，↓ 下降", width="small"),
            "无数据指标": st.column_config.TextColumn("无数据指标", help="本月没有数据、不计分的指标"),
        },
    )
    rows = event.selection.rows if event else []
    return table.iloc[rows[0]][a.noun] if rows else None


def breakdown(a: assessment.Assessment, name: str, key: str) -> pd.DataFrame:
    """One group's indicators, the largest loss first."""
    frame = a.breakdown(name)
    ui.table(
        frame,
        f"考核得分构成_{name}",
        hide_index=True,
        width="stretch",
        key=key,
        column_config={
            "计分规则": st.column_config.TextColumn("计分规则", width="large"),
            "分值": st.column_config.NumberColumn("分值", format="%g"),
            "得分": st.column_config.NumberColumn("得分", format="%.1f"),
            "失分": st.column_config.NumberColumn("失分", format="%.1f", help="分值减得分：先把失分多的补上"),
        },
    )
    return frame


def scheme_text(scheme: schemes.Scheme) -> None:
    """The scheme in plain Chinese, and where a street edits it."""
    st.markdown("\n".join(f"- {line}" for line in scheme.sentences()))
    where = scheme.path.name if scheme.path else "（内置）"
    st.caption(
        f"方案文件：streetdash/schemes/{where}。修改分值、阈值或目标后，下次打开本页即按新方案计分；"
        f"默认办理时限（{scheme.settings.due_days} 天）和响应时限（{scheme.settings.response_hours:g} 小时）"
        "在下一次导入或运行 `python -m etl settings` 后生效。"
    )
