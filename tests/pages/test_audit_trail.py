"""One working session, end to end: every kind of action leaves its entry in the audit trail (with user,
time and address), and the passwords typed along the way are nowhere in plain text: not in the accounts
file, the audit trail, the log or the command line's output."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from PIL import Image
from streamlit.testing.v1 import AppTest

from streetdash import audit, export
from tests.ledgers import write_base
from tests.pages.test_downloads import downloads  # noqa: F401 - fixture
from tests.signin import etl_cli

ROOT = Path(__file__).resolve().parents[2]
ADMIN_PASSWORD = "管理员的密码-AbC123"
USER_PASSWORD = "崇北书记的密码-XyZ789"
WRONG_PASSWORD = "猜错的密码-000111"


def submit(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception, at.exception
    return at


def test_every_action_is_audited_and_no_password_is_kept(
    plain,
    own_files,
    tmp_path,
    monkeypatch,
    capsys,
    caplog,
    downloads,  # noqa: F811
):
    accounts, trail = own_files.accounts, own_files.audit
    monkeypatch.setenv("STREETDASH_LOGIN_ATTEMPTS", "2")
    monkeypatch.setenv("WAREHOUSE_DB", str(plain))
    tiny = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(tiny, format="PNG")
    monkeypatch.setattr(export, "figure_png", lambda *a, **k: tiny.getvalue())
    caplog.set_level(logging.DEBUG)

    # The command line: accounts and a load.
    assert etl_cli(monkeypatch, "user", "add", "管理员", "--role", "admin", stdin=ADMIN_PASSWORD) == 0
    assert (
        etl_cli(
            monkeypatch,
            "user",
            "add",
            "崇北书记",
            "--role",
            "community",
            "--scope",
            "崇文街道/崇北社区",
            stdin=USER_PASSWORD,
        )
        == 0
    )
    write_base(tmp_path / "ledgers")
    assert (
        etl_cli(monkeypatch, "load", str(tmp_path / "ledgers"), "--db", str(tmp_path / "small.duckdb"), "--quiet") == 0
    )

    # The app: a lock-out, a sign-in, a download, a report, a query, a sign-out.
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90)
    at.query_params.update(street="崇文街道", start="2022-12-01", end="2022-12-31")
    at.run()
    for _ in range(2):
        submit(at, "管理员", WRONG_PASSWORD)
    assert "账号已锁定" in at.error[0].value
    submit(at, "崇北书记", USER_PASSWORD)
    at.switch_page("pages/tasks.py").run()
    downloads["超期未办结任务_崇北社区_2022年12月.xlsx"]()
    at.switch_page("pages/report.py").run()
    at.button(key="report_make").click().run()
    assert not at.error, at.error
    at.switch_page("pages/explore.py").run()
    at.text_area(key="x_sql").input("SELECT count(*) FROM tasks")
    at.button(key="x_run").click().run()
    at.sidebar.button(key="sign_out").click().run()
    assert not at.exception, at.exception

    entries = list(reversed(audit.entries()))
    assert [e.action for e in entries] == [
        "account",
        "account",
        "load",
        "sign_in_failed",
        "sign_in_failed",
        "locked",
        "sign_in",
        "download",
        "report",
        "sql",
        "sign_out",
    ]
    by_action = {e.action: e for e in entries}
    assert by_action["download"].detail == "超期未办结任务_崇北社区_2022年12月.xlsx"
    assert by_action["download"].user == "崇北书记" and by_action["download"].scope == "崇文街道：崇北社区"
    assert by_action["report"].detail.startswith("崇北社区_2022年12月_工作月报.docx")
    assert by_action["sql"].detail.startswith("SELECT count(*) FROM tasks\n-- 1 行")  # on the scope's own rows
    assert by_action["locked"].user == "管理员" and by_action["sign_in"].client == "本机"
    assert all(e.at and e.user for e in entries)

    out = capsys.readouterr()
    kept = {
        "accounts file": accounts.read_bytes(),
        "audit trail": trail.read_bytes(),
        "log": caplog.text.encode(),
        "output": (out.out + out.err).encode(),
    }
    for password in (ADMIN_PASSWORD, USER_PASSWORD, WRONG_PASSWORD):
        for where, content in kept.items():
            assert password.encode() not in content, (password, where)
    assert b"$argon2id$" in kept["accounts file"]
