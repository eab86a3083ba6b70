"""Loading a batch of ledger files into the warehouse, all or nothing.

``load_paths`` reads every file, orders the sheets so that referenced ledgers come first
(communities, grids, then the rest), and stages, validates and upserts each sheet inside one
transaction on a working copy of the warehouse that is published only when the batch is complete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from etl import models
from etl.boundaries import GEOMETRY_HEADER, SourceCrs
from etl.grid_checks import GRID_CHECK_TABLES, refresh_grid_checks
from etl.guard import Limits, check_path
from etl.layout import skipped_row_reason
from etl.normalise import (
    COMMUNITY_LOOKUP_SQL,
    GEOMETRY_COLUMN,
    METADATA_COLUMNS,
    PARSING_MACROS,
    create_table_sql,
    ident,
    normalise_text,
    raw_column,
    sql_str,
    staging_sql,
    stored_columns,
)
from etl.pii import MaskCounts, create_pii_macros, load_secret, mask_numbers
from etl.reader import LedgerSheet, Progress, find_ledger_files, read_ledger_file
from etl.sheets import ReadResult, SheetFailure
from etl.validate import errors_sql, other_counts_sql
from etl.warehouse import new_version
from streetdash.access import Scope
from streetdash.config import warehouse_path
from streetdash.schema import Kind, Schemas, load_schemas

EXIT_COMMITTED, EXIT_STRICT_REJECTED, EXIT_NOTHING_READ = 0, 1, 2

LOG_TABLES = """
CREATE TABLE IF NOT EXISTS load_log (
    batch_id VARCHAR, file VARCHAR, sha256 VARCHAR, sheet VARCHAR, kind VARCHAR, header_row BIGINT,
    rows_read BIGINT, inserted BIGINT, updated BIGINT, unchanged BIGINT, superseded BIGINT,
    rejected BIGINT, mapped_to_other VARCHAR, status VARCHAR, message VARCHAR,
    started_at TIMESTAMP, finished_at TIMESTAMP
);
-- Added after the first warehouses were built: older load_log tables get them here.
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS id_numbers_in_text BIGINT;
ALTER TABLE load_log ADD COLUMN IF NOT EXISTS phones_in_text BIGINT;
CREATE TABLE IF NOT EXISTS rejected_rows (
    batch_id VARCHAR, file VARCHAR, sheet VARCHAR, kind VARCHAR, "row" BIGINT, "column" VARCHAR,
    value VARCHAR, reason VARCHAR
);
-- The community a rejected row names, where it could be told (warehouses from before it have none).
ALTER TABLE rejected_rows ADD COLUMN IF NOT EXISTS community_id VARCHAR;
-- Rows read and rejected per sheet and community: the data-quality metrics of a community
-- (ledgers.rejection_rate) need both sides, and a sheet may hold several communities.
CREATE TABLE IF NOT EXISTS load_counts (
    batch_id VARCHAR, file VARCHAR, sheet VARCHAR, kind VARCHAR, community_id VARCHAR,
    rows_read BIGINT, rejected BIGINT, loaded_at TIMESTAMP
);
"""
# When a record was first loaded, kept when a later ledger updates it (batch_id then names the
# later batch): ledgers.timeliness compares it with the record's own date.
FIRST_LOADED = "first_loaded_at"


@dataclass
class SheetResult:
    """What happened to one sheet (or to a file that could not be read)."""

    file: str
    sheet: str | None
    kind: str | None
    header_row: int | None = None
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    superseded: int = 0  # earlier rows of a key that a lower row of the same sheet replaced
    rejected: int = 0
    mapped_to_other: dict[str, int] = field(default_factory=dict)
    id_numbers_in_text: int = 0  # ID numbers masked in free text (任务内容 and the like)
    phones_in_text: int = 0  # mobile numbers masked in free text
    status: str = "ok"
    message: str | None = None
    sha256: str | None = None
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    header_end: int | None = None  # last row of a header over several rows
    skipped: int = 0  # rows under the header that are not records (合计, 表尾, 备注)
    columns: dict[str, str] = field(default_factory=dict)  # field name -> header as written in the file
    ignored_columns: list[str] = field(default_factory=list)  # headers of columns no field was found for
    missing_columns: list[str] = field(default_factory=list)  # required fields a sheet lacks (an error)


@dataclass
class Skipped:
    """A row that is not a record (a total, a footer, a note), or a sheet that is not a ledger (row None)."""

    file: str
    sheet: str | None
    row: int | None
    reason: str


@dataclass
class Rejection:
    file: str
    sheet: str | None
    row: int
    column: str
    value: str | None
    reason: str
    community_id: str | None = None


@dataclass
class CommunityCount:
    """Rows of one sheet read and rejected for one community (None: the community could not be told)."""

    file: str
    sheet: str | None
    kind: str
    community_id: str | None
    rows_read: int
    rejected: int


@dataclass
class BatchResult:
    batch_id: str
    db: Path
    sheets: list[SheetResult] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    dry_run: bool = False  # a preview: everything checked and counted, nothing written
    community_counts: list[CommunityCount] = field(default_factory=list)
    loaded_at: dt.datetime | None = None  # when the batch ran (the loader's clock)
    committed: bool = False
    exit_code: int = EXIT_COMMITTED
    paths: dict[str, Path] = field(default_factory=dict)  # display name -> input file
    notes: list[str] = field(default_factory=list)  # what the grid checks found after the load

    def report(self) -> dict:
        """The ``--report-json`` document."""
        files = []
        for s in self.sheets:
            d = asdict(s)
            for k in ("started_at", "finished_at"):
                d[k] = d[k].isoformat(timespec="seconds") if d[k] else None
            files.append(d)
        return {
            "batch_id": self.batch_id,
            "db": str(self.db),
            "committed": self.committed,
            "notes": self.notes,
            "files": files,
            "dry_run": self.dry_run,
            # The community code is for the warehouse's data-quality metrics, not part of this report.
            "rejected": [{k: v for k, v in asdict(r).items() if k != "community_id"} for r in self.rejected],
            "skipped": [asdict(r) for r in self.skipped],
        }


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def prepare_connection(con: duckdb.DuckDBPyConnection, schemas: Schemas, secret: bytes) -> None:
    """Macros the staging SQL needs, and every ledger, log and grid-check table (empty until loaded)."""
    con.execute(PARSING_MACROS)
    create_pii_macros(con, secret)
    for kind in schemas.ordered():
        con.execute(create_table_sql(kind))
        # Added after the ledger tables were first defined: older warehouses gain it, NULL for their rows.
        con.execute(f"ALTER TABLE {ident(kind.table)} ADD COLUMN IF NOT EXISTS {FIRST_LOADED} TIMESTAMP")
    con.execute(LOG_TABLES)
    con.execute(GRID_CHECK_TABLES)


def _stage_table(sheet: LedgerSheet) -> tuple[pa.Table, MaskCounts]:
    """The sheet's text normalised, with ID and mobile numbers in its free-text columns masked."""
    free_text = {f.name for f in sheet.kind.free_text_fields}
    table, masked = normalise_text(sheet.table, free_text)
    for f in sheet.kind.fields:  # columns the sheet does not have are NULL
        if f.name not in table.column_names:
            table = table.append_column(f.name, pa.nulls(table.num_rows, pa.string()))
    return table, masked


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    return con.execute(sql).fetchall()[0][0]


def _community_of_row(con: duckdb.DuckDBPyConnection) -> str:
    """SQL (over ``parsed``) for the community a row belongs to: its community field, its own code in
    the community list, or the community of the record it refers to (a claim's task); else NULL."""
    columns = dict(con.execute("SELECT column_name, column_type FROM (DESCRIBE parsed)").fetchall())
    if "community_id" in columns:
        return "community_id"
    for name, data_type in columns.items():
        if name.startswith("ref_") and data_type.startswith("STRUCT") and "community_id" in data_type:
            return f"{ident(name)}.community_id"
    return "CAST(NULL AS VARCHAR)"


def load_sheet(
    con: duckdb.DuckDBPyConnection,
    sheet: LedgerSheet,
    schemas: Schemas,
    batch_id: str,
    file_label: str,
    scope: Scope | None = None,
    now: Callable[[], dt.datetime] | None = None,
) -> tuple[SheetResult, list[Rejection], list[CommunityCount]]:
    """Stage, validate and upsert one sheet on ``con`` (inside the caller's transaction).

    With a ``scope``, rows of communities outside it (or replacing records of such communities) are
    rejected. ``now`` is the loader's clock (the time a record counts as loaded); the wall clock by default.
    """
    now = now or _now
    kind = sheet.kind
    result = SheetResult(file_label, sheet.sheet, kind.name, sheet.header_row, started_at=now())
    staged, masked = _stage_table(sheet)
    result.id_numbers_in_text, result.phones_in_text = masked.id_numbers, masked.phones
    result.message = "；".join([*sheet.notes, masked.describe()] if masked else sheet.notes) or None
    result.header_end = sheet.header_end if sheet.header_end != sheet.header_row else None
    result.skipped = len(sheet.skipped_rows)
    result.columns = dict(sheet.columns)
    result.ignored_columns = list(sheet.ignored_headers)
    con.register("stg", staged)
    try:
        con.execute(COMMUNITY_LOOKUP_SQL)
        con.execute(f"CREATE OR REPLACE TEMP TABLE parsed AS {staging_sql(kind, schemas)}")
        con.execute(f"CREATE OR REPLACE TEMP TABLE errors AS {errors_sql(kind, schemas)}")
        if sheet.problems:  # found while reading (a boundary's geometry), before any SQL saw the row
            con.executemany("INSERT INTO errors VALUES (?, ?, ?, ?)", sheet.problems)
        if scope is not None and not scope.is_everything:
            _scope_errors(con, kind, schemas, scope)
        _tree_errors(con, kind)
        result.rows_read = _count(con, "SELECT count(*) FROM parsed")
        other_sql = other_counts_sql(kind, schemas)
        if other_sql:
            result.mapped_to_other = {kind.field(name).header: n for name, n in con.execute(other_sql).fetchall() if n}
        _accept(con, kind, batch_id, file_label, sheet.sheet, result.started_at)
        _check_unique(con, kind)
        accepted = _count(con, "SELECT count(*) FROM accepted")  # a view: counted once
        counts = _upsert(con, kind, accepted)
        result.inserted, result.updated, result.unchanged = counts
        result.rejected = _count(con, "SELECT count(DISTINCT _row) FROM errors")
        result.superseded = result.rows_read - result.rejected - accepted
        headers = {f.name: sheet.columns.get(f.name, f.header) for f in kind.fields}
        headers[GEOMETRY_COLUMN] = GEOMETRY_HEADER
        order = {f.name: i for i, f in enumerate(kind.fields)}
        community = _community_of_row(con)
        rows = _masked_rejections(
            con.execute(
                f"SELECT e._row, e.field, e.value, e.reason, p.community FROM errors e"
                f" LEFT JOIN (SELECT _row, {community} AS community FROM parsed) p USING (_row)"
            ).fetchall(),
            kind,
        )
        rows.sort(key=lambda r: (r[0], order.get(r[1], 99)))
        rejections = [Rejection(file_label, sheet.sheet, r, headers[f], v, why, c) for r, f, v, why, c in rows]
        counts_by_community = [
            CommunityCount(file_label, sheet.sheet, kind.name, c, read, rejected)
            for c, read, rejected in con.execute(
                f"SELECT {community} AS community, count(*),"
                " count(*) FILTER (WHERE _row IN (SELECT _row FROM errors)) FROM parsed GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        ]
    finally:
        con.unregister("stg")
    result.finished_at = now()
    return result, rejections, counts_by_community


OUT_OF_SCOPE = "该社区不在您的权限范围内"
OUT_OF_SCOPE_RECORD = "该编号的记录属于您权限范围以外的社区，不能修改"


def _community_link(kind: Kind, schemas: Schemas, row: str) -> tuple[str, str | None, str] | None:
    """How a row of ``kind`` (SQL alias ``row``) reaches its community: (join SQL, field reported,
    community_id expression); None for a kind with no community (the community list itself)."""
    for f in kind.fields:
        if f.type == "community":
            return "", f.name, f"{row}.community_id"
    for f in kind.fields:
        if f.type == "ref" and any(g.type == "community" for g in schemas.kinds[f.ref].fields):
            target = schemas.kinds[f.ref]
            alias = f"{row}_{f.name}_owner"
            join = f"LEFT JOIN {ident(target.table)} {alias} ON {alias}.{ident(target.key[0])} = {row}.{ident(f.name)}"
            return join, f.name, f"{alias}.community_id"
    return None


def _scope_errors(con: duckdb.DuckDBPyConnection, kind: Kind, schemas: Schemas, scope: Scope) -> None:
    """Reject the rows a user of ``scope`` may not load: rows of communities outside it, and rows whose
    key is a record of such a community already (which loading would move or overwrite)."""
    streets = list(scope.streets) if scope.streets is not None else None
    communities = list(scope.communities) if scope.communities is not None else None
    params = {
        "any_street": streets is None,
        "streets": streets or [],
        "any_community": communities is None,
        "communities": communities or [],
    }
    allowed = (
        "($any_street OR list_contains(CAST($streets AS VARCHAR[]), {street}))"
        " AND ($any_community OR list_contains(CAST($communities AS VARCHAR[]), {name}))"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE scope_communities AS SELECT community_id FROM communities WHERE "
        + allowed.format(street="street", name="name"),
        params,
    )
    if kind.name == "communities":
        # The community list: a row is in scope by its own street and name.
        con.execute(
            f"""
            INSERT INTO errors
            SELECT _row, 'name', CAST(name AS VARCHAR), {sql_str(OUT_OF_SCOPE)} FROM parsed
            WHERE NOT coalesce({allowed.format(street="street", name="name")}, false)
            """,
            params,
        )
        link: tuple[str, str | None, str] | None = ("", "community_id", "t.community_id")
    else:
        link = _community_link(kind, schemas, "p")
        if link is None:
            return
        join, field_name, community = link
        f = kind.field(field_name)
        raw = ident(raw_column(f))
        con.execute(
            f"""
            INSERT INTO errors
            SELECT p._row, {sql_str(field_name)}, CAST(p.{raw} AS VARCHAR), {sql_str(OUT_OF_SCOPE)}
            FROM parsed p {join}
            WHERE {community} IS NOT NULL AND {community} NOT IN (SELECT community_id FROM scope_communities)
            """
        )
        link = _community_link(kind, schemas, "t")
    join, _, community = link
    key_match = " AND ".join(f"t.{ident(k)} = p.{ident(k)}" for k in kind.key)
    first_key = kind.key[0] if kind.key[0] in {f.name for f in kind.fields} else kind.fields[0].name
    con.execute(
        f"""
        INSERT INTO errors
        SELECT DISTINCT p._row, {sql_str(first_key)}, CAST(p.{ident(raw_column(kind.field(first_key)))} AS VARCHAR),
            {sql_str(OUT_OF_SCOPE_RECORD)}
        FROM parsed p JOIN {ident(kind.table)} t ON {key_match} {join}
        WHERE {community} IS NOT NULL AND {community} NOT IN (SELECT community_id FROM scope_communities)
            AND p._row NOT IN (SELECT _row FROM errors WHERE reason = {sql_str(OUT_OF_SCOPE)})
        """
    )


PARENT_REJECTED = "上级组织在本表中的行有误、未能导入，本行也不能导入（请先改正上级组织所在的行）"
CYCLE = "上级组织关系形成循环（沿上级组织向上最终又回到本组织），请核对上级组织编码"


def _reject_orphans(
    con: duckdb.DuckDBPyConnection, field_name: str, key: str, parent: str, raw: str, table: str
) -> None:
    """Reject the rows whose parent stands only in this sheet and was rejected there; a rejected parent
    takes its children with it, down the tree."""
    ok = "_row NOT IN (SELECT _row FROM errors)"
    while True:
        (added,) = con.execute(
            f"""
            INSERT INTO errors
            SELECT p._row, {sql_str(field_name)}, CAST(p.{raw} AS VARCHAR), {sql_str(PARENT_REJECTED)}
            FROM parsed p
            WHERE p.{parent} IS NOT NULL AND p.{ok}
                AND p.{parent} NOT IN (SELECT {key} FROM {table} WHERE {key} IS NOT NULL)
                AND p.{parent} IN (SELECT {key} FROM parsed WHERE {key} IS NOT NULL)
                AND NOT EXISTS (SELECT 1 FROM parsed q WHERE q.{key} = p.{parent} AND q.{ok})
            """
        ).fetchall()[0]
        if not added:
            return


def _tree_errors(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """For a kind that refers to itself (an organisation and its parent, a tree): reject rows whose
    parent stands only in this sheet and was rejected there, and rows that would close a cycle with the
    sheet's other rows or the warehouse's. Runs after every other check, on the rows still accepted."""
    key = ident(kind.key[0])
    table = ident(kind.table)
    ok = "_row NOT IN (SELECT _row FROM errors)"
    for f in kind.fields:
        if f.type != "ref" or f.ref != kind.name:
            continue
        parent = ident(f.name)
        raw = ident(raw_column(f))

        _reject_orphans(con, f.name, key, parent, raw, table)
        con.execute(
            f"""
            INSERT INTO errors
            WITH RECURSIVE
            sheet_edges AS (
                SELECT {key} AS node, {parent} AS up FROM parsed WHERE {ok} AND {key} IS NOT NULL
                QUALIFY row_number() OVER (PARTITION BY {key} ORDER BY _row DESC) = 1
            ),
            edges AS (
                SELECT node, up FROM sheet_edges
                UNION ALL
                SELECT {key}, {parent} FROM {table} WHERE {key} NOT IN (SELECT node FROM sheet_edges)
            ),
            walk(start, node, depth) AS (
                SELECT node, up, 1 FROM sheet_edges WHERE up IS NOT NULL
                UNION ALL
                SELECT w.start, e.up, w.depth + 1 FROM walk w JOIN edges e ON e.node = w.node
                WHERE w.node <> w.start AND e.up IS NOT NULL AND w.depth < 100
            )
            SELECT p._row, {sql_str(f.name)}, CAST(p.{raw} AS VARCHAR), {sql_str(CYCLE)}
            FROM parsed p WHERE p.{ok} AND p.{key} IN (SELECT start FROM walk WHERE node = start)
            """
        )
        _reject_orphans(con, f.name, key, parent, raw, table)


def _masked_rejections(rows: list[tuple], kind: Kind) -> list[tuple]:
    """Rejected values with ID and mobile numbers masked in every field but codes and references.

    Free text is masked before staging already; this covers a number typed into a date, enum or
    number column (``13812345678`` as 办结时间), which is rejected and would be echoed as it is.
    Personal fields are masked by their own rules in ``validate.value_sql``.
    """
    kept = {f.name for f in kind.fields if f.type == "ref" or f.is_pii} | kind.code_fields
    look = [i for i, r in enumerate(rows) if r[2] is not None and r[1] not in kept]
    if not look:
        return rows
    masked, _ = mask_numbers(pa.array([rows[i][2] for i in look], pa.string()))
    rows = list(rows)
    for i, value in zip(look, masked.to_pylist(), strict=True):
        rows[i] = (*rows[i][:2], value, *rows[i][3:])
    return rows


def _accept(
    con: duckdb.DuckDBPyConnection,
    kind: Kind,
    batch_id: str,
    file_label: str,
    sheet: str | None,
    loaded_at: dt.datetime,
) -> None:
    """Rows without problems; of several rows with one key, the lowest (latest) in the sheet.

    ``accepted`` is a view over ``parsed``, not a copy: a million rows are not copied once more on their
    way into the ledger table, and rows rejected later (a uniqueness rule) leave it by themselves.
    """
    cols = ", ".join(ident(c.name) for c in stored_columns(kind))
    keys = ", ".join(ident(k) for k in kind.key)
    ok = "_row NOT IN (SELECT _row FROM errors)"
    # A window over every row costs more than the rest of validation; repeated keys are rare, so
    # only their rows are looked at.
    key_match = " AND ".join(f"p.{ident(k)} = d.{ident(k)}" for k in kind.key)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE superseded AS
        SELECT p._row FROM parsed p JOIN (
            SELECT {keys}, max(_row) AS last_row FROM parsed WHERE {ok} GROUP BY ALL HAVING count(*) > 1
        ) d ON {key_match}
        WHERE p._row < d.last_row AND p.{ok}
        """
    )
    # A view cannot take parameters: the batch's own values, as literals.
    source_sheet = sql_str(sheet) if sheet is not None else "CAST(NULL AS VARCHAR)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP VIEW accepted AS
        SELECT {cols}, {sql_str(batch_id)} AS batch_id, {sql_str(file_label)} AS source_file,
               {source_sheet} AS source_sheet, _row AS source_row,
               CAST({sql_str(loaded_at.isoformat(sep=" "))} AS TIMESTAMP) AS {FIRST_LOADED}
        FROM parsed WHERE {ok} AND _row NOT IN (SELECT _row FROM superseded)
        """
    )


def _check_unique(con: duckdb.DuckDBPyConnection, kind: Kind) -> None:
    """Uniqueness beyond the key (a community name within a street), against batch and warehouse."""
    table = ident(kind.table)
    key_match = " AND ".join(f"o.{ident(k)} = a.{ident(k)}" for k in kind.key)
    for rule in kind.unique:
        same = " AND ".join(f"o.{ident(c)} = a.{ident(c)}" for c in rule["fields"])
        field_name = rule["fields"][-1]
        others = f"""
            SELECT {", ".join(ident(k) for k in kind.key)}, {", ".join(ident(c) for c in rule["fields"])}
            FROM {table} o WHERE NOT EXISTS (SELECT 1 FROM accepted a WHERE {key_match})
            UNION ALL
            SELECT {", ".join(ident(k) for k in kind.key)}, {", ".join(ident(c) for c in rule["fields"])}
            FROM accepted"""
        differs = " OR ".join(f"o.{ident(k)} IS DISTINCT FROM a.{ident(k)}" for k in kind.key)
        con.execute(
            f"""
            INSERT INTO errors
            SELECT a.source_row, '{field_name}', CAST(a.{ident(field_name)} AS VARCHAR), '{rule["reason"]}'
            FROM accepted a WHERE EXISTS (SELECT 1 FROM ({others}) o WHERE {same} AND ({differs}))
            """
        )
        # The rows just rejected leave the view ``accepted`` by themselves, before the next rule looks.


def _upsert(con: duckdb.DuckDBPyConnection, kind: Kind, accepted: int) -> tuple[int, int, int]:
    """Insert new keys, replace changed records, leave identical ones alone: (inserted, updated, unchanged).
    ``accepted`` is how many rows the view ``accepted`` holds.

    Only keys already in the warehouse are compared (an inner join, small for new data), so a
    first load of a million rows is one ``INSERT ... SELECT``.
    """
    table = ident(kind.table)
    data_cols = [ident(c.name) for c in stored_columns(kind)]
    carried = data_cols + [name for name, _ in METADATA_COLUMNS]  # as accepted has them
    all_cols = ", ".join([*carried, FIRST_LOADED])
    keys = ", ".join(f"a.{ident(k)}" for k in kind.key)
    key_match = " AND ".join(f"t.{ident(k)} = a.{ident(k)}" for k in kind.key)
    same = " AND ".join(f"a.{c} IS NOT DISTINCT FROM t.{c}" for c in data_cols)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE existing AS
        SELECT {keys}, {same} AS same FROM accepted a JOIN {table} t ON {key_match}
        """
    )
    updated, unchanged = con.execute(
        "SELECT count(*) FILTER (WHERE NOT same), count(*) FILTER (WHERE same) FROM existing"
    ).fetchall()[0]
    first_loaded, first_join = f"a.{FIRST_LOADED}", ""
    if updated:
        # An update is the same record: it keeps the time it was first loaded (read before the old rows go).
        t_keys = ", ".join(f"t.{ident(k)}" for k in kind.key)
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE first_loads AS
            SELECT {t_keys}, min(t.{FIRST_LOADED}) AS first_loaded FROM {table} t
            JOIN existing a ON {key_match} WHERE NOT a.same AND t.{FIRST_LOADED} IS NOT NULL GROUP BY ALL
            """
        )
        first_match = " AND ".join(f"f.{ident(k)} = a.{ident(k)}" for k in kind.key)
        first_loaded = f"coalesce(f.first_loaded, a.{FIRST_LOADED})"
        first_join = f" LEFT JOIN first_loads f ON {first_match}"
        con.execute(f"DELETE FROM {table} t USING existing a WHERE NOT a.same AND {key_match}")
    unchanged_match = " AND ".join(f"e.{ident(k)} = a.{ident(k)}" for k in kind.key)
    inserted = accepted - updated - unchanged
    if inserted or updated:
        values = ", ".join([*(f"a.{c}" for c in carried), first_loaded])
        # Nothing unchanged (new data, a first load): every accepted row goes in, with no join to look.
        leave_out = (
            f" WHERE NOT EXISTS (SELECT 1 FROM existing e WHERE e.same AND {unchanged_match})" if unchanged else ""
        )
        con.execute(f"INSERT INTO {table} ({all_cols}) SELECT {values} FROM accepted a{first_join}{leave_out}")
    return inserted, updated, unchanged


def _insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    """Insert a few rows by column name. ``executemany``, not an Arrow table: pyarrow imports pandas
    (a third of a second) to build one from Python values, and a load of CSV files needs it nowhere else."""
    if rows:
        names = list(rows[0])
        con.executemany(
            f"INSERT INTO {table} ({', '.join(map(ident, names))}) VALUES ({', '.join('?' * len(names))})",
            [[row[n] for n in names] for row in rows],
        )


def _write_logs(con: duckdb.DuckDBPyConnection, result: BatchResult) -> None:
    _insert_rows(
        con,
        "load_log",
        [
            {
                "batch_id": result.batch_id,
                "file": s.file,
                "sha256": s.sha256,
                "sheet": s.sheet,
                "kind": s.kind,
                "header_row": s.header_row,
                "rows_read": s.rows_read,
                "inserted": s.inserted,
                "updated": s.updated,
                "unchanged": s.unchanged,
                "superseded": s.superseded,
                "rejected": s.rejected,
                "mapped_to_other": "；".join(f"{k}：{v}" for k, v in s.mapped_to_other.items()) or None,
                "status": s.status,
                "message": s.message,
                "started_at": s.started_at,
                "finished_at": s.finished_at,
                "id_numbers_in_text": s.id_numbers_in_text,
                "phones_in_text": s.phones_in_text,
            }
            for s in result.sheets
        ],
    )
    if result.rejected:  # up to a row per record of the batch: in bulk
        kinds = {(s.file, s.sheet): s.kind for s in result.sheets}
        rejected = pa.Table.from_pylist(
            [
                {
                    "batch_id": result.batch_id,
                    "file": r.file,
                    "sheet": r.sheet,
                    "kind": kinds.get((r.file, r.sheet)),
                    "row": r.row,
                    "column": r.column,
                    "value": r.value,
                    "reason": r.reason,
                    "community_id": r.community_id,
                }
                for r in result.rejected
            ]
        )
        con.register("rejected_batch", rejected)
        con.execute("INSERT INTO rejected_rows BY NAME SELECT * FROM rejected_batch")
        con.unregister("rejected_batch")
    _insert_rows(
        con,
        "load_counts",
        [
            {
                "batch_id": result.batch_id,
                "file": c.file,
                "sheet": c.sheet,
                "kind": c.kind,
                "community_id": c.community_id,
                "rows_read": c.rows_read,
                "rejected": c.rejected,
                "loaded_at": result.loaded_at,
            }
            for c in result.community_counts
        ],
    )


def load_paths(
    paths: list[Path],
    db: Path | None = None,
    kind: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
    on_stage: Callable[[str], None] | None = None,
    crs: SourceCrs | None = None,
    *,
    demo: bool = False,
    scope: Scope | None = None,
    dry_run: bool = False,
    header_aliases: dict[str, dict[str, str]] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> BatchResult:
    """Load ledger files and folders as one batch.

    Parameters
    ----------
    paths : files or folders (folders are walked for .xlsx/.xls/.csv).
    db : warehouse file; default ``$WAREHOUSE_DB`` or ``data/warehouse.duckdb``.
    kind : force every file to be read as this ledger kind instead of detecting it.
    strict : commit nothing if any row is rejected.
    progress : called as ``progress(rows_done, rows_total)`` while large files are read.
    on_stage : called with a Chinese description of each step, for progress display.
    crs : the coordinate system of boundary files that do not declare one (``--crs``).
    demo : mark the warehouse as the demo (``python -m etl demo`` only); any other load clears the mark,
        so a demo warehouse that real ledgers were loaded into asks for sign-in like any other.
    scope : the loading user's streets and communities; rows of other communities are rejected.
    dry_run : do everything but write: the counts, rejections and skipped rows of the batch as it would
        load, with the warehouse left byte for byte as it was (``--dry-run``, the upload page's preview).
    header_aliases : more headers for fields, ``{kind: {header: field}}`` (a street's own column names).
    clock : the loader's clock, the time the batch's records count as loaded (the demo, whose
        made-up records end on 2024-12-31, is loaded as of then); the wall clock by default.

    Returns
    -------
    BatchResult with ``exit_code`` 0 (committed), 1 (strict and rows rejected, nothing committed)
    or 2 (nothing could be read, nothing committed). A file that is refused (beyond the limits of the
    settings, corrupt, not what its name says) is reported as an error and the rest of the batch loads.
    """
    schemas = load_schemas()
    if header_aliases:
        schemas = schemas.with_header_aliases(header_aliases)
    limits = Limits.from_settings()
    db = warehouse_path(db)
    now = clock or _now
    started = now()
    result = BatchResult(
        batch_id=started.strftime("%Y%m%d%H%M%S-") + uuid.uuid4().hex[:6], db=db, loaded_at=started, dry_run=dry_run
    )
    files = find_ledger_files([Path(p) for p in paths])
    labels = _labels(files)
    sheets: list[tuple[int, int, LedgerSheet]] = []
    digests: dict[Path, str | None] = {}
    if not files:
        result.sheets.append(
            SheetResult(
                "、".join(map(str, paths)),
                None,
                None,
                status="error",
                message="没有找到可导入的台账（.xlsx、.xls、.csv）或边界文件（.geojson、.shp、.zip、.gpkg）",
            )
        )
    with ThreadPoolExecutor(max_workers=1) as hasher:
        for file_index, path in enumerate(files):
            label = labels[path]
            result.paths[label] = path
            if on_stage:
                on_stage(f"读取 {label}")
            # Hash while reading: hashlib releases the GIL, and a large file costs a tenth of a second each way.
            # Only a plain, readable file of sensible size is opened at all (not a pipe, not /dev/zero).
            unreadable = check_path(path, limits)
            hashing = hasher.submit(_sha256, path) if unreadable is None else None
            if unreadable:
                read = ReadResult(failures=[SheetFailure(path, None, unreadable)])
            else:
                read = read_ledger_file(path, schemas, kind, progress, crs, limits)
            try:
                digest = digests[path] = hashing.result() if hashing else None
            except OSError:  # the file went away or changed permissions while it was read
                digest = digests[path] = None
            for failure in read.failures:
                result.sheets.append(
                    SheetResult(
                        label,
                        failure.sheet,
                        failure.kind,
                        status="skipped" if failure.skipped else "error",
                        message=failure.message,
                        sha256=digest,
                        started_at=now(),
                        finished_at=now(),
                        columns=dict(failure.columns),
                        ignored_columns=list(failure.ignored),
                        missing_columns=list(failure.missing),
                    )
                )
                if failure.skipped:
                    result.skipped.append(Skipped(label, failure.sheet, None, failure.message))
            for sheet_index, sheet in enumerate(read.sheets):
                sheets.append((file_index, sheet_index, sheet))
                result.skipped += [
                    Skipped(label, sheet.sheet, row, skipped_row_reason(what))
                    for row, what in sorted(sheet.skipped_rows.items())
                ]
    if not sheets:
        result.exit_code = EXIT_NOTHING_READ
        return result

    # Referenced ledgers first, whatever order the files came in; within a kind, the given order.
    sheets.sort(key=lambda t: (t[2].kind.order, t[0], t[1]))
    secret = load_secret()
    with new_version(db) as pending:
        con = pending.connect()
        try:
            prepare_connection(con, schemas, secret)
            con.execute("BEGIN TRANSACTION")
            for _, _, sheet in sheets:
                label = labels[sheet.file]
                if on_stage:
                    on_stage(f"校验入库 {label}" + (f"「{sheet.sheet}」" if sheet.sheet else ""))
                sheet_result, rejections, counts = load_sheet(
                    con, sheet, schemas, result.batch_id, label, scope=scope, now=now
                )
                sheet_result.sha256 = digests[sheet.file]
                result.sheets.append(sheet_result)
                result.rejected.extend(rejections)
                result.community_counts.extend(counts)
            if strict and result.rejected:
                con.execute("ROLLBACK")
                result.exit_code = EXIT_STRICT_REJECTED
                return result
            if dry_run:  # counted against the warehouse as it is; the working copy is thrown away
                con.execute("ROLLBACK")
                return result
            if on_stage:
                on_stage("网格检查")
            result.notes = refresh_grid_checks(con)
            if on_stage:
                on_stage("更新指标模型")
            # The logs first: the rollups the models build count this batch's rows read and rejected.
            _write_logs(con, result)
            models.apply(con)
            mark_demo(con, demo)
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
        finally:
            con.close()
        pending.publish()
    result.committed = True
    return result


def mark_demo(con: duckdb.DuckDBPyConnection, demo: bool) -> None:
    """Write (or clear) the demo mark in ``warehouse_info``, the table the app reads to start in demo mode."""
    con.execute("CREATE TABLE IF NOT EXISTS warehouse_info (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("DELETE FROM warehouse_info WHERE key = 'demo'")
    if demo:
        con.execute("INSERT INTO warehouse_info VALUES ('demo', 'true')")


def _labels(files: list[Path]) -> dict[Path, str]:
    """Short, unambiguous names for files in reports: the name, or more of the path if names repeat."""
    names = [p.name for p in files]
    out = {}
    for p in files:
        if names.count(p.name) == 1:
            out[p] = p.name
        else:
            parts = p.resolve().parts
            out[p] = "/".join(parts[-2:])
    return out
