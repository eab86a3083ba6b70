import streamlit as st

from streetdash import charts, topics
from streetdash.app import auth, data, ui

auth.page_guard("party")
st.title("党建引领")
f = ui.filters()
ui.caption(f)
KEYS = topics.PARTY
ui.kpi_rows(f, KEYS)

st.subheader("组织体系")
st.caption("街道党工委 → 社区党委（党总支）→ 小区（网格）党支部 → 楼栋党小组；框的大小为其中的组织数。")
orgs = data.breakdown("party_org_tree", f)
ui.chart(
    charts.tree(
        orgs["组织编码"].tolist(),
        orgs["组织名称"].tolist(),
        orgs["上级组织编码"].tolist(),
        orgs["说明"].tolist(),
        "党组织体系（截至期末）",
    ),
    "党组织体系",
)
ui.table(data.breakdown("party_orgs_by_community", f), "各社区党组织", hide_index=True, width="stretch")

st.subheader("双报到")
communities = data.community_metrics(f)
fig = charts.bar(communities, "community", ["party_registered", "party_active"], "各社区报到党员与参与党员（人）")
if fig is not None:
    fig.for_each_trace(lambda t: t.update(name={"party_registered": "报到党员", "party_active": "参与党员"}[t.name]))
ui.drill_down(ui.chart(fig, "各社区双报到", key="party_by_community", on_select="rerun", selection_mode="points"), f)
ui.table(
    data.breakdown("party_grid_coverage", f),
    "各网格双报到",
    hide_index=True,
    width="stretch",
    column_config={"每百户报到党员": st.column_config.NumberColumn(format="%.1f")},
)

st.subheader("党员服务")
service = data.breakdown("party_service_by_kind", f)
left, right = st.columns(2)
with left:
    ui.chart(charts.bar(service, "党员类型", ["报到党员", "参与党员", "接单次数"], "各类党员的报到与接单"), "党员接单")
with right:
    ui.chart(charts.bar(service, "党员类型", "服务时长", "各类党员的服务时长（小时）", kind="ratio"), "党员服务时长")
ui.table(
    service,
    "党员服务",
    hide_index=True,
    width="stretch",
    column_config={
        "参与率": st.column_config.NumberColumn(format="percent"),
        "服务时长": st.column_config.NumberColumn(format="%.1f 小时"),
    },
)

st.subheader("驻区单位共建")
units = data.breakdown("units_by_community", f)
ui.chart(charts.bar(units, "社区", ["资源清单", "需求清单"], "共建单位的资源清单与社区需求清单（项）"), "资源与需求")
ui.table(data.breakdown("units_list", f), "驻区共建单位", hide_index=True, width="stretch")

st.subheader("民生实事与项目")
sources = data.breakdown("projects_by_source", f)
ui.chart(charts.bar(sources, "项目来源", ["项目数", "已销号", "超期未销号"], "各类项目的销号情况"), "项目销号")
projects = data.breakdown("project_list", f)  # the overdue first, whatever their planned day
overdue = int((projects["超期"] == "超期").sum())
if overdue:
    st.warning(f"截至期末有 {overdue} 个项目超期未销号（见下表最前）。", icon=":material/schedule:")
ui.table(
    projects,
    "民生实事与项目清单",
    hide_index=True,
    width="stretch",
    column_config={"投入资金": st.column_config.NumberColumn(format="%.1f 万元")},
)

st.subheader("志愿服务队与宝藏邻居")
skills = data.breakdown("volunteers_by_skill", f)
ui.chart(charts.bar(skills, "特长类别", ["志愿服务队", "宝藏邻居"], "志愿服务队与宝藏邻居（按特长类别）"), "志愿服务")
ui.table(data.breakdown("volunteer_teams", f), "志愿服务队", hide_index=True, width="stretch")
ui.definitions(KEYS)
