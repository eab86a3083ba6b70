import pandas as pd
import streamlit as st

from streetdash import access
from streetdash.app import auth, ui

user = auth.page_guard("accounts")
st.title("账号管理")
st.caption(
    "命令行是管理账号的主要工具（python -m etl user add|list|disable|enable|reset）；"
    "这里可以查看账号，新建账号，停用、启用、解锁账号和重设密码。每次变更都记入审计日志。"
)
accounts = auth.store()


def change(action: str, name: str, do) -> None:
    """Run an account change from a button; the outcome is shown after the rerun."""
    try:
        do()
    except (KeyError, ValueError) as error:
        st.session_state.accounts_message = ("error", str(error).strip("'\""))
    else:
        auth.record("account", f"{action}：{name}")
        st.session_state.accounts_message = ("success", f"已{action}：{auth.literal(name)}")


message = st.session_state.pop("accounts_message", None)
if message:
    (st.success if message[0] == "success" else st.error)(message[1])

now = auth.now()
listed = accounts.accounts()
frame = pd.DataFrame(
    [
        (a.name, a.role_label, a.scope.describe(), a.email or "—", a.status(now), a.failed, a.last_sign_in or "—")
        for a in listed
    ],
    columns=["用户名", "角色", "数据范围", "邮箱", "状态", "连续输错次数", "最近登录"],
)
ui.table(frame, "账号", scoped=False, hide_index=True, width="stretch")

if listed:
    st.subheader("停用、启用、解锁或重设密码")
    names = [a.name for a in listed]
    name = st.selectbox("账号", names, key="accounts_pick")
    chosen = accounts.get(name)
    with st.container(horizontal=True):
        if chosen.disabled:
            st.button(
                "启用",
                key="accounts_enable",
                on_click=change,
                args=("启用", name, lambda: accounts.set_disabled(name, False)),
            )
        else:
            st.button(
                "停用",
                key="accounts_disable",
                on_click=change,
                args=("停用", name, lambda: accounts.set_disabled(name, True)),
            )
        st.button(
            "解锁",
            key="accounts_unlock",
            disabled=not chosen.locked(now) and not chosen.failed,
            on_click=change,
            args=("解锁", name, lambda: accounts.unlock(name)),
        )
    with st.form("accounts_reset", clear_on_submit=True):
        first = st.text_input("新密码", type="password", key="accounts_password", autocomplete="new-password")
        again = st.text_input("再输一次", type="password", key="accounts_password_again", autocomplete="new-password")
        if st.form_submit_button(f"重设「{name}」的密码"):
            if first != again:
                st.error("两次输入的密码不一致。")
            else:
                change("重设密码", name, lambda: accounts.set_password(name, first))
                st.rerun()

st.subheader("新建账号")
with st.form("accounts_add", clear_on_submit=True):
    left, right = st.columns(2)
    new_name = left.text_input("用户名", key="accounts_new_name")
    role = right.selectbox(
        "角色", list(access.ROLES), format_func=lambda r: f"{access.ROLES[r]}（{r}）", key="accounts_new_role"
    )
    scope_text = left.text_input(
        "数据范围",
        key="accounts_new_scope",
        placeholder="崇文街道 · 崇文街道/崇北社区,永安社区 · 崇文街道,许庄街道 · 全部",
    )
    email = right.text_input("邮箱（统一身份认证用，可不填）", key="accounts_new_email")
    first = left.text_input(
        "密码",
        type="password",
        key="accounts_new_password",
        autocomplete="new-password",
        help="至少 8 位；留空则只能用统一身份认证登录",
    )
    again = right.text_input(
        "再输一次", type="password", key="accounts_new_password_again", autocomplete="new-password"
    )
    if st.form_submit_button("新建账号", type="primary"):
        if first != again:
            st.error("两次输入的密码不一致。")
        else:
            change(
                "新建账号",
                new_name.strip(),
                lambda: accounts.add(new_name, role, scope_text, first or None, email),
            )
            st.rerun()
