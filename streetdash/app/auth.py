"""Sign-in in front of every page: the session, the current user, the sign-in form, sign-out, the demo
mode, and the audit entries the app writes.

How a run finds its user (:func:`current_user`, called by ``dashboard.py`` before any page):

1. a session in ``st.session_state`` (kept on the server, never sent to the browser), checked on every
   run against the accounts file (a disabled or deleted account ends it at the next click) and against
   the idle and absolute time limits;
2. else, on the bundled demo warehouse (``warehouse_info.demo``), the demo street secretary without a
   password;
3. else, with ``STREETDASH_AUTH=oidc``, the identity Streamlit's ``st.login`` put in ``st.user``, looked
   up by e-mail (or name) in the same accounts file; an unknown identity is refused;
4. else no one: ``dashboard.py`` shows :func:`sign_in_page` instead of the navigation.

The user's :class:`~streetdash.access.Scope` is what ``streetdash.app.data`` and ``explore_data`` cut
every query to (:func:`data_scope`); a download made later in Streamlit's download thread runs with the
scope of the user who was shown the button (:func:`audited`).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import duckdb
import streamlit as st

from streetdash import access, audit, db, queries
from streetdash.accounts import AccountStore
from streetdash.config import setting, setting_number
from streetdash.text import markdown

log = logging.getLogger("streetdash.app")

SESSION_KEY = "auth_session"  # the Session of this browser tab
USER_KEY = "auth_user"  # this run's User, for the pages' guard
NOTICE_KEY = "auth_notice"  # a sentence for the next sign-in page (why the session ended)
REFUSED_KEY = "auth_refused"  # a single sign-on identity without an account
FAILED_KEY = "auth_failed"  # why the last sign-in failed, for the form
DEMO_USER = "演示用户"
DEMO_STREET = "崇文街道"
ADMIN_HINT = "python -m etl user add 管理员 --role admin"

# The clock sessions are timed by; tests replace it to move time on.
now: Callable[[], float] = time.time


@dataclass
class Session:
    """A signed-in browser tab: who, how (``local``, ``oidc`` or ``demo``), since when, last seen when."""

    name: str
    source: str
    started: float
    last_seen: float


@dataclass(frozen=True)
class User:
    """Who this run serves: the account's name, role and data scope."""

    name: str
    role: str
    scope: access.Scope
    source: str = "local"

    @property
    def role_label(self) -> str:
        """The role's short name: 区级, 街道, 社区, 内勤, 管理员."""
        return access.ROLES.get(self.role, self.role).split("（")[0]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def demo(self) -> bool:
        return self.source == "demo"

    def may_open(self, page: str) -> bool:
        return access.may_open(self.role, self.scope, page)

    @property
    def views_data(self) -> bool:
        return any(self.may_open(p) for p in access.VIEW_PAGES)


def store() -> AccountStore:
    """The accounts file, on this module's clock (so a test moving :data:`now` on also ends locks)."""
    return AccountStore(clock=lambda: now())


def literal(text: str) -> str:
    """``text`` (from a link, a sign-in form or an identity provider) as inline code for Streamlit's
    Markdown: shown as typed, so a forged ``?community=[…](https://…)`` is neither a link nor formatting.
    (Backslash escapes are not enough: the renderer still turns a bare https://… or www.… into a link.)"""
    return "`" + " ".join(str(text).replace("`", "'").split()) + "`"


# Where a request comes from ------------------------------------------------------------------------


def client_address() -> str:
    """The browser's address as the server sees it, and the proxy's ``X-Forwarded-For`` if one sent it
    (for the audit trail; both can be forged by a client, so nothing is decided by them)."""
    try:
        ip = st.context.ip_address
        forwarded = st.context.headers.get("X-Forwarded-For")
    except Exception:  # no browser connection (a download thread)
        ip, forwarded = None, None
    # Without a browser (AppTest) Streamlit answers with placeholders that are no text.
    ip = ip if isinstance(ip, str) and ip else "本机"
    forwarded = forwarded if isinstance(forwarded, str) else None
    return f"{forwarded}（经 {ip}）" if forwarded else ip


def actor(user: User | None = None) -> audit.Actor:
    user = user if user is not None else st.session_state.get(USER_KEY)
    if user is None:
        return audit.Actor("（未登录）", "", "", client_address())
    return audit.Actor(user.name, user.role, user.scope.describe(), client_address())


def record(action: str, detail: str = "", user: User | None = None, who: audit.Actor | None = None) -> None:
    """An audit entry by the current (or given) user, from this browser's address."""
    audit.record(action, who or actor(user), detail)


# Demo mode -----------------------------------------------------------------------------------------


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _is_demo(version: str) -> bool:
    return db.is_demo()


@st.cache_data(ttl=3600, max_entries=8, show_spinner=False)
def _demo_street(version: str) -> str:
    with db.connect_readonly() as con:
        streets = queries.scope_options(con)
    return DEMO_STREET if DEMO_STREET in streets or not streets else next(iter(streets))


def demo_mode() -> bool:
    """Whether the warehouse is the bundled demo (a load of real ledgers clears the mark). A warehouse
    that cannot be read is no demo: the pages then say what failed, after sign-in."""
    try:
        return _is_demo(db.warehouse_version())
    except duckdb.Error:
        log.warning("warehouse_info unreadable; not in demo mode", exc_info=True)
        return False


def demo_user() -> User:
    """The demo's street secretary (崇文街道, the demo's largest street)."""
    return User(DEMO_USER, "street", access.Scope((_demo_street(db.warehouse_version()),), None), "demo")


# The session ---------------------------------------------------------------------------------------


def _expired(session: Session, at: float) -> bool:
    idle = setting_number("STREETDASH_SESSION_IDLE_MINUTES") * 60
    longest = setting_number("STREETDASH_SESSION_HOURS") * 3600
    return at - session.last_seen > idle or at - session.started > longest


def _end(notice: str | None = None) -> None:
    """Forget the session and everything the tab kept (filters, reports, query results)."""
    for key in list(st.session_state):
        del st.session_state[key]
    if notice:
        st.session_state[NOTICE_KEY] = notice


def _start(account_name: str, source: str, user: User) -> None:
    at = now()
    st.session_state[SESSION_KEY] = Session(account_name, source, at, at)
    record("sign_in", {"local": "密码登录", "oidc": "统一身份认证登录", "demo": "演示模式"}[source], user)


def _from_account(name: str, source: str) -> User | None:
    account = store().get(name)
    if account is None or account.disabled:
        return None
    return User(account.name, account.role, account.scope, source)


def current_user() -> User | None:
    """The user this run serves, or None (then the sign-in page is shown); see the module's docstring."""
    state = st.session_state
    session: Session | None = state.get(SESSION_KEY)
    user = None
    if session is not None:
        if session.source == "demo":
            user = demo_user() if demo_mode() else None
            if user is None:
                _end("数仓已不是演示数仓，请登录。")
        else:
            user = _from_account(session.name, session.source)
            if user is None:
                record("refused", "账号已停用或已删除，会话结束", User(session.name, "", access.Scope.nothing()))
                _end("账号已停用，请联系管理员。")
            elif _expired(session, now()):
                record("session_expired", "长时间未操作或登录时间过长", user)
                _end("登录已超时，请重新登录。")
                if session.source == "oidc":
                    st.logout()
                user = None
            else:
                session.last_seen = now()
    if user is None and SESSION_KEY not in state:
        if demo_mode():
            user = demo_user()
            _start(user.name, "demo", user)
        elif setting("STREETDASH_AUTH") == "oidc":
            user = _oidc_user()
    if user is None:
        state.pop(USER_KEY, None)
    else:
        state[USER_KEY] = user
    return user


def _oidc_identity() -> str | None:
    info = st.user.to_dict()
    if not info.get("is_logged_in"):
        return None
    return str(info.get("email") or info.get("preferred_username") or info.get("name") or "") or None


def _oidc_user() -> User | None:
    identity = _oidc_identity()
    if identity is None:
        return None
    account = store().find_identity(identity)
    if account is None or account.disabled:
        if st.session_state.get(REFUSED_KEY) != identity:
            record(
                "refused", f"统一身份认证的身份 {identity} 没有可用的账号", User(identity, "", access.Scope.nothing())
            )
        st.session_state[REFUSED_KEY] = identity
        return None
    user = User(account.name, account.role, account.scope, "oidc")
    store().record_sign_in(account.name)
    _start(account.name, "oidc", user)
    return user


# What the pages see --------------------------------------------------------------------------------

_acting: contextvars.ContextVar[tuple[access.Scope, audit.Actor] | None] = contextvars.ContextVar(
    "streetdash_acting", default=None
)


def signed_in() -> User | None:
    """This run's user (set by :func:`current_user`)."""
    return st.session_state.get(USER_KEY)


def data_scope() -> access.Scope:
    """The scope every query is cut to: the user's; in a download being made, the scope of the user it
    was offered to; with no user, nothing."""
    acting = _acting.get()
    if acting is not None:
        return acting[0]
    user = signed_in()
    return user.scope if user is not None else access.Scope.nothing()


@contextlib.contextmanager
def acting_as(scope: access.Scope, who: audit.Actor | None = None) -> Iterator[None]:
    """Read with ``scope`` outside a page's run (a download being made, a script using the app's
    readers): :func:`data_scope` answers it within the block."""
    token = _acting.set((scope, who or audit.Actor("（后台）")))
    try:
        yield
    finally:
        _acting.reset(token)


def audited(
    make: Callable[[], bytes], what: str, who: audit.Actor | None = None, scope: access.Scope | None = None
) -> Callable[[], bytes]:
    """``make`` as a download's file maker that runs with this user's scope and writes an audit entry
    (what was downloaded) when the file is made. Who, where from and the scope are taken now, in the
    page's run (or given, for a row of buttons): Streamlit calls the maker later, in its download
    thread, where there is no session."""
    who, scope = who or actor(), scope or data_scope()

    def made() -> bytes:
        with acting_as(scope, who):
            data = make()
        audit.record("download", who, what)
        return data

    return made


def page_guard(page: str) -> User:
    """The first line of every page: run through ``dashboard.py`` (which signs in), and refuse a page
    this user's role may not open (one opened by typing its URL) in Chinese."""
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory or USER_KEY not in st.session_state:
        # A page's file run on its own (a fresh server opened at a page's URL): run the entry instead.
        PagesManager.uses_pages_directory = False
        st.rerun()
    user = st.session_state[USER_KEY]
    if not user.may_open(page):
        record("refused", f"打开无权查看的页面 {page}", user)
        st.error(f"您的账号（{user.role_label}账号）无权查看此页。请从左侧导航中选择页面，或联系管理员调整权限。")
        st.stop()
    return user


# Drawing -------------------------------------------------------------------------------------------


def sign_in_page() -> None:
    """What a tab without a user sees instead of the navigation."""
    st.title("街道治理数据驾驶舱")
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.info(notice, icon=":material/info:")
    if not store().has_admin():
        st.error("尚未创建管理员账号，驾驶舱暂不提供服务。", icon=":material/lock:")
        st.markdown("请系统管理员在服务器上创建第一个管理员账号（按提示输入两次密码），然后刷新本页：")
        st.code(ADMIN_HINT, language="bash")
        return
    if setting("STREETDASH_AUTH") == "oidc":
        _oidc_sign_in()
        return
    failed = st.session_state.pop(FAILED_KEY, None)
    left, _ = st.columns([2, 3])
    with left, st.form("sign_in", clear_on_submit=True):
        st.subheader("登录")
        st.text_input("用户名", key="sign_in_name", autocomplete="username")
        st.text_input("密码", type="password", key="sign_in_password", autocomplete="current-password")
        # In a callback, not on the button's value: the click survives a rerun that happens before the
        # form is drawn (a page's URL opened on a fresh server), and the password never reaches the page.
        st.form_submit_button("登录", type="primary", icon=":material/login:", on_click=_submitted)
        if failed:
            st.error(failed, icon=":material/error:")


def _submitted() -> None:
    state = st.session_state
    name, password = state.get("sign_in_name", ""), state.get("sign_in_password", "")
    state["sign_in_password"] = ""  # not kept in the session a moment longer than needed
    _sign_in(name, password)


def _sign_in(name: str, password: str) -> None:
    accounts = store()
    result = accounts.authenticate(name, password)
    if result.ok:
        account = result.account
        _start(account.name, "local", User(account.name, account.role, account.scope))
        return
    # A name with no account is not written down: it may be a password typed in the wrong box.
    who = (
        User(result.account.name, result.account.role, result.account.scope)
        if result.account
        else User("（不存在的用户名）", "", access.Scope.nothing())
    )
    reason = {"wrong": "密码错误", "unknown": "用户名不存在", "locked": "账号已锁定", "disabled": "账号已停用"}
    record("sign_in_failed", reason.get(result.reason, "不能用密码登录"), who)
    if result.locked_now:
        record("locked", f"连续 {accounts.max_failures} 次密码错误，锁定 {accounts.lockout_seconds / 60:g} 分钟", who)
    st.session_state[FAILED_KEY] = result.message(accounts.lockout_seconds / 60)


def _oidc_sign_in() -> None:
    refused = st.session_state.get(REFUSED_KEY)
    if refused:
        st.error(
            f"您的身份（{literal(refused)}）没有驾驶舱账号，或账号已停用，不能查看数据。"
            "请联系管理员为您的邮箱创建账号（python -m etl user add 姓名 --role 角色 --scope 范围 --email 邮箱）。",
            icon=":material/block:",
        )
        if st.button("退出并换一个身份", key="oidc_refused_logout"):
            st.session_state.pop(REFUSED_KEY, None)
            st.logout()
        return
    st.subheader("登录")
    problem = oidc_problem()
    if problem:
        # The server's configuration is for the administrator's log, not for the sign-in page.
        log.error("single sign-on is not usable: %s", problem)
        st.error("统一身份认证尚未配置完成，暂时无法登录，请联系管理员。", icon=":material/error:")
        return
    st.write("使用单位的统一身份认证登录。")
    if st.button("统一身份认证登录", type="primary", icon=":material/login:", key="oidc_login"):
        st.login(setting("STREETDASH_OIDC_PROVIDER") or None)


def oidc_problem() -> str | None:
    """Why ``st.login`` could not work here (no Authlib, no ``[auth]`` in secrets.toml), or None."""
    from streamlit.auth_util import is_authlib_installed

    if not is_authlib_installed():
        return "Authlib>=1.3.2 is not installed (pip install 'Authlib>=1.3.2')"
    try:
        configured = "auth" in st.secrets
    except Exception:  # no secrets.toml at all
        configured = False
    return None if configured else "no [auth] section in .streamlit/secrets.toml"


def sign_out() -> None:
    """The sidebar's 退出登录 (a button callback)."""
    user = signed_in()
    session: Session | None = st.session_state.get(SESSION_KEY)
    if user is not None:
        record("sign_out", "", user)
    _end("已退出登录。")
    if session is not None and session.source == "oidc":
        st.logout()


def account_box(user: User) -> None:
    """Who is signed in, in the sidebar, with 退出登录."""
    with st.sidebar:
        if user.demo:
            st.caption(f"演示模式：以{markdown(user.scope.describe())}书记的身份查看，无需登录。")
            return
        st.caption(f"{markdown(user.name)} · {user.role_label} · {markdown(user.scope.describe())}")
        st.button("退出登录", key="sign_out", on_click=sign_out, icon=":material/logout:", type="tertiary")


def demo_banner() -> None:
    """The banner every page shows on the demo warehouse."""
    st.warning(
        "**演示模式** · 这是自带的演示数据，已以崇文街道书记的身份自动登录，无需密码。"
        "导入真实台账后演示模式即结束，需要先创建管理员账号并登录。",
        icon=":material/science:",
    )
