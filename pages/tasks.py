import streamlit as st

from streetdash import charts, topics
from streetdash.app import auth, data, ui

auth.page_guard("tasks")
st.title("任务办结")
f = ui.filters()
ui.caption(f)
KEYS = topics.TASKS
current = ui.kpi_rows(f, KEYS)

monthly = data.scope_monthly(f).rename(
    columns={"tasks_published": "发布", "tasks_claims": "接单", "tasks_closed": "办结", "tasks_closure_rate": "办结率"}
)
ui.chart(
    charts.trend(monthly, "month", ["发布", "接单", "办结"], "办结率", "每月发布、接单与办结（近12个月及所选期间）"),
    "任务办结_月度趋势",
)

communities = data.community_metrics(f)
left, right = st.columns(2)
with left:
    fig = charts.bar(
        communities.sort_values("tasks_closure_rate"),
        "community",
        "tasks_closure_rate",
        "各社区办结率（虚线为整体）",
        kind="rate",
        horizontal=True,
        reference=None if current is None else current["tasks_closure_rate"],
        reference_label="整体",
    )
    ui.drill_down(
        ui.chart(fig, "各社区办结率", key="closure_by_community", on_select="rerun", selection_mode="points"), f
    )
with right:
    fig = charts.bar(
        communities.sort_values("tasks_median_days_to_close"),
        "community",
        "tasks_median_days_to_close",
        "各社区办结时长中位数（天）",
        kind="days",
        horizontal=True,
    )
    ui.drill_down(
        ui.chart(fig, "各社区办结时长", key="days_by_community", on_select="rerun", selection_mode="points"), f
    )
st.caption("点击图中的社区，可把筛选缩小到该社区。")

left, middle, right = st.columns(3)
with left:
    funnel = data.breakdown("task_funnel", f)
    values = funnel.iloc[0].tolist() if not funnel.empty else [0, 0, 0]
    ui.chart(charts.funnel(["发布", "接单", "办结"], values, "发布→接单→办结"), "任务漏斗")
with middle:
    ageing = data.breakdown("backlog_ageing", f)
    ui.chart(
        charts.bar(ageing, "积压时长", "任务数", "期末未办结任务的积压时长") if ageing["任务数"].sum() else None,
        "积压时长",
        empty="期末没有未办结的任务。",
    )
with right:
    claims = data.breakdown("claims_by_member_type", f)
    ui.chart(charts.bar(claims, "人员类型", "接单次数", "接单人员类型"), "接单人员类型")

st.subheader("按类别")
ui.table(
    data.breakdown("tasks_by_category", f),
    "任务按类别",
    hide_index=True,
    width="stretch",
    column_config={
        "办结率": st.column_config.NumberColumn(format="percent"),
        "办结时长中位数": st.column_config.NumberColumn(format="%.1f 天"),
    },
)
st.subheader("超期未办结任务")
overdue = data.breakdown("overdue_tasks", f)
if overdue.empty:
    st.success("期末没有超期未办结的任务。")
else:
    ui.table(overdue, "超期未办结任务", hide_index=True, width="stretch")
ui.definitions(KEYS)
