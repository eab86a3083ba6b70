import streamlit as st

from streetdash import db

st.title("街道治理数据驾驶舱")
status = db.warehouse_status()
if not status.exists:
    st.warning(
        f"尚未建立数仓：{status.path}。请先运行 `make run`（自动生成演示数据）或 `python -m etl load 台账目录/`。"
    )
else:
    st.info("总览页正在建设中：指标卡、社区排名和需要关注事项将在这里呈现。当前可在「数据导入情况」查看已导入的台账。")
    items = list(status.table_rows.items())
    for start in range(0, len(items), 4):  # four to a row: whole numbers, never cut off
        for col, (title, rows) in zip(st.columns(4), items[start : start + 4], strict=False):
            col.metric(title, f"{rows:,}")
