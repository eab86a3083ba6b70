import datetime as dt

import pandas as pd
import streamlit as st

from streetdash import audit
from streetdash.app import auth, ui

auth.page_guard("audit")
st.title("审计日志")
st.caption(
    "登录、登录失败、锁定、退出、下载与导出、生成报告、SQL 查询、导入台账和账号变更，"
    "每条记下用户、时间和客户端地址。也可在服务器上运行 python -m etl audit --since 日期 导出为 CSV。"
)
today = dt.date.today()
left, middle, right = st.columns([2, 1, 2])
picked = left.date_input(
    "起止日期", value=(today - dt.timedelta(days=30), today), key="audit_range", format="YYYY-MM-DD"
)
since, until = picked if isinstance(picked, tuple) and len(picked) == 2 else (today - dt.timedelta(days=30), today)
everyone = "（全部用户）"
who = middle.selectbox("用户", [everyone, *audit.users()], key="audit_user")
actions = right.multiselect(
    "操作", list(audit.ACTIONS), format_func=audit.ACTIONS.get, key="audit_actions", placeholder="全部操作"
)
LIMIT = 10_000
found = audit.entries(since, until, user=None if who == everyone else who, actions=actions, limit=LIMIT)
st.caption(f"共 {len(found):,} 条" + (f"（只显示最新的 {LIMIT:,} 条，请缩小范围）" if len(found) >= LIMIT else ""))
if not found:
    st.info("所选范围内没有审计记录。")
else:
    frame = pd.DataFrame(audit.rows(found), columns=list(audit.COLUMNS.values()))
    ui.table(frame, "审计日志", scoped=False, hide_index=True, width="stretch")
