"""The SQL guard against hostile statements, on the demo warehouse: each is refused (by the check on the
app's own connection, and through the worker), legitimate queries (the metric macros included) work
in the worker, and the warehouse file never changes."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from streetdash import sqlguard, sqlworker
from streetdash.access import Scope
from streetdash.db import connect_readonly
from streetdash.sqlguard import QueryError

ROOT = Path(__file__).resolve().parents[2]

# Statements that must never run, whatever their case, comments or quoting.
HOSTILE = [
    # Not a query
    "COPY tasks TO '/tmp/streetdash-leak.csv'",
    "copy (SELECT * FROM tasks) to '/tmp/streetdash-leak.parquet' (FORMAT parquet)",
    "COPY tasks FROM '/etc/passwd'",
    "ATTACH '/tmp/streetdash-other.duckdb' AS other",
    "attach ':memory:' as m",
    "DETACH demo",
    "INSTALL spatial",
    "LOAD spatial",
    "install httpfs from community",
    "SET threads = 1",
    "set enable_external_access = true",
    "RESET lock_configuration",
    "SET VARIABLE secret = 1",
    "USE system",
    "PRAGMA version",
    "pragma enable_profiling",
    "PRAGMA database_list",
    "CREATE TABLE x AS SELECT 1",
    "CREATE TEMP TABLE x AS SELECT * FROM tasks",
    "CREATE OR REPLACE VIEW stg_tasks AS SELECT 1",
    "create macro community_metrics(a, b) as table select 1",
    "INSERT INTO tasks (task_id) VALUES ('X')",
    "UPDATE tasks SET status = '已办结'",
    "DELETE FROM tasks",
    "DROP TABLE tasks",
    "drop view stg_tasks",
    "ALTER TABLE tasks ADD COLUMN x INT",
    "EXPORT DATABASE '/tmp/streetdash-export'",
    "IMPORT DATABASE '/tmp/streetdash-export'",
    "CALL pragma_version()",
    "CALL community_metrics(DATE '2022-01-01', DATE '2022-12-31')",
    "CHECKPOINT",
    "VACUUM",
    "BEGIN TRANSACTION",
    "EXPLAIN ANALYZE SELECT * FROM tasks",
    "PREPARE p AS SELECT 1",
    "PIVOT stg_tasks ON category USING count(*)",
    # More than one statement
    "SELECT 1; DROP TABLE tasks",
    "SELECT 1;DROP TABLE tasks;",
    "SELECT ';'; DELETE FROM tasks",
    "SELECT 1 /* harmless */; COPY tasks TO '/tmp/x.csv'",
    "SELECT 1 -- first\n; ATTACH '/tmp/x.duckdb'",
    "/* ; */ SELECT 1; /* ; */ SET threads = 1",
    "SELECT 1;\n\nINSTALL spatial",
    # Files, in every disguise
    "SELECT * FROM read_csv('/etc/passwd')",
    "select * from READ_CSV_AUTO('/etc/passwd')",
    "SELECT * FROM \"read_csv\"('/etc/passwd')",
    "SELECT * FROM main.read_csv('/etc/passwd')",
    "SELECT * FROM read_parquet('/tmp/x.parquet')",
    "SELECT * FROM read_json('/tmp/x.json')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM read_blob('/etc/passwd')",
    "SELECT * FROM glob('/etc/*')",
    "SELECT * FROM sniff_csv('/etc/passwd')",
    "SELECT * FROM parquet_metadata('/tmp/x.parquet')",
    "SELECT * FROM '/etc/passwd'",
    "SELECT * FROM 'data.csv'",
    "FROM '/etc/hosts'",
    'SELECT * FROM "/etc/passwd"',
    "SUMMARIZE '/etc/passwd'",
    "WITH leak AS (SELECT * FROM read_csv('/etc/passwd')) SELECT * FROM leak",
    "SELECT * FROM tasks WHERE task_id IN (SELECT * FROM read_csv('/etc/passwd'))",
    "SELECT * FROM tasks t, LATERAL (SELECT * FROM read_csv(t.source_file)) x",
    "SELECT * FROM tasks t, LATERAL read_text(t.source_file)",
    "SELECT (SELECT count(*) FROM glob('/*'))",
    "SELECT * FROM (SELECT * FROM (SELECT * FROM read_json_auto('/tmp/x.json')))",
    # Settings, paths, environment, other SQL
    "SELECT current_setting('home_directory')",
    "select CURRENT_SETTING('temp_directory')",
    "SELECT getenv('HOME')",
    "SELECT getvariable('x')",
    "SELECT * FROM duckdb_settings()",
    "SELECT * FROM duckdb_extensions()",
    "SELECT * FROM duckdb_databases()",
    "SELECT * FROM duckdb_secrets()",
    "SELECT * FROM duckdb_temporary_files()",
    "SELECT * FROM duckdb_memory()",
    "SELECT * FROM duckdb_logs",
    "SELECT * FROM duckdb_databases",
    "SELECT * FROM system.main.duckdb_databases",
    "SELECT * FROM pg_settings",
    "SELECT * FROM pg_catalog.pg_settings",
    "SELECT * FROM pragma_database_list",
    "SELECT * FROM pragma_version()",
    "SELECT * FROM pragma_database_size()",
    "SELECT * FROM query('SELECT * FROM read_csv(''/etc/passwd'')')",
    "SELECT * FROM query_table('tasks')",
    "SELECT json_execute_serialized_sql('{}')",
    "SELECT * FROM which_secret('s3://x', 's3')",
    "SELECT * FROM checkpoint()",
    "SELECT write_log('x')",
    "SHOW databases",
    "SHOW memory_limit",
    "SHOW home_directory",
    "WITH pg_settings AS (SELECT 1) SELECT * FROM pg_settings",
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def db(demo):
    return demo[0]


@pytest.fixture(scope="module")
def unchanged(db):
    """The warehouse file and its folder before the module's statements; checked after them."""
    before = sha256(db), sorted(p.name for p in db.parent.iterdir())
    yield
    assert (sha256(db), sorted(p.name for p in db.parent.iterdir())) == before


@pytest.fixture(scope="module")
def con(db):
    connection = connect_readonly(db)
    yield connection
    connection.close()


@pytest.mark.parametrize("sql", HOSTILE)
def test_hostile_statement_is_refused(con, unchanged, sql):
    with pytest.raises(QueryError) as caught:
        sqlguard.check(sql, con)
    assert caught.value.kind == "refused", str(caught.value)
    assert caught.value.message.startswith("不允许执行：")


@pytest.mark.parametrize("scope", [Scope.everything(), Scope(("崇文街道",), ("崇北社区",))], ids=["all", "scoped"])
def test_hostile_statements_are_refused_by_the_worker_too(db, unchanged, scope):
    for sql in HOSTILE[::7]:
        with pytest.raises(QueryError) as caught:
            sqlworker.run(sql, db, scope=scope, timeout=10)
        assert caught.value.kind == "refused", (sql, str(caught.value))


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 /* ; DROP TABLE tasks */",
        "SELECT ';DROP TABLE tasks' AS text",
        "SELECT 1 -- ; DROP TABLE tasks",
        'SELECT 1 AS "read_csv"',
        "SELECT 'read_csv(''/etc/passwd'')' AS text",
        "SELECT 1;",
        ";;SELECT 1;;",
    ],
)
def test_what_only_looks_like_a_second_statement_runs(db, unchanged, sql):
    assert len(sqlworker.run(sql, db).frame) == 1


def test_the_connection_alone_refuses_what_the_checks_would(db, unchanged):
    """The last line of defence: on the app's connection (the one configuration, which the worker's
    starts from), without any parse check."""
    con = connect_readonly(db)
    try:
        for sql in [
            "SET enable_external_access = true",
            "SET threads = 1",
            "RESET lock_configuration",
            "SELECT * FROM read_csv('/etc/passwd')",
            "SELECT * FROM read_text('/etc/passwd')",
            "SELECT * FROM glob('/etc/*')",
            "SELECT * FROM '/etc/passwd'",
            "ATTACH '/tmp/streetdash-other.duckdb' AS other",
            "COPY tasks TO '/tmp/streetdash-leak.csv'",
            "EXPORT DATABASE '/tmp/streetdash-export'",
            "INSTALL spatial",
            "LOAD spatial",
            "CREATE TABLE x AS SELECT 1",
            "DROP TABLE tasks",
            "UPDATE tasks SET status = '已办结'",
            "CREATE OR REPLACE VIEW stg_tasks AS SELECT 1",
        ]:
            with pytest.raises(duckdb.Error):
                con.execute(sql).fetchall()
        python_frame = con  # noqa: F841 -- a Python variable must not be readable as a table
        with pytest.raises(duckdb.CatalogException):
            con.execute("SELECT * FROM python_frame").fetchall()
    finally:
        con.close()
    assert not Path("/tmp/streetdash-leak.csv").exists()
    assert not Path("/tmp/streetdash-other.duckdb").exists()


def test_a_runaway_cross_join_is_interrupted_within_the_limit(db, unchanged):
    sql = "SELECT sum(a.range * b.range) FROM range(1000000) a CROSS JOIN range(1000000) b"
    started = time.monotonic()
    with pytest.raises(QueryError) as caught:
        sqlworker.run(sql, db, timeout=2)
    assert caught.value.kind == "timeout" and "2 秒" in caught.value.message
    assert time.monotonic() - started < 4
    # The warehouse answers the next question at once.
    assert sqlworker.run("SELECT count(*) AS n FROM tasks", db).frame["n"][0] > 0


def test_a_cross_join_of_a_million_rows_with_itself_is_cut_at_the_row_limit(db, unchanged):
    sql = "SELECT a.range AS a, b.range AS b FROM range(1000000) a CROSS JOIN range(1000000) b"
    started = time.monotonic()
    result = sqlworker.run(sql, db, row_limit=1000, timeout=5)
    assert result.truncated and len(result.frame) == 1000
    assert "1,000 行" in result.notice
    assert time.monotonic() - started < 5


def test_a_result_within_the_limit_is_whole(db, unchanged):
    result = sqlworker.run("SELECT * FROM range(2500)", db, row_limit=2500)
    assert not result.truncated and len(result.frame) == 2500 and result.notice is None
    result = sqlworker.run("SELECT * FROM range(2501)", db, row_limit=2500)
    assert result.truncated and len(result.frame) == 2500


def test_the_metric_macros_give_the_metrics_layer_numbers(db, unchanged):
    from streetdash import metrics

    sql = """
        -- tasks of 崇北社区 in 2022, as METRICS.md calibrates them
        SELECT tasks_published, tasks_claims, tasks_closed, tasks_closure_rate
        FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31') WHERE community = '崇北社区'
    """
    row = sqlworker.run(sql, db).frame.iloc[0]
    assert (row.tasks_published, row.tasks_claims, row.tasks_closed) == (61, 508, 50)
    with connect_readonly(db) as con:
        expected = metrics.community_metrics(con, "2022-01-01", "2022-12-31", "崇文街道")
    got = sqlworker.run(
        "SELECT * FROM community_metrics('2022-01-01', '2022-12-31') WHERE street = '崇文街道'", db
    ).frame
    assert got["tasks_closure_rate"].tolist() == expected["tasks_closure_rate"].tolist()


@pytest.mark.parametrize(
    "sql",
    [
        "SHOW TABLES",
        "DESCRIBE stg_tasks",
        "SUMMARIZE stg_points",
        "FROM dim_communities",
        "SELECT * FROM street_monthly(DATE '2024-01-01', DATE '2024-06-30')",
        "SELECT * FROM selection_metrics(DATE '2024-01-01', DATE '2024-06-30', ['古桥社区'])",
        "SELECT * FROM duckdb_columns() WHERE table_name = 'tasks'",
        "SELECT * FROM information_schema.columns WHERE table_name = 'tasks'",
        "PIVOT stg_tasks ON status IN ('已办结', '办理中') USING count(*) GROUP BY community",
        "SELECT unnest([1, 2, 3]) AS n",
        "WITH t AS (SELECT * FROM stg_tasks) SELECT category, count(*) FROM t GROUP BY ALL",
        "SELECT person_key, person_masked FROM stg_points LIMIT 5",
    ],
)
def test_ordinary_questions_run(db, unchanged, sql):
    assert not sqlworker.run(sql, db).frame.empty


@pytest.mark.parametrize(
    "sql, kind, words",
    [
        ("SELEC * FROM tasks", "syntax", ["语法错误", "SELEC"]),
        ("SELECT * FROM tasks WHERE", "syntax", ["语法错误"]),
        ("SELECT nope FROM tasks", "column", ["列不存在", "nope"]),
        ("SELECT * FROM nope", "table", ["表不存在", "nope"]),
        ("SELECT nofunc(1)", "function", ["函数不存在", "nofunc"]),
        ("SELECT community_id, count(*) FROM tasks", "group", ["GROUP BY", "community_id"]),
        ("SELECT * FROM tasks WHERE published_at > 'yesterday-ish'", "type", ["类型不匹配"]),
        ("SELECT 'a' + 1", "type", ["类型不匹配"]),
        ("", "empty", ["没有可执行的语句"]),
        ("-- just a comment", "empty", ["没有可执行的语句"]),
    ],
)
def test_errors_say_what_and_where_in_chinese_with_duckdbs_message(db, sql, kind, words):
    with pytest.raises(QueryError) as caught:
        sqlworker.run(sql, db)
    error = caught.value
    assert error.kind == kind, str(error)
    assert all(w in error.message for w in words), error.message
    if kind != "empty":
        assert error.detail and "Error" in error.detail  # DuckDB's own message, below the sentence


def test_a_missing_warehouse_is_a_sentence(tmp_path):
    with pytest.raises(QueryError) as caught:
        sqlworker.run("SELECT 1", tmp_path / "none.duckdb")
    assert "数仓文件不存在" in caught.value.message


def test_no_personal_information_in_any_table(db, unchanged):
    """Person columns hold keys and masked names only: no full name of the demo ledgers appears."""
    frame = sqlworker.run(
        "SELECT table_name, column_name, data_type FROM duckdb_columns()"
        " WHERE NOT internal AND column_name LIKE '%masked%'",
        db,
    ).frame
    assert len(frame) >= 4
    for table, column, data_type in frame.itertuples(index=False):
        value = f'unnest("{column}")' if data_type.endswith("[]") else f'"{column}"'
        values = sqlworker.run(f'SELECT DISTINCT {value} AS v FROM "{table}"', db).frame
        names = [v for v in values["v"].dropna() if v]
        assert names and all("*" in v for v in names), (table, column, names[:5])


# The command line --------------------------------------------------------------------------------


def cli(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", "query", "--db", str(db), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_cli_prints_csv(db, unchanged):
    done = cli(
        db,
        "SELECT community, tasks_published FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')"
        " WHERE community = '崇北社区'",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "community,tasks_published\n崇北社区,61\n"
    assert done.stderr == ""


def test_cli_reads_standard_input_and_says_when_rows_were_cut(db, unchanged):
    done = cli(db, "-", "--max-rows", "3", stdin="SELECT range AS n FROM range(10)")
    assert done.returncode == 0
    assert done.stdout.splitlines() == ["n", "0", "1", "2"]
    assert "只显示前 3 行" in done.stderr


@pytest.mark.parametrize(
    "sql, words",
    [
        ("DROP TABLE tasks", "不允许执行"),
        ("SELECT 1; SELECT 2", "一次只能执行一条语句"),
        ("SELECT * FROM read_csv('/etc/passwd')", "read_csv 会读取文件"),
        ("SELECT nope FROM tasks", "列不存在"),
    ],
)
def test_cli_refusals_and_failures_exit_1_with_the_chinese_message(db, unchanged, sql, words):
    done = cli(db, sql)
    assert done.returncode == 1
    assert done.stdout == ""
    assert words in done.stderr


def test_cli_timeout(db, unchanged):
    done = cli(
        db, "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = 7", "--timeout", "1"
    )
    assert done.returncode == 1 and "已中止" in done.stderr
