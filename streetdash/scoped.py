"""The scoped database: what the SQL workspace of a user limited to some streets or communities queries.

Checking the SQL someone types for every way it could reach another community's rows is a losing
game (a join, a UNION, a metric macro with no filter, the catalogue …). So the rows are never there:
for each query the worker builds a fresh in-memory DuckDB that holds only the scope's rows, and the
statement runs on that.

1. ATTACH the warehouse read-only (as :data:`SOURCE`) to an empty in-memory database.
2. Copy each table, only the rows of the scope (:func:`row_rule`): rows with a ``community_id`` of the
   scope's communities (resolved by name and street through ``communities``); rows of a task (claims,
   coordinate matches) or of a grid (boundaries) of those; an overlap of two grids when both are. A
   rejected row or a load count goes with the community it names; a street's settings (办理时限) with
   the scope's streets; the day the data ends (``data_as_of``) whole; the figures the load stores from
   the metric macros (:data:`STORED_FIGURES`) empty; a rollup that compares several communities' rows
   (:data:`REMADE`) made again from the copied rows once the macros are there. A table none of this applies to
   (``load_log``, rejected rows whose community could not be told, anything added later) is copied
   empty, with its columns, so the views over it still work. Only the ``main`` schema is copied.
3. Recreate every view and macro from the warehouse's own catalogue (``duckdb_views().sql``,
   ``duckdb_functions().macro_definition``), in the order they were made, so the metric macros and
   staging views are the same definitions — now over the scope's rows only.
4. DETACH the warehouse, then turn off external access and lock the configuration: from here nothing
   can attach it again, read a file or change a setting, and the user's statement has only the copy.

The person-key macros of a load (``person_key`` …, with the deployment key inlined) are TEMP macros of
the loader's connection and never in the warehouse; should one ever be stored, it is not copied.

The copy takes about 0.25 s for a community of the demo warehouse (``tests/explore/test_scoped_workspace.py``
measures it) and about 0.5 s for one of a warehouse of 1,000,000 tasks (0.6 s for a street): less than a
second, so it is built for each query and never cached on disk.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import duckdb

from streetdash.access import Scope

# The alias the warehouse is attached under while the copy is made; it is detached before any user SQL.
SOURCE = "scope_source"
# The macros of etl/pii.py: a HMAC key lives inside them, so none is ever copied.
PII_MACROS = frozenset({"person_key", "mask_name", "id_valid", "mask_id", "clean_phone", "mask_phone"})
# Tables of one row for the whole warehouse that every page shows every reader (数据截至): copied whole,
# so that the macros cut periods at the same day as the pages do.
WAREHOUSE_WIDE = frozenset({"data_as_of"})
# Figures the load stores from the metric macros over the whole warehouse (etl/sql/40_stored): copied
# empty. A street's row adds up communities outside a community user's scope, and in the copy the macros
# compute the same figures from the scope's own rows.
STORED_FIGURES = frozenset(
    {
        "months_coverage",
        "months_communities",
        "months_streets",
        "periods_coverage",
        "periods_grouped",
        "periods_backlog",
    }
)
# Rollups that compare rows of several communities (which entry of a person came first in a street):
# copied empty, then made again by their macro from the rows the copy holds, so that in a copy a street
# is its communities in the scope, as every other figure there is.
REMADE = {"rollup_street_residents": "rollup_street_residents_rows"}
_OWN = " WHERE community_id IN (SELECT community_id FROM scope_communities)"
# Applied only after the copy: the copy itself needs to read the warehouse file.
HELD_BACK = ("enable_external_access", "lock_configuration")


@dataclass
class Copy:
    """What :func:`build` made: rows and rule per table, the views and macros recreated, and how long it took."""

    communities: list[str]
    tables: dict[str, tuple[str, int]] = field(default_factory=dict)  # table -> (rule, rows)
    views: list[str] = field(default_factory=list)
    macros: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def community_ids(con: duckdb.DuckDBPyConnection, scope: Scope, source: str = SOURCE) -> list[str]:
    """The ``community_id`` of every community of ``scope``: by street, then by name within it."""
    has = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = $db AND schema_name = 'main'"
        " AND table_name = 'communities'",
        {"db": source},
    ).fetchone()[0]
    if not has or scope.is_empty:
        return []
    rows = con.execute(
        f"SELECT community_id FROM {_quote(source)}.main.communities"
        " WHERE ($streets IS NULL OR list_contains($streets, street))"
        " AND ($communities IS NULL OR list_contains($communities, name)) ORDER BY community_id",
        {
            "streets": None if scope.streets is None else list(scope.streets),
            "communities": None if scope.communities is None else list(scope.communities),
        },
    ).fetchall()
    return [r[0] for r in rows if r[0] is not None]


def row_rule(name: str, columns: set[str], copied: set[str]) -> tuple[str, str]:
    """Which rows of table ``name`` with ``columns`` belong to the scope: a short name and the WHERE clause.

    ``copied`` are the tables already copied (their rows the scope's): ``tasks`` and ``grids`` let the
    claims, matches and boundaries follow them. Anything else is not attributable and stays empty.
    """
    if name in WAREHOUSE_WIDE:
        return "whole", "true"
    if name in STORED_FIGURES:
        return "empty", "false"
    if name in REMADE:
        return "remade", "false"
    if "street" in columns and "community_id" not in columns:
        return "street", f"street IS NULL OR street IN (SELECT street FROM {_quote(SOURCE)}.main.communities{_OWN})"
    if "community_id" in columns:
        return "community", _OWN.removeprefix(" WHERE ")
    if "task_id" in columns and "tasks" in copied:
        return "task", "task_id IN (SELECT task_id FROM main.tasks)"
    if "grid_id" in columns and "grids" in copied:
        return "grid", "grid_id IN (SELECT grid_id FROM main.grids)"
    if {"grid_id_a", "grid_id_b"} <= columns and "grids" in copied:
        return (
            "grid pair",
            "grid_id_a IN (SELECT grid_id FROM main.grids) AND grid_id_b IN (SELECT grid_id FROM main.grids)",
        )
    return "empty", "false"


def _copy_tables(con: duckdb.DuckDBPyConnection, out: Copy) -> None:
    rows = con.execute(
        "SELECT t.table_name, list(c.column_name) FROM duckdb_tables() t"
        " JOIN duckdb_columns() c USING (database_name, schema_name, table_name)"
        " WHERE t.database_name = $db AND t.schema_name = 'main' AND NOT t.internal"
        " GROUP BY ALL ORDER BY t.table_name",
        {"db": SOURCE},
    ).fetchall()
    # Tables kept by community first, so that the tables that follow a task or a grid can look them up.
    tables = sorted(((name, set(columns)) for name, columns in rows), key=lambda t: "community_id" not in t[1])
    copied: set[str] = set()
    for name, columns in tables:
        rule, where = row_rule(name, columns, copied)
        con.execute(
            f"CREATE TABLE main.{_quote(name)} AS SELECT * FROM {_quote(SOURCE)}.main.{_quote(name)} WHERE {where}"
        )
        out.tables[name] = (rule, con.execute(f"SELECT count(*) FROM main.{_quote(name)}").fetchone()[0])
        copied.add(name)


def _definitions(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str, str, str]]:
    """(oid, kind, name, CREATE statement) of every view and macro of the warehouse, oldest first."""
    out = []
    for name, sql, oid in con.execute(
        "SELECT view_name, sql, view_oid FROM duckdb_views() WHERE database_name = $db AND schema_name = 'main'"
        " AND NOT internal AND NOT temporary",
        {"db": SOURCE},
    ).fetchall():
        out.append((oid, "view", name, sql))
    overloads: dict[tuple[str, str], list[tuple[int, list[str], list[str | None], str]]] = {}
    for name, kind, parameters, types, body, oid in con.execute(
        "SELECT function_name, function_type, parameters, parameter_types, macro_definition, function_oid"
        " FROM duckdb_functions() WHERE database_name = $db AND schema_name = 'main' AND NOT internal"
        " AND function_type IN ('macro', 'table_macro')",
        {"db": SOURCE},
    ).fetchall():
        if name.lower() in PII_MACROS:
            continue
        overloads.setdefault((name, kind), []).append((oid, parameters or [], types or [], body))
    for (name, kind), versions in overloads.items():
        table = "TABLE " if kind == "table_macro" else ""
        forms = []
        for _, parameters, types, body in versions:
            types = [*types, *[None] * (len(parameters) - len(types))]
            params = ", ".join(_quote(p) + (f" {t}" if t else "") for p, t in zip(parameters, types, strict=True))
            forms.append(f"({params}) AS {table}{body}")
        out.append((min(v[0] for v in versions), "macro", name, f"CREATE MACRO {_quote(name)}{', '.join(forms)}"))
    return sorted(out)


def _recreate(con: duckdb.DuckDBPyConnection, out: Copy) -> None:
    pending = _definitions(con)
    # In creation order a definition finds what it uses; a warehouse whose models were re-applied in
    # another order takes a few more rounds.
    while pending:
        failed, errors = [], []
        for item in pending:
            try:
                con.execute(item[3])
            except duckdb.Error as error:
                failed.append(item)
                errors.append(f"{item[2]}: {error}")
                continue
            (out.views if item[1] == "view" else out.macros).append(item[2])
        if len(failed) == len(pending):
            raise RuntimeError("cannot recreate in the scoped database: " + "; ".join(errors))
        pending = failed


def build(con: duckdb.DuckDBPyConnection, warehouse: str | os.PathLike, scope: Scope) -> Copy:
    """Fill the empty in-memory database of ``con`` with ``scope``'s rows of ``warehouse`` and every view
    and macro; the warehouse is detached again when this returns (or fails)."""
    started = time.perf_counter()
    con.execute(f"ATTACH {_literal(os.fspath(warehouse))} AS {_quote(SOURCE)} (READ_ONLY)")
    try:
        out = Copy(community_ids(con, scope))
        con.execute(
            "CREATE TEMP TABLE scope_communities AS SELECT unnest($ids::VARCHAR[]) AS community_id",
            {"ids": out.communities},
        )
        _copy_tables(con, out)
        _recreate(con, out)
        for table, macro in REMADE.items():
            if table in out.tables:
                con.execute(f"INSERT INTO main.{_quote(table)} SELECT * FROM main.{_quote(macro)}()")
                out.tables[table] = ("remade", con.execute(f"SELECT count(*) FROM main.{_quote(table)}").fetchone()[0])
        con.execute("DROP TABLE temp.scope_communities")
    finally:
        con.execute(f"DETACH {_quote(SOURCE)}")
    out.seconds = time.perf_counter() - started
    return out


def connect(
    warehouse: str | os.PathLike, scope: Scope, config: dict[str, object]
) -> tuple[duckdb.DuckDBPyConnection, Copy]:
    """A new in-memory database of ``scope``'s rows (:func:`build`), then ``config`` applied in full.

    ``config`` is the locked configuration the warehouse itself would be opened with; its external
    access and lock are set only once the copy is made and the warehouse detached.
    """
    opening = {k: v for k, v in config.items() if k not in HELD_BACK}
    con = duckdb.connect(":memory:", config=opening)
    try:
        copy = build(con, warehouse, scope)
        for name in HELD_BACK:  # the lock last
            if name in config:
                con.execute(f"SET {name} = {_literal(config[name])}")
    except BaseException:
        con.close()
        raise
    return con, copy
