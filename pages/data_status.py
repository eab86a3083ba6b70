import streamlit as st

from streetdash import db
from streetdash.app import ui

st.title("数据导入情况")
status = db.warehouse_status()
if not status.exists:
    st.warning(f"尚未建立数仓：{status.path}")
    st.stop()
ui.through_entry()
st.caption(f"数仓文件：{status.path}")
st.subheader("最近的导入批次")
history = db.load_history()
if history.empty:
    st.write("还没有导入过台账。")
else:
    ui.table(history, "导入批次", scoped=False, hide_index=True, width="stretch")
st.subheader("最近被拒绝的行")
rejected = db.recent_rejections()
if rejected.empty:
    st.write("没有被拒绝的行。")
else:
    ui.table(rejected, "被拒绝的行", scoped=False, hide_index=True, width="stretch")
