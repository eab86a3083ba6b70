import streamlit as st

from streetdash import db
from streetdash.app import auth, data, ui

user = auth.page_guard("data_status")
st.title("数据导入情况")
status = db.warehouse_status()
if not status.exists:
    st.warning(f"尚未建立数仓：{status.path}" if user.is_admin else "尚未建立数仓。")
    st.stop()
if user.is_admin:  # the server's paths are for administrators only
    st.caption(f"数仓文件：{status.path}")
# A scoped user sees the files of their scope: those whose every loaded row is of their communities.
own = data.community_ids()
if own is not None:
    st.caption(f"只列出全部记录都属于您的数据范围（{ui.md(user.scope.describe())}）的台账文件。")
st.subheader("最近的导入批次")
history = db.load_history(community_ids=own)
if history.empty:
    st.write("还没有导入过台账。")
else:
    ui.table(history, "导入批次", scoped=False, hide_index=True, width="stretch")
st.subheader("最近被拒绝的行")
rejected = db.recent_rejections(community_ids=own)
if rejected.empty:
    st.write("没有被拒绝的行。")
else:
    ui.table(rejected, "被拒绝的行", scoped=False, hide_index=True, width="stretch")
