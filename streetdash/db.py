"""Reading the warehouse: read-only connections shared per warehouse version, and the version that keys caches.

The ETL publishes a new warehouse by renaming a finished copy over the live file (see
``etl/warehouse.py``), so a reader never sees half a batch and never blocks a load.

Opening a warehouse costs more than most queries on it (the catalogue, the macros' first planning:
about 0.5 s for the first metric query of a fresh connection), so the app process keeps one
database per warehouse version and hands out a cursor of it per use (:func:`connect_readonly`). The
version is pinned by inode: the file is opened once, and DuckDB attaches it through
``/proc/self/fd/N``, so a rename over the live path between the check and the attach can never mix
two versions, and the next version attaches beside the old one (DuckDB refuses the same path twice in
one process) while cursors still reading the old one finish. A few old versions stay open, then close.

Every connection the app process opens to the warehouse uses :data:`CONNECTION_CONFIG`: DuckDB keeps
one database instance per file in a process and refuses a second connection to the same file with a
different configuration, so a page, the 数据探索 browser and a report must never disagree on it. The
SQL typed into the workspace runs elsewhere, in a child process with its own limits
(``streetdash.sqlworker``), whose configuration starts from the same dictionary.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from streetdash.config import int_setting, warehouse_path

# Read-only, and nothing a statement could use to reach outside the warehouse: no file, network or
# extension access, no Python variable as a table, and the settings locked so none of it can be SET back.
CONNECTION_CONFIG: dict[str, object] = {
    "enable_external_access": False,
    "python_enable_replacements": False,
    "lock_configuration": True,
}


def connection_config(**limits: object) -> dict[str, object]:
    """:data:`CONNECTION_CONFIG` with ``limits`` (memory_limit, threads …) added; for a process of its own
    only, since a second configuration of the same file in one process is refused."""
    return {**CONNECTION_CONFIG, **limits}


# The alias the shared database attaches the warehouse under (current_database() of every cursor).
ALIAS = "warehouse"
# Old versions kept open after a load published a new one, for cursors still reading them.
RETIRED_KEPT = 3
# Applied after the ATTACH, which itself needs to open the file (as streetdash/scoped.py does).
_HELD_BACK = ("enable_external_access", "lock_configuration")


@dataclass
class _Shared:
    version: str
    con: duckdb.DuckDBPyConnection
    fd: int | None  # the open file the version is pinned by; closed with the connection


_shared: dict[str, _Shared] = {}
_retired: list[_Shared] = []
_lock = threading.Lock()


def _sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _open_shared(path: Path) -> _Shared:
    fd, target = None, str(path)
    if sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd"):
        fd = os.open(path, os.O_RDONLY)
        target = f"/proc/self/fd/{fd}"
        st = os.fstat(fd)
        version = f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"
    else:
        version = warehouse_version(path)
    opening = {k: v for k, v in CONNECTION_CONFIG.items() if k not in _HELD_BACK}
    # DuckDB would otherwise take up to 80% of the machine's memory per open version.
    con = duckdb.connect(":memory:", config={**opening, "memory_limit": f"{int_setting('STREETDASH_APP_MEMORY_MB')}MB"})
    try:
        con.execute(f"ATTACH {_sql_literal(target)} AS {ALIAS} (READ_ONLY)")
        con.execute(f"USE {ALIAS}")
        for name in _HELD_BACK:  # the lock last
            con.execute(f"SET {name} = {str(CONNECTION_CONFIG[name]).lower()}")
    except BaseException:
        con.close()
        if fd is not None:
            os.close(fd)
        raise
    return _Shared(version, con, fd)


def _close(held: _Shared) -> None:
    try:
        held.con.close()
    finally:
        if held.fd is not None:
            os.close(held.fd)


def connect_readonly(db: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only cursor on the current warehouse version, with :data:`CONNECTION_CONFIG`.

    Use it as a context manager (``with connect_readonly() as con:``): that closes the cursor, never
    the shared database behind it. A missing warehouse raises as ``duckdb.connect`` does.
    """
    path = Path(warehouse_path(db)).resolve()
    if not path.exists():
        return duckdb.connect(str(path), read_only=True, config=dict(CONNECTION_CONFIG))
    version = warehouse_version(path)
    key = str(path)
    with _lock:
        held = _shared.get(key)
        if held is None or held.version != version:
            fresh = _open_shared(path)
            if held is not None:
                _retired.append(held)
                while len(_retired) > RETIRED_KEPT:
                    _close(_retired.pop(0))
            _shared[key] = held = fresh
        cursor = held.con.cursor()
    cursor.execute(f"USE {ALIAS}")
    return cursor


def close_shared(db: str | os.PathLike | None = None) -> None:
    """Close the shared databases of warehouse ``db`` (every warehouse when None) in this process: for
    tests, and a server shutting down. Cursors taken from them stop working."""
    key = None if db is None else str(Path(db).resolve())
    with _lock:
        for path in [p for p in _shared if key is None or p == key]:
            _close(_shared.pop(path))
        if key is None:
            for held in _retired:
                _close(held)
            _retired.clear()


def warehouse_version(db: str | os.PathLike | None = None) -> str:
    """Changes whenever a load publishes a new warehouse (the file is replaced, so its inode changes)."""
    path = Path(warehouse_path(db))
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


@dataclass
class WarehouseStatus:
    path: Path
    exists: bool
    table_rows: dict[str, int]  # ledger title -> rows


def _query(sql: str, params: list | None = None, db: str | os.PathLike | None = None) -> pd.DataFrame:
    with connect_readonly(db) as con:
        return con.execute(sql, params or []).df()


@functools.lru_cache(maxsize=16)
def _table_rows(path: str, version: str) -> tuple[tuple[str, int], ...]:
    from streetdash.schema import load_schemas

    kinds = load_schemas().ordered()
    counts = " UNION ALL ".join(f"SELECT {i} AS i, count(*) AS n FROM {k.table}" for i, k in enumerate(kinds))
    rows = dict(_query(f"SELECT i, n FROM ({counts}) ORDER BY i", db=path).itertuples(index=False))
    return tuple((k.title, int(rows[i])) for i, k in enumerate(kinds))


def warehouse_status(db: str | os.PathLike | None = None) -> WarehouseStatus:
    """Whether the warehouse exists, and how many rows each ledger table holds (counted once per version)."""
    path = Path(warehouse_path(db))
    if not path.exists():
        return WarehouseStatus(path, False, {})
    return WarehouseStatus(path, True, dict(_table_rows(str(path), warehouse_version(path))))


def warehouse_info(db: str | os.PathLike | None = None) -> dict[str, str]:
    """The warehouse's notes about itself (table ``warehouse_info``, written by the loader); empty for a
    missing warehouse or one loaded before the table existed."""
    if not Path(warehouse_path(db)).exists():
        return {}
    with connect_readonly(db) as con:
        found = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'warehouse_info' AND table_schema = 'main'"
        ).fetchall()[0][0]
        return dict(con.execute("SELECT key, value FROM warehouse_info").fetchall()) if found else {}


def is_demo(db: str | os.PathLike | None = None) -> bool:
    """Whether the warehouse is the bundled demo (``python -m etl demo``, and no load since)."""
    return warehouse_info(db).get("demo") == "true"


def _own_files_sql(con: duckdb.DuckDBPyConnection) -> str:
    """SQL listing ``file`` names every current row of which belongs to a community in ``$ids``: the
    files of a scope. Rows find their community directly (``community_id``), through their task (claims)
    or through their grid (grid boundaries); a table that has none of these counts for no scope."""
    from streetdash.schema import load_schemas

    columns: dict[str, set[str]] = {}
    for table, column in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall():
        columns.setdefault(table, set()).add(column)
    parts = []
    for kind in load_schemas().ordered():
        have = columns.get(kind.table, set())
        if "source_file" not in have:
            continue
        # Table names come from the schema file, never from users.
        if "community_id" in have:
            parts.append(f"SELECT source_file, community_id FROM {kind.table}")
        elif "task_id" in have and "community_id" in columns.get("tasks", set()):
            parts.append(f"SELECT x.source_file, t.community_id FROM {kind.table} x LEFT JOIN tasks t USING (task_id)")
        elif "grid_id" in have and "community_id" in columns.get("grids", set()):
            parts.append(f"SELECT x.source_file, g.community_id FROM {kind.table} x LEFT JOIN grids g USING (grid_id)")
    if not parts:
        return "SELECT NULL::VARCHAR AS file WHERE false"
    return (
        f"SELECT source_file AS file FROM ({' UNION ALL '.join(parts)}) "
        "GROUP BY ALL HAVING bool_and(coalesce(list_contains(CAST($ids AS VARCHAR[]), community_id), false))"
    )


def load_history(
    limit: int = 50, db: str | os.PathLike | None = None, community_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """The latest load-log rows, with Chinese column names and ledger titles.

    ``community_ids`` (a scope's communities) keeps only the files of that scope: those whose every
    loaded row belongs to one of them; ``None`` keeps every file.
    """
    from streetdash.schema import load_schemas

    titles = {k.name: k.title for k in load_schemas().ordered()}
    with connect_readonly(db) as con:
        own = "" if community_ids is None else f"WHERE file IN ({_own_files_sql(con)})"
        params = {"limit": limit, **({} if community_ids is None else {"ids": list(community_ids)})}
        history = con.execute(
            f"""
            SELECT batch_id AS 批次, file AS 文件, sheet AS 工作表, kind AS 台账类型, rows_read AS 读取,
                   inserted AS 新增, updated AS 更新, unchanged AS 未变, rejected AS 拒绝,
                   coalesce(message, mapped_to_other) AS 说明, finished_at AS 完成时间
            FROM load_log {own} ORDER BY started_at DESC, file LIMIT $limit
            """,
            params,
        ).df()
    history["台账类型"] = history["台账类型"].map(titles)
    return history.fillna({"工作表": "", "说明": "", "台账类型": "（未识别）"})


def recent_rejections(
    limit: int = 200, db: str | os.PathLike | None = None, community_ids: Sequence[str] | None = None
) -> pd.DataFrame:
    """Rejected rows of the latest batch that had any, place and reason in Chinese; with
    ``community_ids``, of the scope's own files only (as :func:`load_history`)."""
    with connect_readonly(db) as con:
        own = "" if community_ids is None else f"AND file IN ({_own_files_sql(con)})"
        params = {"limit": limit, **({} if community_ids is None else {"ids": list(community_ids)})}
        return (
            con.execute(
                f"""
                WITH mine AS (SELECT * FROM rejected_rows WHERE true {own})
                SELECT file AS 文件, sheet AS 工作表, "row" AS 行号, "column" AS 列, value AS 值, reason AS 原因
                FROM mine
                WHERE batch_id = (SELECT max(batch_id) FROM mine)
                ORDER BY file, sheet, "row" LIMIT $limit
                """,
                params,
            )
            .df()
            .fillna({"工作表": "", "值": ""})
        )
