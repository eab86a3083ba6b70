import pandas as pd
import streamlit as st

from streetdash import charts, topics
from streetdash.app import auth, data, ui

auth.page_guard("campaigns")
st.title("领题攻坚与积分超市")
f = ui.filters()
ui.caption(f)
st.subheader("领题攻坚")
campaigns = data.breakdown("campaigns", f)
_, latest = data.scope()  # "today" for the data: days left are counted from the last day with records
if campaigns.empty:
    st.info("所选范围和时间内没有领题攻坚指标。")
for start in range(0, len(campaigns), 3):
    for column, r in zip(st.columns(3), campaigns.iloc[start : start + 3].itertuples(index=False), strict=False):
        with column.container(border=True):
            st.markdown(f"**{ui.md(r.社区)}** · {ui.md(r.领题项目)}")
            actual = r.完成值
            progress = 0.0 if actual is None or actual != actual or not r.目标值 else min(actual / r.目标值, 1.0)
            value = "—" if actual is None or actual != actual else f"{actual:,.1f}".removesuffix(".0")
            st.metric(ui.md(r.指标), f"{value} / {r.目标值:,.0f}{ui.md(r.单位)}")
            st.progress(progress, text=f"完成 {progress:.0%}")
            start_day, end_day = pd.Timestamp(r.统计起始).date(), pd.Timestamp(r.统计截止).date()
            left = (end_day - latest).days
            source = f"自动计算（{ui.metric(r.metric_key).name}）" if isinstance(r.metric_key, str) else "手工填报"
            remain = "已结束" if left < 0 else f"剩余 {left} 天"
            st.caption(f"{start_day:%Y-%m-%d} 至 {end_day:%Y-%m-%d} · {remain} · {source}")

st.subheader("积分超市")
KEYS = topics.POINTS
ui.kpi_rows(f, KEYS)
monthly = data.scope_monthly(f).rename(columns={"points_earned": "获得积分", "points_redeemed": "兑换积分"})
ui.chart(
    charts.trend(monthly, "month", ["获得积分", "兑换积分"], None, "每月获得与兑换的积分（近12个月及所选期间）"),
    "积分_月度趋势",
)
ui.chart(charts.bar(data.breakdown("points_reasons", f), "事由", "笔数", "积分事由"), "积分事由")
ui.definitions(KEYS)
