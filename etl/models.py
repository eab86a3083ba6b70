"""The SQL models (staging views, marts, metric macros) applied after every load.

They live as ``.sql`` files under ``etl/sql/`` and run in path order (``10_staging/…``,
``20_marts/…``, ``30_macros/…``), each statement ``CREATE OR REPLACE`` so applying them is
idempotent. Any DuckDB client opening the warehouse sees the same definitions.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

SQL_DIR = Path(__file__).with_name("sql")


def model_files() -> list[Path]:
    return sorted(SQL_DIR.rglob("*.sql"))


def apply(con: duckdb.DuckDBPyConnection) -> None:
    """Run every model file on ``con`` in order."""
    for path in model_files():
        con.execute(path.read_text(encoding="utf-8"))
