"""Sign-in in the app (AppTest): no service without an administrator, the form, wrong passwords and the
lock (and its end), disabled accounts, expiring sessions, sign-out, pages refused by role, single sign-on
identities, and the demo mode. Each step is checked in the audit trail too."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from streetdash import audit
from streetdash.accounts import AccountStore
from streetdash.app import auth
from streetdash.app.auth import oidc_problem
from tests.signin import PASSWORD, USERS, ensure_account, sign_in

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def accounts(own_files) -> AccountStore:
    """An accounts file and audit trail of this test's own, with an administrator and a street secretary."""
    store = AccountStore()
    ensure_account("admin", store)
    ensure_account("street", store)
    return store


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(auth, "now", c)
    return c


def app(db: Path, monkeypatch, **query) -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    return at


def on_sign_in_page(at: AppTest) -> bool:
    return any(t.key == "sign_in_name" for t in at.text_input) and not at.metric


def actions() -> list[str]:
    return [e.action for e in reversed(audit.entries())]


def test_a_real_warehouse_without_an_administrator_serves_nothing(plain, tmp_path, monkeypatch):
    monkeypatch.setenv("STREETDASH_ACCOUNTS", str(tmp_path / "accounts.json"))
    at = app(plain, monkeypatch, street="崇文街道")
    assert "尚未创建管理员账号" in at.error[0].value
    assert at.code[0].value == "python -m etl user add 管理员 --role admin"
    assert not at.text_input and not at.metric and not at.dataframe


def test_sign_in_through_the_form_opens_the_asked_page_and_sign_out_ends_it(plain, accounts, monkeypatch):
    at = app(plain, monkeypatch, start="2022-01-01", end="2022-12-31")
    assert on_sign_in_page(at) and at.title[0].value == "街道治理数据驾驶舱"
    submit(at, USERS["street"][0], PASSWORD)
    assert not at.error
    assert at.caption[0].value.startswith("崇文街道全部社区 · 2022年")
    assert {m.label for m in at.metric} >= {"办结率", "调解成功率"}
    assert at.sidebar.selectbox[0].options == ["崇文街道"]  # the sidebar offers only the scope
    at.sidebar.button(key="sign_out").click().run()
    assert on_sign_in_page(at) and at.info[0].value == "已退出登录。"
    assert "filters" not in at.session_state  # nothing of the session is left behind
    assert actions() == ["sign_in", "sign_out"]


def test_wrong_passwords_lock_the_account_for_the_configured_time(plain, accounts, clock, monkeypatch):
    monkeypatch.setenv("STREETDASH_LOGIN_ATTEMPTS", "3")
    monkeypatch.setenv("STREETDASH_LOCKOUT_MINUTES", "10")
    name = USERS["street"][0]
    at = app(plain, monkeypatch)
    for _ in range(2):
        submit(at, name, "不对的密码-9999")
        assert at.error[0].value == "用户名或密码不正确。"
    submit(at, name, "不对的密码-9999")
    assert "账号已锁定" in at.error[0].value
    clock.t += 9 * 60
    submit(at, name, PASSWORD)  # the right password, still locked
    assert "账号已锁定" in at.error[0].value and on_sign_in_page(at)
    clock.t += 61
    submit(at, name, PASSWORD)
    assert not on_sign_in_page(at) and not at.error
    assert actions() == ["sign_in_failed"] * 3 + ["locked", "sign_in_failed", "sign_in"]
    failed = [e for e in audit.entries() if e.action == "sign_in_failed"]
    assert {e.user for e in failed} == {name} and failed[0].detail == "账号已锁定"


def test_an_unknown_name_is_told_what_a_wrong_password_is_told(plain, accounts, monkeypatch):
    at = submit(app(plain, monkeypatch), "没有这个人", PASSWORD)
    assert at.error[0].value == "用户名或密码不正确。"
    (entry,) = audit.entries()
    assert entry.user == "（不存在的用户名）" and entry.detail == "用户名不存在"  # what was typed is not kept


def test_a_disabled_account_cannot_sign_in_and_its_open_session_ends(plain, accounts, monkeypatch):
    name = USERS["street"][0]
    at = submit(app(plain, monkeypatch), name, PASSWORD)
    assert not on_sign_in_page(at)
    accounts.set_disabled(name, True)
    at.run()  # the next click
    assert on_sign_in_page(at) and "账号已停用" in at.info[0].value
    submit(at, name, PASSWORD)
    assert at.error[0].value == "账号已停用，请联系管理员。" and on_sign_in_page(at)


def test_a_session_ends_after_the_idle_time_and_after_the_longest_time(plain, accounts, clock, monkeypatch):
    monkeypatch.setenv("STREETDASH_SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("STREETDASH_SESSION_HOURS", "1")
    at = submit(app(plain, monkeypatch), USERS["street"][0], PASSWORD)
    clock.t += 29 * 60
    at.run()
    assert not on_sign_in_page(at)
    clock.t += 31 * 60
    at.run()
    assert on_sign_in_page(at) and at.info[0].value == "登录已超时，请重新登录。"
    at = submit(at, USERS["street"][0], PASSWORD)
    for _ in range(3):  # busy all along, but an hour is the longest a session lasts
        clock.t += 20 * 60 + 1
        at.run()
    assert on_sign_in_page(at)
    assert actions().count("session_expired") == 2


def test_pages_a_role_may_not_open_are_refused_even_by_url(plain, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(plain))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "street").run()
    at.switch_page("pages/audit.py").run()
    assert "无权查看此页" in at.error[0].value and not at.dataframe
    clerk = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "clerk").run()
    assert clerk.title[0].value == "数据导入情况"  # a clerk's first (and only) page
    clerk.switch_page("pages/overview.py").run()
    assert "无权查看此页" in clerk.error[0].value and not clerk.metric
    admin = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "admin").run()
    assert admin.title[0].value == "账号管理"
    admin.switch_page("pages/tasks.py").run()  # an administrator without a scope sees no residents' data
    assert "无权查看此页" in admin.error[0].value and not admin.metric
    refused = [e.detail for e in audit.entries(actions=["refused"])]
    assert refused[:3] == ["打开无权查看的页面 tasks", "打开无权查看的页面 overview", "打开无权查看的页面 audit"]


def test_a_single_sign_on_identity_takes_its_accounts_role_and_scope(plain, accounts, monkeypatch):
    monkeypatch.setenv("STREETDASH_AUTH", "oidc")
    monkeypatch.setenv("WAREHOUSE_DB", str(plain))
    accounts.add("崇北书记", "community", "崇文街道/崇北社区", None, email="chongbei@example.gov.cn")
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.user = {"is_logged_in": True, "email": "ChongBei@example.gov.cn", "name": "崇北书记"}
    at.query_params.update(start="2022-01-01", end="2022-12-31")
    at.run()
    assert not at.exception and at.caption[0].value.startswith("崇北社区 · 2022年")
    stranger = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    stranger.user = {"is_logged_in": True, "email": "someone@example.com"}
    stranger.run()
    assert f"您的身份（{auth.literal('someone@example.com')}）没有驾驶舱账号" in stranger.error[0].value
    assert not stranger.metric
    logged_out = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    logged_out.user = {"is_logged_in": False}
    logged_out.run()
    assert not logged_out.text_input  # no password form
    if oidc_problem() is None:
        assert [b.label for b in logged_out.button] == ["统一身份认证登录"]
    else:  # no Authlib or no [auth] here: said in a sentence that names nothing of the server
        assert logged_out.error[0].value == "统一身份认证尚未配置完成，暂时无法登录，请联系管理员。"
    assert [e.action for e in reversed(audit.entries())] == ["sign_in", "refused"]


def test_the_demo_warehouse_opens_in_demo_mode_as_the_chongwen_secretary(demo, monkeypatch):
    at = app(demo[0], monkeypatch, start="2022-01-01", end="2022-12-31")
    assert at.warning[0].value.startswith("**演示模式**")
    assert at.caption[0].value.startswith("崇文街道全部社区 · 2022年")
    assert at.sidebar.selectbox[0].options == ["崇文街道"]
    assert not at.sidebar.button  # nothing to sign out of
    at.switch_page("pages/tasks.py").run()
    assert at.warning[0].value.startswith("**演示模式**")  # on every page
    other = app(demo[0], monkeypatch, street="许庄街道", start="2022-01-01", end="2022-12-31")
    assert f"{auth.literal('许庄街道')}不在您的数据范围" in other.warning[1].value
    assert other.caption[0].value.startswith("崇文街道全部社区")


def test_the_administrator_lists_and_disables_accounts_and_reads_the_trail(plain, accounts, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_DB", str(plain))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90), "admin").run()
    listed = at.dataframe[0].value.set_index("用户名")
    assert listed.loc["崇文街道书记", "数据范围"] == "崇文街道" and listed.loc["管理员", "状态"] == "正常"
    assert not [c for c in listed.columns if "密码" in c]
    name = USERS["street"][0]
    at.selectbox(key="accounts_pick").set_value(name).run()
    at.button(key="accounts_disable").click().run()
    assert accounts.get(name).disabled and at.success[0].value == f"已停用：{auth.literal(name)}"
    at.switch_page("pages/audit.py").run()
    trail = at.dataframe[0].value
    assert trail.iloc[0]["内容"] == f"停用：{name}" and trail.iloc[0]["用户"] == "管理员"
    at.multiselect(key="audit_actions").set_value(["account"]).run()
    assert set(at.dataframe[0].value["操作"]) == {"账号变更"}
    assert {"下载 Excel", "下载 CSV"} <= {b.label for b in at.get("download_button")}
