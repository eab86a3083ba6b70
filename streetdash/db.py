"""Reading the warehouse: short-lived read-only connections, and the version that keys caches.

The ETL publishes a new warehouse by renaming a finished copy over the live file (see
``etl/warehouse.py``), so a reader never sees half a batch and never blocks a load.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from streetdash.config import warehouse_path


def connect_readonly(db: str | os.PathLike | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the current warehouse version."""
    return duckdb.connect(str(warehouse_path(db)), read_only=True)


def warehouse_version(db: str | os.PathLike | None = None) -> str:
    """Changes whenever a load publishes a new warehouse (the file is replaced, so its inode changes)."""
    path = Path(warehouse_path(db))
    try:
        st = path.stat()
    except FileNotFoundError:
        return "missing"
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"
