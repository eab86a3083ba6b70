"""Reading the warehouse: short-lived read-only connections, and the version that keys caches.

The ETL publishes a new warehouse by renaming a finished copy over the live file (see
``etl/warehouse.py``), so a reader never sees half a batch and never blocks a load.

Every connection the app process opens to the warehouse uses :data:`CONNECTION_CONFIG`: DuckDB keeps
one database instance per file in a process and refuses a second connection to the same file with a
different configuration, so a page, the 数据探索 browser and a report must never disagree on it. The
SQL typed into the workspace runs elsewhere, in a child process with its own limits
(``streetdash.sqlworker``), whose configuration starts from the same dictionary.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from streetdash.config import warehouse_path

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


def connect_readonly(db: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current warehouse version, with :data:`CONNECTION_CONFIG`."""
    return duckdb.connect(str(warehouse_path(db)), read_only=True, config=dict(CONNECTION_CONFIG))


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


def warehouse_status(db: str | os.PathLike | None = None) -> WarehouseStatus:
    """Whether the warehouse exists, and how many rows each ledger table holds."""
    from streetdash.schema import load_schemas

    path = Path(warehouse_path(db))
    if not path.exists():
        return WarehouseStatus(path, False, {})
    kinds = load_schemas().ordered()
    counts = " UNION ALL ".join(f"SELECT {i} AS i, count(*) AS n FROM {k.table}" for i, k in enumerate(kinds))
    rows = dict(_query(f"SELECT i, n FROM ({counts}) ORDER BY i", db=db).itertuples(index=False))
    return WarehouseStatus(path, True, {k.title: int(rows[i]) for i, k in enumerate(kinds)})


def load_history(limit: int = 50, db: str | os.PathLike | None = None) -> pd.DataFrame:
    """The latest load-log rows, with Chinese column names and ledger titles."""
    from streetdash.schema import load_schemas

    titles = {k.name: k.title for k in load_schemas().ordered()}
    history = _query(
        """
        SELECT batch_id AS 批次, file AS 文件, sheet AS 工作表, kind AS 台账类型, rows_read AS 读取,
               inserted AS 新增, updated AS 更新, unchanged AS 未变, rejected AS 拒绝,
               coalesce(message, mapped_to_other) AS 说明, finished_at AS 完成时间
        FROM load_log ORDER BY started_at DESC, file LIMIT ?
        """,
        [limit],
        db,
    )
    history["台账类型"] = history["台账类型"].map(titles)
    return history.fillna({"工作表": "", "说明": "", "台账类型": "（未识别）"})


def recent_rejections(limit: int = 200, db: str | os.PathLike | None = None) -> pd.DataFrame:
    """Rejected rows of the latest batch that had any, place and reason in Chinese."""
    return _query(
        """
        SELECT file AS 文件, sheet AS 工作表, "row" AS 行号, "column" AS 列, value AS 值, reason AS 原因
        FROM rejected_rows
        WHERE batch_id = (SELECT max(batch_id) FROM rejected_rows)
        ORDER BY file, sheet, "row" LIMIT ?
        """,
        [limit],
        db,
    ).fillna({"工作表": "", "值": ""})
