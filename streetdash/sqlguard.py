"""The SQL guard: whether a statement someone typed may run, for the 数据探索 page and ``python -m etl query``.

Three lines of defence, each enough on its own for what it covers:

1. DuckDB's own parser, not regular expressions: exactly one statement, of type SELECT (which includes
   ``FROM t``, ``VALUES``, ``DESCRIBE``, ``SUMMARIZE``, ``SHOW TABLES`` and ``PIVOT … IN (…)``); its
   parsed tree (``json_serialize_sql``) is walked for every function, table function and table it
   names, however it is quoted, cased or nested (CTEs, subqueries, LATERAL joins).
2. Allow-lists on that tree: table functions only from the warehouse's own macros and a few harmless
   built-ins; no function that reads files or reveals settings, paths or the environment; no system
   view that does (``pg_settings``, ``duckdb_databases`` …); no file name as a table.
3. The connection (``streetdash.db.CONNECTION_CONFIG``): read-only, ``enable_external_access = false``
   (no file, no network, no extension), Python replacement scans off, and ``lock_configuration = true``
   so nothing can be turned back on. Even a statement that slipped past 1 and 2 cannot write or read
   outside the warehouse.

The statement then runs in a worker process with hard limits on time, memory and result size, and on
a copy of only the user's rows when their scope is limited: ``streetdash.sqlworker``.

Errors are :class:`QueryError`: a Chinese sentence for the kind of problem, DuckDB's message below it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import duckdb

# Table functions any query may call besides the warehouse's own table macros (found at run time).
ALLOWED_TABLE_FUNCTIONS = frozenset(
    {
        "range",
        "generate_series",
        "unnest",
        "json_each",
        "json_tree",
        # The catalogue of the warehouse itself: names, columns, types, macro definitions.
        "duckdb_tables",
        "duckdb_views",
        "duckdb_columns",
        "duckdb_functions",
        "duckdb_constraints",
        "duckdb_types",
        "duckdb_schemas",
        "duckdb_indexes",
        "duckdb_keywords",
        "pragma_table_info",
        "pg_timezone_names",
    }
)
# System views that are the catalogue again; every other system view (pg_settings, duckdb_databases,
# pragma_database_list, duckdb_logs …) shows settings, file paths or logs and is refused.
ALLOWED_SYSTEM_VIEWS = frozenset(
    {
        "tables",
        "columns",
        "views",
        "schemata",
        "table_constraints",
        "key_column_usage",
        "check_constraints",
        "referential_constraints",
        "constraint_column_usage",
        "constraint_table_usage",
        "character_sets",
        "duckdb_tables",
        "duckdb_views",
        "duckdb_columns",
        "duckdb_constraints",
        "duckdb_types",
        "duckdb_schemas",
        "duckdb_indexes",
    }
)
# Functions refused wherever they appear (as a scalar or a table function), named for the reason.
FILE_FUNCTIONS = frozenset(
    {
        "read_csv",
        "read_csv_auto",
        "read_single_csv_file",
        "read_parquet",
        "parquet_scan",
        "read_single_parquet_file",
        "read_json",
        "read_json_auto",
        "read_json_objects",
        "read_json_objects_auto",
        "read_ndjson",
        "read_ndjson_auto",
        "read_ndjson_objects",
        "read_single_json_file",
        "read_text",
        "read_blob",
        "read_duckdb",
        "read_xlsx",
        "glob",
        "sniff_csv",
        "parquet_metadata",
        "parquet_file_metadata",
        "parquet_full_metadata",
        "parquet_kv_metadata",
        "parquet_schema",
        "parquet_bloom_probe",
        "st_read",
        "sqlite_scan",
        "postgres_scan",
        "iceberg_scan",
        "delta_scan",
    }
)
SYSTEM_FUNCTIONS = frozenset(
    {
        "getenv",
        "current_setting",
        "getvariable",
        "write_log",
        "query",
        "query_table",
        "json_execute_serialized_sql",
        "checkpoint",
        "force_checkpoint",
        "pg_sleep",
        "sleep_ms",
        "which_secret",
        "enable_logging",
        "disable_logging",
        "enable_profiling",
        "disable_profiling",
        "truncate_duckdb_logs",
    }
)
# Prefixes of the same families, so a function added by a later DuckDB is refused too.
REFUSED_PREFIXES = ("read_", "parquet_", "pragma_", "duckdb_", "sqlite_", "postgres_", "mysql_", "iceberg_", "delta_")
SHOW_SPECIALS = frozenset({'"tables"', "__show_tables_expanded"})

STATEMENT_NAMES = {
    "INSERT": "INSERT（写入数据）",
    "UPDATE": "UPDATE（修改数据）",
    "DELETE": "DELETE（删除数据）",
    "CREATE": "CREATE（建表、建视图或宏）",
    "DROP": "DROP（删除对象）",
    "ALTER": "ALTER（修改表结构）",
    "COPY": "COPY（导入或导出文件）",
    "EXPORT": "EXPORT（导出数据库）",
    "ATTACH": "ATTACH（挂载其他数据库）",
    "DETACH": "DETACH（卸下数据库）",
    "LOAD": "INSTALL / LOAD（安装或加载扩展）",
    "SET": "SET / RESET / USE（修改设置）",
    "PRAGMA": "PRAGMA（修改或查看设置）",
    "CALL": "CALL（调用函数）",
    "EXPLAIN": "EXPLAIN（查看执行计划）",
    "TRANSACTION": "BEGIN / COMMIT（事务）",
    "MULTI": "PIVOT（未写 IN 列表的透视会先建临时类型）",
    "VACUUM": "VACUUM",
    "ANALYZE": "ANALYZE",
    "PREPARE": "PREPARE（预编译语句）",
    "EXECUTE": "EXECUTE",
    "VARIABLE_SET": "SET VARIABLE（设置变量）",
    "UPDATE_EXTENSIONS": "UPDATE EXTENSIONS（更新扩展）",
}


class QueryError(Exception):
    """A statement refused or failed: ``message`` in Chinese, ``detail`` DuckDB's own message (if any).

    ``kind`` is one of refused, empty, syntax, column, table, function, type, group, failed, and for the
    limits of ``streetdash.sqlworker``: timeout, memory, result_too_large, busy, crashed.
    """

    def __init__(self, kind: str, message: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.message}\n{self.detail}" if self.detail else self.message


# Parsing and checking ----------------------------------------------------------------------------


@dataclass
class _Names:
    """Everything a parsed statement names, lower-cased."""

    functions: set[str]
    table_functions: set[str]
    tables: set[str]
    shows: set[tuple[str, str]]  # (show_type, table_name)


def _walk(node, names: _Names) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, names)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    if kind == "TABLE_FUNCTION" and isinstance(node.get("function"), dict):
        names.table_functions.add(str(node["function"].get("function_name", "")).lower())
    elif kind == "BASE_TABLE":
        names.tables.add(str(node.get("table_name", "")).lower())
    elif kind == "SHOW_REF":
        names.shows.add((str(node.get("show_type", "")), str(node.get("table_name", "")).lower()))
    if "function_name" in node:
        names.functions.add(str(node["function_name"]).lower())
    for value in node.values():
        _walk(value, names)


def _refused(reason: str) -> QueryError:
    return QueryError("refused", f"不允许执行：{reason}")


def _file_like(name: str) -> bool:
    """A table name DuckDB would read as a file (``'data.csv'``, ``'/etc/passwd'``, ``s3://…``)."""
    return bool(re.search(r"[/\\:~]", name) or re.search(r"\.[a-z0-9]{1,8}$", name))


def _catalogue(con: duckdb.DuckDBPyConnection) -> tuple[set[str], set[str], set[str]]:
    """The warehouse's own table macros, its tables and views, and the system views (refused unless allowed)."""
    relations = {
        r[0].lower()
        for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT internal"
            " UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    }
    macros = {
        r[0].lower()
        for r in con.execute(
            "SELECT function_name FROM duckdb_functions() WHERE function_type = 'table_macro' AND NOT internal"
        ).fetchall()
    }
    system_views = {r[0].lower() for r in con.execute("SELECT view_name FROM duckdb_views() WHERE internal").fetchall()}
    return macros, relations, system_views


def check(sql: str, con: duckdb.DuckDBPyConnection) -> str:
    """The one statement of ``sql`` if it may run, else :class:`QueryError` with the reason in Chinese.

    ``con`` is the connection the statement would run on; it is used to parse, never to run ``sql``.
    """
    try:
        statements = con.extract_statements(sql)
    except duckdb.Error as error:
        raise explain(error) from None
    if not statements:
        raise QueryError("empty", "没有可执行的语句：请输入一条 SELECT 查询。")
    if len(statements) > 1:
        raise _refused(
            f"一次只能执行一条语句，这里有 {len(statements)} 条（以分号分隔）。请删去多余的语句，或把它们分开执行。"
        )
    statement = statements[0]
    kind = statement.type.name
    if kind != "SELECT":
        what = STATEMENT_NAMES.get(kind, kind)
        hint = "如需调用表函数，请写成 SELECT * FROM 函数名(…)。" if kind == "CALL" else ""
        raise _refused(f"这里只能查询（SELECT），不能执行 {what}。只读查询不会修改或导出数仓。{hint}")
    serialized = json.loads(con.execute("SELECT json_serialize_sql($sql)", {"sql": statement.query}).fetchone()[0])
    if serialized.get("error"):
        raise _refused(f"无法分析这条语句（{serialized.get('error_message', '')}）。")
    names = _Names(set(), set(), set(), set())
    _walk(serialized.get("statements", []), names)
    macros, relations, system_views = _catalogue(con)
    for name in sorted(names.functions | names.table_functions):
        if name in FILE_FUNCTIONS:
            raise _refused(f"函数 {name} 会读取文件；这里只能查询数仓中的表。")
        if name in SYSTEM_FUNCTIONS or (name.startswith(REFUSED_PREFIXES) and name not in ALLOWED_TABLE_FUNCTIONS):
            raise _refused(f"函数 {name} 会读取或改变系统设置、文件或日志，这里不允许使用。")
    for name in sorted(names.table_functions):
        if name not in ALLOWED_TABLE_FUNCTIONS and name not in macros:
            raise _refused(
                f"表函数 {name} 不在允许范围内。可用的有数仓的指标宏（如 community_metrics）和 range、unnest 等。"
            )
    for name in sorted(names.tables):
        if name in system_views and name not in ALLOWED_SYSTEM_VIEWS:
            raise _refused(f"系统视图 {name} 会显示设置或文件路径，这里不允许使用。")
        if _file_like(name):
            raise _refused(f"「{name}」是文件名；这里只能查询数仓中的表，不能读取文件。")
    for show_type, name in sorted(names.shows):
        if show_type == "SHOW_SPECIAL" and name not in SHOW_SPECIALS:
            raise _refused(f"SHOW {name.strip(chr(34))} 会显示数据库文件等信息；请用 SHOW TABLES 或 DESCRIBE 表名。")
        # SHOW <name> describes a table, or shows a setting when no table has that name.
        if show_type == "SHOW" and name not in relations:
            raise _refused("SHOW 只能用于数仓中的表（SHOW 表名 或 DESCRIBE 表名），不能查看设置。")
    return statement.query


# Errors in Chinese --------------------------------------------------------------------------------


def _line(detail: str) -> str:
    match = re.search(r"LINE (\d+):", detail)
    return f"（第 {match.group(1)} 行）" if match else ""


def _quoted(detail: str, pattern: str) -> str | None:
    match = re.search(pattern, detail)
    return match.group(1) if match else None


def explain(error: duckdb.Error) -> QueryError:
    """A DuckDB error as a :class:`QueryError`: what kind of problem, where, in Chinese; DuckDB's text below."""
    detail = str(error).strip()
    where = _line(detail)
    if isinstance(error, duckdb.ParserException):
        near = _quoted(detail, r'at or near "([^"]*)"')
        at = f"，在「{near}」附近" if near else ""
        return QueryError("syntax", f"SQL 语法错误{where}{at}：请检查拼写、逗号、括号和引号。", detail)
    if isinstance(error, duckdb.InterruptException):
        return QueryError("timeout", "查询被中止。", detail)
    if isinstance(error, duckdb.OutOfMemoryException):
        return QueryError("memory", "查询所需内存超过上限，已中止。请缩小范围或先聚合再查。", detail)
    if isinstance(error, duckdb.PermissionException) or "read-only mode" in detail:
        return QueryError("refused", "不允许执行：这里只能读取数仓，不能写入、读取文件或更改设置。", detail)
    column = _quoted(detail, r'Referenced column "([^"]+)" not found') or _quoted(
        detail, r'column "?([^"\s]+)"? not found'
    )
    if column:
        return QueryError("column", f"列不存在{where}：「{column}」。请检查列名（DESCRIBE 表名 可列出各列）。", detail)
    table = _quoted(detail, r"Table with name (\S+) does not exist")
    if table:
        return QueryError("table", f"表不存在{where}：「{table}」。可用的表和视图见「表浏览」或 SHOW TABLES。", detail)
    function = _quoted(detail, r"Function with name (\S+) does not exist")
    if function:
        return QueryError("function", f"函数不存在{where}：「{function}」。", detail)
    if "must appear in the GROUP BY clause" in detail or "GROUP BY" in detail and "aggregate" in detail:
        column = _quoted(detail, r'column "?([^"\s]+)"? must appear') or ""
        return QueryError(
            "group", f"分组错误{where}：列「{column}」要么写进 GROUP BY，要么放进 count、sum 等聚合函数。", detail
        )
    if isinstance(error, duckdb.ConversionException) or re.search(
        r"No function matches|Could not choose a best candidate|Cannot compare|Cannot mix|Could not convert|type mismatch|Cannot cast",
        detail,
    ):
        return QueryError(
            "type", f"类型不匹配{where}：例如把文字和数字比较、或日期写法不对（日期写作 DATE '2024-01-31'）。", detail
        )
    if "Ambiguous reference" in detail:
        return QueryError("column", f"列名不明确{where}：几个表都有这一列，请写成 表别名.列名。", detail)
    return QueryError("failed", f"查询失败{where}。", detail)
