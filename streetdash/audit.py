"""The audit trail: who signed in, downloaded, reported, queried, loaded or changed an account, when,
from where and over which scope.

An append-only SQLite file of its own (``$STREETDASH_AUDIT``, default ``~/.config/streetdash/audit.sqlite``,
mode 600), outside the warehouse: the SQL workspace's connections have no file access at all, and a load
replaces the warehouse whole. Nothing here updates or deletes an entry. Passwords never reach it: the
callers pass names, file names, SQL text and scopes only.

Plain Python: the app, the command line and the loader write to it through :func:`record`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from streetdash.access import ROLES
from streetdash.config import setting

# Action code -> what the audit page calls it.
ACTIONS = {
    "sign_in": "登录",
    "sign_in_failed": "登录失败",
    "locked": "账号锁定",
    "sign_out": "退出登录",
    "session_expired": "登录超时",
    "refused": "拒绝访问",
    "download": "下载",
    "report": "生成报告",
    "sql": "SQL 查询",
    "load": "导入台账",
    "account": "账号变更",
}
COLUMNS = {
    "at": "时间",
    "user": "用户",
    "role": "角色",
    "action": "操作",
    "scope": "范围",
    "detail": "内容",
    "client": "客户端地址",
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    user TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    scope TEXT NOT NULL,
    detail TEXT NOT NULL,
    client TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
"""


@dataclass(frozen=True)
class Actor:
    """Who acts: a user name, their role, the scope they act within (in words), and their address."""

    user: str
    role: str = ""
    scope: str = ""
    client: str = ""


@dataclass(frozen=True)
class Entry:
    at: str  # ISO local time, seconds
    user: str
    role: str
    action: str
    scope: str
    detail: str
    client: str

    @property
    def action_label(self) -> str:
        return ACTIONS.get(self.action, self.action)


def audit_path(path: str | os.PathLike | None = None) -> Path:
    return Path(path) if path else Path(setting("STREETDASH_AUDIT")).expanduser()


def _connect(path: Path) -> sqlite3.Connection:
    new = not path.exists()
    if new:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    con = sqlite3.connect(path, timeout=30)
    con.executescript(_SCHEMA)
    return con


def record(
    action: str,
    actor: Actor,
    detail: str = "",
    *,
    path: str | os.PathLike | None = None,
    at: dt.datetime | None = None,
) -> Entry:
    """Append one entry; ``action`` is a key of :data:`ACTIONS`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action: {action}")
    entry = Entry(
        (at or dt.datetime.now()).isoformat(timespec="seconds"),
        actor.user,
        actor.role,
        action,
        actor.scope,
        detail,
        actor.client,
    )
    with closing(_connect(audit_path(path))) as con, con:
        con.execute(
            "INSERT INTO audit (at, user, role, action, scope, detail, client) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry.at, entry.user, entry.role, entry.action, entry.scope, entry.detail, entry.client),
        )
    return entry


def entries(
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    *,
    user: str | None = None,
    actions: Sequence[str] = (),
    limit: int | None = None,
    path: str | os.PathLike | None = None,
) -> list[Entry]:
    """Entries from ``since`` (inclusive) to ``until`` (a date: to its end), newest first."""
    file = audit_path(path)
    if not file.exists():
        return []
    clauses, params = [], []
    if since is not None:
        clauses.append("at >= ?")
        params.append(since.isoformat() if isinstance(since, dt.datetime) else f"{since.isoformat()}T00:00:00")
    if until is not None:
        clauses.append("at <= ?")
        params.append(until.isoformat() if isinstance(until, dt.datetime) else f"{until.isoformat()}T23:59:59")
    if user:
        clauses.append("user = ?")
        params.append(user)
    if actions:
        clauses.append(f"action IN ({', '.join('?' for _ in actions)})")
        params.extend(actions)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    tail = " LIMIT ?" if limit else ""
    with closing(_connect(file)) as con:
        rows = con.execute(
            f"SELECT at, user, role, action, scope, detail, client FROM audit {where} ORDER BY id DESC{tail}",
            [*params, limit] if limit else params,
        ).fetchall()
    return [Entry(*row) for row in rows]


def users(path: str | os.PathLike | None = None) -> list[str]:
    """Every user name the trail holds, for the audit page's filter."""
    file = audit_path(path)
    if not file.exists():
        return []
    with closing(_connect(file)) as con:
        return [r[0] for r in con.execute("SELECT DISTINCT user FROM audit ORDER BY user").fetchall()]


def rows(found: Sequence[Entry]) -> list[list[str]]:
    """Entries as table rows in the order of :data:`COLUMNS`, actions and roles in Chinese."""
    return [
        [e.at.replace("T", " "), e.user, ROLES.get(e.role, e.role), e.action_label, e.scope, e.detail, e.client]
        for e in found
    ]


# As streetdash.export does for every CSV: a cell a spreadsheet would run as a formula gets a leading
# quote (SQL text and file names are typed by users). Not imported from there: export loads the charts.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def to_csv(found: Sequence[Entry]) -> str:
    """Entries as CSV with a Chinese header (``python -m etl audit``), formula-like text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS.values())
    for row in rows(found):
        writer.writerow(["'" + v if v.startswith(_FORMULA_PREFIXES) else v for v in row])
    return out.getvalue()
