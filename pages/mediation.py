import streamlit as st

from streetdash import charts, topics
from streetdash.app import auth, data, ui

auth.page_guard("mediation")
st.title("矛盾调解")
f = ui.filters()
ui.caption(f)
KEYS = topics.MEDIATION
ui.kpi_rows(f, KEYS)

monthly = data.scope_monthly(f).rename(
    columns={"mediation_cases": "受理", "mediation_closed": "结案", "mediation_success_rate": "调解成功率"}
)
ui.chart(
    charts.trend(monthly, "month", ["受理", "结案"], "调解成功率", "每月受理与结案（近12个月及所选期间）"),
    "矛盾调解_月度趋势",
)
left, right = st.columns(2)
with left:
    ui.chart(
        charts.bar(data.breakdown("mediation_by_type", f), "纠纷类型", ["受理数", "调解成功"], "纠纷类型"), "纠纷类型"
    )
with right:
    levels = data.breakdown("mediation_by_level", f)
    ui.chart(
        charts.pie(levels["化解层级"].tolist(), levels["案件数"].tolist(), "化解在哪一级（已办结案件）"), "化解层级"
    )
communities = data.community_metrics(f)
fig = charts.bar(
    communities,
    "community",
    ["mediation_grid_rate", "mediation_community_rate"],
    "小事不出网格、大事不出社区",
    kind="rate",
)
if fig is not None:
    fig.for_each_trace(
        lambda t: t.update(
            name={"mediation_grid_rate": "网格内化解率", "mediation_community_rate": "社区内化解率"}[t.name]
        )
    )
ui.drill_down(ui.chart(fig, "网格社区化解率", key="levels_by_community", on_select="rerun", selection_mode="points"), f)
st.subheader("各调解组织")
ui.table(
    data.breakdown("mediation_by_group", f),
    "各调解组织",
    hide_index=True,
    width="stretch",
    column_config={
        "调解成功率": st.column_config.NumberColumn(format="percent"),
        "化解时长中位数": st.column_config.NumberColumn(format="%.1f 天"),
    },
)
ui.definitions(KEYS)
