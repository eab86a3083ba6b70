"""Signing in for tests: the accounts of the test run (in its own accounts file), and one helper that
puts a signed-in session into an ``AppTest`` before it runs, as the sign-in form leaves it."""

from __future__ import annotations

import io
import sys

import pytest
from streamlit.testing.v1 import AppTest

from etl.__main__ import main as etl_main
from streetdash.accounts import AccountStore
from streetdash.app import auth

PASSWORD = "测试用的密码-2024"
# kind -> (name, role, scope)
USERS = {
    "district": ("区级测试员", "district", "全部"),
    "street": ("崇文街道书记", "street", "崇文街道"),
    "xuzhuang": ("许庄街道书记", "street", "许庄街道"),
    "community": ("崇北社区书记", "community", "崇文街道/崇北社区"),
    "clerk": ("崇文内勤", "clerk", "崇文街道"),
    "community_clerk": ("崇北内勤", "clerk", "崇文街道/崇北社区"),
    "admin": ("管理员", "admin", ""),
}


def ensure_account(kind: str, store: AccountStore | None = None) -> str:
    """The account of ``kind`` in the current accounts file (``$STREETDASH_ACCOUNTS``), made if missing."""
    store = store or AccountStore()
    name, role, scope = USERS[kind]
    if store.get(name) is None:
        store.add(name, role, scope, PASSWORD)
    return name


def sign_in(at: AppTest, kind: str = "district") -> AppTest:
    """``at`` with a session of the ``kind`` user, before its first run (the accounts file gets an
    administrator too, without whom the app serves nothing)."""
    ensure_account("admin")
    name = ensure_account(kind)
    started = auth.now()
    at.session_state[auth.SESSION_KEY] = auth.Session(name, "local", started, started)
    return at


def etl_cli(monkeypatch: pytest.MonkeyPatch, *argv: str, stdin: str = "") -> int:
    """``python -m etl ARGV`` in this process, its standard input not a terminal: a password is read from
    ``stdin`` as a scripted set-up gives it."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return etl_main(list(argv))
