"""The metrics layer as seen from Python: the catalogue, and the metric macros as DataFrames.

The numbers themselves are computed in the warehouse by the SQL in ``etl/sql`` (one definition for
every client); this module only reads them, with real SQL parameters.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

CATALOGUE_FILE = Path(__file__).with_name("metrics.toml")


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    unit: str
    definition: str
    direction: str  # higher | lower | neutral
    format: str  # count | rate | days | decimal

    @property
    def column(self) -> str:
        """The column of the metric macros: the key with dots as underscores."""
        return self.key.replace(".", "_")


@cache
def load_catalogue(path: Path = CATALOGUE_FILE) -> dict[str, Metric]:
    """Metric key -> :class:`Metric`, in catalogue order."""
    entries = tomllib.loads(path.read_text(encoding="utf-8"))["metric"]
    return {e["key"]: Metric(**e) for e in entries}


def by_column() -> dict[str, Metric]:
    return {m.column: m for m in load_catalogue().values()}


def _frame(
    con: duckdb.DuckDBPyConnection,
    macro: str,
    start: dt.date,
    end: dt.date,
    where: str = "",
    params: dict | None = None,
) -> pd.DataFrame:
    # ``macro`` is one of the fixed names below, never user input; values are parameters.
    sql = f"SELECT * FROM {macro}($start, $end) {where}"
    return con.execute(sql, {"start": start, "end": end, **(params or {})}).df()


def _scope(street: str | None, communities: tuple[str, ...] | list[str] | None) -> tuple[str, dict]:
    clauses, params = [], {}
    if street:
        clauses.append("street = $street")
        params["street"] = street
    if communities:
        clauses.append("list_contains($communities, community)")
        params["communities"] = list(communities)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", params


def community_metrics(
    con, start: dt.date, end: dt.date, street: str | None = None, communities: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """One row per community of the scope, one column per metric."""
    where, params = _scope(street, communities)
    return _frame(con, "community_metrics", start, end, where, params)


def community_monthly(
    con, start: dt.date, end: dt.date, street: str | None = None, communities: tuple[str, ...] | None = None
) -> pd.DataFrame:
    """One row per community and month of the scope."""
    where, params = _scope(street, communities)
    return _frame(con, "community_monthly", start, end, where, params)


def street_metrics(con, start: dt.date, end: dt.date, street: str | None = None) -> pd.DataFrame:
    """One row per street (or the one asked for), computed from the records."""
    where, params = _scope(street, None)
    return _frame(con, "street_metrics", start, end, where, params)


def selection_metrics(con, start: dt.date, end: dt.date, communities: tuple[str, ...]) -> pd.DataFrame:
    """The chosen communities as one group (one row), computed from their records."""
    return con.execute("SELECT * FROM selection_metrics($start, $end, $c)",
                       {"start": start, "end": end, "c": list(communities)}).df()


def selection_monthly(con, start: dt.date, end: dt.date, communities: tuple[str, ...]) -> pd.DataFrame:
    """The chosen communities as one group, per month."""
    return con.execute("SELECT * FROM selection_monthly($start, $end, $c)",
                       {"start": start, "end": end, "c": list(communities)}).df()


def street_monthly(con, start: dt.date, end: dt.date, street: str | None = None) -> pd.DataFrame:
    where, params = _scope(street, None)
    return _frame(con, "street_monthly", start, end, where, params)
