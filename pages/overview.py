import streamlit as st

from streetdash import db

st.title("街道治理数据驾驶舱")
status = db.warehouse_status()
if not status.exists:
    st.warning(f"尚未建立数仓：{status.path}。请先运行 `make run`（自动生成演示数据）或 `python -m etl load 台账目录/`。")
else:
    st.info("总览页正在建设中：指标卡、社区排名和需要关注事项将在这里呈现。当前可在「数据导入情况」查看已导入的台账。")
    cols = st.columns(len(status.table_rows) or 1)
    for col, (title, rows) in zip(cols, status.table_rows.items(), strict=False):
        col.metric(title, f"{rows:,}")
