"""Saved queries of the SQL workspace: a name and a statement, kept in a small SQLite file of their own.

Not in the warehouse: the app only ever reads the warehouse, and a load replaces it whole. The file
is ``$STREETDASH_SAVED_QUERIES`` (default ``data/local/saved_queries.sqlite``, not in the repository);
it is created on the first save, so listing never creates anything.

A saved query belongs to the account that saved it: every function takes the ``owner`` (the signed-in
user's name) and lists, replaces or deletes only that owner's queries, so two users may each keep a
query of the same name and neither sees the other's. Queries saved before accounts existed (the old
table without owners) belong to no one and are not shown.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from streetdash.config import setting

MAX_NAME = 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS owned_queries (
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    sql TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    PRIMARY KEY (owner, name)
)
"""


@dataclass(frozen=True)
class SavedQuery:
    name: str
    sql: str
    saved_at: str  # ISO time of the last save
    owner: str = ""


def store_path(path: str | os.PathLike | None = None) -> Path:
    """The store file: ``path`` if given, else the ``STREETDASH_SAVED_QUERIES`` setting."""
    return Path(path) if path else Path(setting("STREETDASH_SAVED_QUERIES"))


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=10)
    con.execute(_SCHEMA)
    return con


def _owner(owner: str) -> str:
    if not owner:
        raise ValueError("保存的查询属于登录的账号：没有账号时不能保存或读取。")
    return owner


def list_queries(*, owner: str, path: str | os.PathLike | None = None) -> list[SavedQuery]:
    """``owner``'s saved queries, the most recently saved first; none if nothing was ever saved."""
    file = store_path(path)
    if not file.exists():
        return []
    with closing(_connect(file)) as con:
        rows = con.execute(
            "SELECT name, sql, saved_at, owner FROM owned_queries WHERE owner = ? ORDER BY saved_at DESC, name",
            (_owner(owner),),
        ).fetchall()
    return [SavedQuery(*row) for row in rows]


def save_query(name: str, sql: str, *, owner: str, path: str | os.PathLike | None = None) -> SavedQuery:
    """Save ``sql`` under ``name`` for ``owner``, replacing that owner's query of the same name.

    Raises ``ValueError`` with a Chinese sentence when the name or the statement is empty or the name
    is too long.
    """
    name, sql = name.strip(), sql.strip()
    if not name:
        raise ValueError("请给查询起一个名称。")
    if len(name) > MAX_NAME:
        raise ValueError(f"名称太长（{len(name)} 字），请不超过 {MAX_NAME} 字。")
    if not sql:
        raise ValueError("没有可保存的语句。")
    file = store_path(path)
    file.parent.mkdir(parents=True, exist_ok=True)
    saved = SavedQuery(name, sql, dt.datetime.now().isoformat(timespec="seconds"), _owner(owner))
    with closing(_connect(file)) as con, con:
        con.execute(
            "INSERT INTO owned_queries (owner, name, sql, saved_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (owner, name) DO UPDATE SET sql = excluded.sql, saved_at = excluded.saved_at",
            (saved.owner, saved.name, saved.sql, saved.saved_at),
        )
    return saved


def delete_query(name: str, *, owner: str, path: str | os.PathLike | None = None) -> bool:
    """Delete ``owner``'s query ``name``; whether there was one (another owner's never is)."""
    file = store_path(path)
    if not file.exists():
        return False
    with closing(_connect(file)) as con, con:
        return con.execute("DELETE FROM owned_queries WHERE owner = ? AND name = ?", (_owner(owner), name)).rowcount > 0
