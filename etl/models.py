"""The SQL models (staging views, marts, metric macros) applied after every load.

They live as ``.sql`` files under ``etl/sql/`` and run in path order (``10_staging/…``,
``20_marts/…``, ``30_macros/…``), each statement ``CREATE OR REPLACE`` so applying them is
idempotent. Any DuckDB client opening the warehouse sees the same definitions.

Before them, the street settings of the scheme files (``streetdash/schemes/*.toml``: the default
办理时限 and the response limit) are written as the table ``street_settings``, so the macros read them
as data: every client computes 应办结 and 及时响应 the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from etl import stored_periods
from streetdash.schemes import settings_rows

SQL_DIR = Path(__file__).with_name("sql")


# A line that stands for a shared part of SQL (``*.sqlpart``, beside the file): the metric formulas are
# written once and used by two macros (etl/sql/30_macros/metric_columns.sqlpart).
_INCLUDE = re.compile(r"^[ \t]*-- include (?P<name>[\w.-]+\.sqlpart)[ \t]*$", re.MULTILINE)


def model_files() -> list[Path]:
    return sorted(SQL_DIR.rglob("*.sql"))


def model_sql(path: Path) -> str:
    """The statements of a model file, each ``-- include NAME.sqlpart`` line replaced by that file."""
    return _INCLUDE.sub(
        lambda m: (path.parent / m["name"]).read_text(encoding="utf-8").rstrip("\n"), path.read_text(encoding="utf-8")
    )


def write_street_settings(con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> None:
    """The table ``street_settings``: one row per street with a scheme file, and one (street NULL)
    for every other street, from the shared scheme or the built-in defaults."""
    con.execute(
        "CREATE OR REPLACE TABLE street_settings"
        " (street VARCHAR, due_days INTEGER, response_hours DOUBLE, source_file VARCHAR)"
    )
    con.executemany("INSERT INTO street_settings VALUES (?, ?, ?, ?)", settings_rows(folder))


def apply(con: duckdb.DuckDBPyConnection, schemes: Path | None = None) -> None:
    """Write the street settings, run every model file on ``con`` in order, then store the preset
    periods' figures (which the presets of streetdash/filters.py decide, etl/stored_periods.py)."""
    write_street_settings(con, schemes)
    for path in model_files():
        con.execute(model_sql(path))
    stored_periods.store(con)


def refresh(db: Path | None = None) -> list[tuple]:
    """Apply the scheme files' settings and the models to the warehouse without loading anything (after
    a street edits its 办理时限 or response limit), published atomically like a load. Returns the
    settings each street now has: (street, due days, response hours, file)."""
    from etl.warehouse import new_version
    from streetdash.config import warehouse_path

    db = warehouse_path(db)
    if not db.exists():
        raise FileNotFoundError(db)
    with new_version(db) as pending:
        con = pending.connect()
        try:
            con.execute("BEGIN TRANSACTION")
            apply(con)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            rows = con.execute("SELECT * FROM stg_street_settings ORDER BY street").fetchall()
        finally:
            con.close()
        pending.publish()
    return rows
