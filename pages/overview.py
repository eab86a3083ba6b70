import streamlit as st

from streetdash import ranking
from streetdash.app import assessment_view as view
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
    "tasks.response_rate",
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
    # The month's 考核 by the street's scheme (the ranking page has the whole of it).
    month = f.end.replace(day=1)
    a = view.read(f.street, month, months=2)
    st.subheader(f"{month.month}月考核")
    if not a.current():
        st.info("所选月份没有可考核的数据。")
    else:
        chosen = view.ranking(
            a, f"考核排名_{a.month_label()}", key="score_table", columns=["名次", "社区", "得分", "等级", "较上月"]
        )
        names = a.ranking()["社区"].tolist()
        chosen = chosen or names[-1]
        parts = a.breakdown(chosen)
        lost = parts[parts["失分"] > 0].head(3)
        if lost.empty:
            st.markdown(f"**{ui.md(chosen)}** 各项都拿到了满分。")
        else:
            items = "；".join(f"{ui.md(r.指标)}失 {r.失分:.1f} 分（{ui.md(r.完成值)}）" for r in lost.itertuples())
            st.markdown(f"**{ui.md(chosen)}** 失分最多的：{items}。")
        st.page_link(
            "pages/assessment.py", label="考核排名：各项得分、近 12 个月名次和考核方案", icon=":material/arrow_forward:"
        )

st.subheader("需要关注")
items = ui.attention(f, communities, targets)
if not items:
    st.success("所选范围内没有需要特别关注的事项。")
for text, page in items:
    st.page_link(page, label=ui.md(text), icon=":material/arrow_forward:")
ui.definitions(KPIS)
