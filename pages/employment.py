import streamlit as st

from streetdash import charts, topics
from streetdash.app import auth, data, ui

auth.page_guard("employment")
st.title("就业服务")
f = ui.filters()
ui.caption(f)
KEYS = topics.EMPLOYMENT
ui.kpi_rows(f, KEYS)

monthly = data.scope_monthly(f).rename(columns={"jobs_postings": "就业信息", "jobs_vacancies": "岗位数"})
ui.chart(
    charts.trend(monthly, "month", ["就业信息", "岗位数"], None, "每月发布的就业信息与岗位（近12个月及所选期间）"),
    "就业_月度趋势",
)
left, right = st.columns(2)
with left:
    funnel = data.breakdown("seeker_funnel", f)
    values = funnel.iloc[0].tolist() if not funnel.empty else [0, 0, 0, 0]
    ui.chart(charts.funnel(["登记", "意向", "录用", "上岗"], values, "登记→意向→录用→上岗（人）"), "就业漏斗")
with right:
    ui.chart(
        charts.bar(data.breakdown("postings_by_channel", f), "发布渠道", ["信息条数", "岗位数"], "发布渠道"), "发布渠道"
    )
left, right = st.columns(2)
with left:
    ui.chart(
        charts.bar(data.breakdown("seekers_by_group", f), "人员类别", ["服务人数", "实现就业"], "服务的人群"),
        "服务人群",
    )
with right:
    ui.chart(charts.bar(data.breakdown("events_by_kind", f), "活动类型", "场次", "活动类型"), "活动类型")
st.subheader("技能培训")
ui.table(data.breakdown("trainings_by_course", f), "技能培训", hide_index=True, width="stretch")
communities = data.community_metrics(f)
fig = charts.bar(communities, "community", ["jobs_postings", "jobs_placements"], "各社区就业信息与实现就业")
if fig is not None:
    fig.for_each_trace(
        lambda t: t.update(name={"jobs_postings": "发布就业信息", "jobs_placements": "实现就业"}[t.name])
    )
ui.drill_down(ui.chart(fig, "各社区就业", key="jobs_by_community", on_select="rerun", selection_mode="points"), f)
ui.definitions(KEYS)
