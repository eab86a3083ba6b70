import streamlit as st

from streetdash import charts
from streetdash.app import assessment_view as view
from streetdash.app import auth, data, ui
from streetdash.db import warehouse_status
from streetdash.filters import add_months

user = auth.page_guard("assessment")
st.title("考核排名")
status = warehouse_status()
if not status.exists:
    where = f"：{status.path}" if user.is_admin else ""  # the server's paths are for administrators only
    st.warning(f"尚未建立数仓{where}。请先运行 `make run` 或 `python -m etl load 台账目录/`。")
    st.stop()
f = ui.filters()
ui.caption(f)
streets, latest = data.scope()

latest_month = latest.replace(day=1)
months = [add_months(latest_month, -i) for i in range(36)]
wanted = f.end.replace(day=1)
left, right = st.columns([3, 2])
month = left.selectbox(
    "考核月份",
    months,
    index=months.index(wanted) if wanted in months else 0,
    format_func=lambda d: f"{d.year}年{d.month}月",
    key="assessment_month",
)
level = right.radio(
    "排名",
    ["community", "street"],
    format_func=lambda v: {"community": f"{ui.md(f.street or '')}各社区", "street": "各街道"}[v],
    horizontal=True,
    key="assessment_level",
)
a = view.read(f.street if level == "community" else None, month, level)
st.caption(
    f"{ui.md(a.scheme.title)} · {a.month_label()} · 满分 {a.scheme.full_marks:g} 分，{a.scheme.bands.text()}。点击一行，看该{a.noun}各项得分。"
)

if not a.current():
    st.info("所选月份没有可考核的数据。")
    st.stop()
chosen = view.ranking(a, f"考核排名_{a.month_label()}", key="assessment_ranking")
if chosen is None:
    # With one community in the filters, that one; else the one with most to fix.
    names = a.ranking()[a.noun].tolist()
    chosen = (
        f.communities[0]
        if level == "community" and len(f.communities) == 1 and f.communities[0] in names
        else names[-1]
    )
group = a.group(chosen)
score = "无数据" if group.score is None else f"{group.score:.1f} 分（{group.band}）"
st.subheader(f"{ui.md(chosen)}：{score}")
st.caption("失分多的指标在前：先把这些补上。没有数据的指标不计分，显示「无数据」。")
view.breakdown(a, chosen, key="assessment_breakdown")

st.subheader("近 12 个月名次")
history = a.history()
ui.chart(
    charts.ranks(history, "month", a.noun, "名次", f"各{a.noun}考核名次（第 1 名在上）", score="得分"),
    "考核名次_近12个月",
    empty="近 12 个月没有可考核的数据。",
)

st.subheader("考核方案")
view.scheme_text(a.scheme)
