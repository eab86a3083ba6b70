import streamlit as st

from streetdash import ranking, scores
from streetdash.app import auth, data, ui
from streetdash.db import warehouse_status

user = auth.page_guard("overview")
st.title("街道治理数据驾驶舱")
status = warehouse_status()
if not status.exists:
    # The server's paths are for administrators only.
    where = f"：{status.path}" if user.is_admin else ""
    st.warning(f"尚未建立数仓{where}。请先运行 `make run`（自动生成演示数据）或 `python -m etl load 台账目录/`。")
    st.stop()
f = ui.filters()
ui.caption(f)

KPIS = [
    "tasks.closure_rate",
    "tasks.on_time_rate",
    "mediation.success_rate",
    "mediation.grid_rate",
    "jobs.postings",
    "jobs.intents",
    "points.participants",
]
current = ui.kpi_rows(f, KPIS)

communities = data.community_metrics(f)
targets = data.breakdown("campaigns", f)
left, right = st.columns([3, 2])
with left:
    st.subheader("社区排名")
    ui.table(
        ui.ranking(communities, current, ranking.RANKED_METRICS),
        "社区排名",
        hide_index=True,
        width="stretch",
    )
    st.caption("绿色：好于整体（比率与所选范围整体比，数量与社区平均比）；红色：差于整体。点击列名可排序。")
with right:
    st.subheader("综合得分")
    score_table, parts = scores.city_scores(communities, targets)
    if score_table.empty:
        st.info("所选范围内没有设定目标的指标（领题攻坚指标中填写「数据来源」即可纳入综合得分）。")
    else:
        event = ui.table(
            score_table,
            "综合得分",
            hide_index=True,
            width="stretch",
            on_select="rerun",
            selection_mode="single-row",
            key="score_table",
            column_config={
                "综合得分": st.column_config.ProgressColumn(
                    "综合得分",
                    min_value=0.0,
                    max_value=1.25,
                    format="%.2f",
                    help="各有目标指标的 完成值÷目标值（越低越好的指标取 目标值÷完成值），上限 1.25，取平均。",
                )
            },
        )
        rows = event.selection.rows if event else []
        chosen = score_table.iloc[rows[0]]["社区"] if rows else score_table.iloc[-1]["社区"]
        st.markdown(f"**{ui.md(chosen)}** 的得分构成（从低到高）：")
        ui.table(
            parts[parts["社区"] == chosen].drop(columns="社区"),
            f"综合得分构成_{chosen}",
            hide_index=True,
            width="stretch",
        )

st.subheader("需要关注")
items = ui.attention(f, communities, targets)
if not items:
    st.success("所选范围内没有需要特别关注的事项。")
for text, page in items:
    st.page_link(page, label=ui.md(text), icon=":material/arrow_forward:")
ui.definitions(KPIS)
