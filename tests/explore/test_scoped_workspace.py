"""The scoped workspace on the demo warehouse: whatever SQL a user limited to 崇北社区 (or to 崇文街道)
writes — base tables, staging views, marts, every metric macro with no filter, joins, UNION, the
catalogue, the warehouse under any name — no row of another community comes back; the counts are
the scope's counts in the real warehouse; and the scoped database has every table, view and macro."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from streetdash import scoped, sqlworker
from streetdash.access import Scope
from streetdash.db import CONNECTION_CONFIG, connect_readonly
from streetdash.sqlguard import QueryError

CHONGBEI = Scope(("崇文街道",), ("崇北社区",))
CHONGWEN = Scope(("崇文街道",), None)
WIDE = "DATE '2000-01-01', DATE '2030-12-31'"
# How a macro parameter is filled when it is called "with no filter": the widest period, every
# community of the warehouse where it takes a list (to try to reach the others), no grouping flag.
ARGUMENTS = {
    "start_date": "DATE '2000-01-01'",
    "end_date": "DATE '2030-12-31'",
    "by_month": "false",
    # scope_with_communities / metrics_grouped_sets: a period before as well, every street, and each
    # community beside its group, so that every part of their answer is tried.
    "prev_start": "DATE '1990-01-01'",
    "prev_end": "DATE '1999-12-31'",
    "street": "NULL",
    "within_street": "NULL",
    "with_communities": "true",
}


@pytest.fixture(scope="module")
def db(demo):
    return demo[0]


@pytest.fixture(scope="module")
def warehouse(db):
    con = connect_readonly(db)
    yield con
    con.close()


class Truth:
    """What a scope may see, from the real warehouse: its communities, streets, grids and tasks, and
    the number of rows of each table and view that are its own."""

    def __init__(self, con, scope: Scope):
        rows = con.execute("SELECT community_id, name, street FROM communities").fetchall()
        kept = [r for r in rows if scope.allows(r[2], r[1])]
        self.ids = {r[0] for r in kept}
        self.names = {r[1] for r in kept}
        self.streets = {r[2] for r in kept}
        self.all_names = sorted(r[1] for r in rows)
        ids = sorted(self.ids)
        self.grids = {
            r[0]
            for r in con.execute(
                "SELECT grid_id FROM grids WHERE list_contains($i, community_id)", {"i": ids}
            ).fetchall()
        }
        self.tasks = {
            r[0]
            for r in con.execute(
                "SELECT task_id FROM tasks WHERE list_contains($i, community_id)", {"i": ids}
            ).fetchall()
        }
        self.everything = scope.is_everything
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
        views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
        self.counts = {name: self._count(con, name, ids) for name in tables + views}

    def _count(self, con, name: str, ids: list[str]) -> int:
        columns = {r[0] for r in con.execute(f'DESCRIBE "{name}"').fetchall()}
        if self.everything or name == "data_as_of":  # the day the data ends, which every page shows
            where = "true"
        elif name.startswith(("months_", "periods_")):  # figures of the whole warehouse, stored by the load: none
            where = "false"
        elif name == "rollup_street_residents":  # remade in the copy: each resident once per street in scope
            return con.execute(
                "SELECT count(DISTINCT (c.street, r.person_key)) FROM rollup_residents r"
                " JOIN communities c USING (community_id)"
                " WHERE list_contains($i, r.community_id) AND r.person_key IS NOT NULL",
                {"i": ids},
            ).fetchone()[0]
        elif "street" in columns and "community_id" not in columns:  # a street's settings; the shared ones
            where = "street IS NULL OR list_contains($s, street)"
        elif "community_id" in columns:
            where = "list_contains($i, community_id)"
        elif name in ("task_claims", "task_grid_matches"):  # through the task
            where = "task_id IN (SELECT task_id FROM tasks WHERE list_contains($i, community_id))"
        elif name == "grid_boundaries":  # through the grid
            where = "grid_id IN (SELECT grid_id FROM grids WHERE list_contains($i, community_id))"
        elif name == "grid_overlaps":  # both grids
            grids = "(SELECT grid_id FROM grids WHERE list_contains($i, community_id))"
            where = f"grid_id_a IN {grids} AND grid_id_b IN {grids}"
        else:  # load_log, rejected_rows: nobody's community
            where = "false"
        params = {"i": ids} if "$i" in where else {"s": sorted(self.streets)} if "$s" in where else {}
        return con.execute(f'SELECT count(*) FROM "{name}" WHERE {where}', params).fetchone()[0]

    def outside(self, frame: pd.DataFrame) -> dict[str, set]:
        """Values of ``frame`` that belong to another community (none, if scoping works)."""
        if self.everything:
            return {}
        allowed = {
            "community_id": self.ids,
            "community": self.names,
            "社区": self.names,
            "street": self.streets,
            "街道": self.streets,
            "grid_id": self.grids,
            "grid_id_a": self.grids,
            "grid_id_b": self.grids,
            "task_id": self.tasks,
        }
        found = {}
        for column in frame.columns:
            if column in allowed:
                values = {v for v in frame[column].dropna()} - allowed[column]
                if values:
                    found[column] = values
        return found


def macro_calls(con, truth: Truth) -> dict[str, str]:
    """Every table macro of the warehouse called with no filter (the widest period, all communities)."""
    calls = {}
    everyone = "[" + ", ".join(f"'{n}'" for n in truth.all_names) + "]"
    for name, parameters in con.execute(
        "SELECT function_name, parameters FROM duckdb_functions() WHERE function_type = 'table_macro' AND NOT internal"
    ).fetchall():
        args = []
        for p in parameters:
            if p in ARGUMENTS:
                args.append(ARGUMENTS[p])
            elif p in ("communities", "selection"):
                args.append(everyone)
            else:
                args.append("false")
        calls[name] = f"SELECT * FROM {name}({', '.join(args)})"
    return calls


def counts_query(names: list[str]) -> str:
    """One statement: how many rows each relation has."""
    parts = []
    for name in names:
        parts.append(f"SELECT '{name}' AS relation, count(*) AS n FROM \"{name}\"")
    return " UNION ALL ".join(parts)


def attempts(con, truth: Truth, full: bool) -> dict[str, str]:
    """The statements to try: for the community scope all of them, for the others the essentials."""
    tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT internal").fetchall()]
    views = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()]
    macros = {f"macro {name} with no filter": sql for name, sql in macro_calls(con, truth).items()}
    out = {
        "every base table, counted": counts_query(tables),
        "every view (stg_*, marts), counted": counts_query(views),
        "communities joined to everything": (
            "SELECT c.community_id, c.name, c.street, count(t.task_id) AS n FROM communities c"
            " LEFT JOIN tasks t USING (community_id) LEFT JOIN grids g USING (community_id) GROUP BY ALL"
        ),
    }
    if not full:
        essential = ("community_metrics", "street_metrics", "selection_metrics")
        return {**out, **{f"macro {m} with no filter": macros[f"macro {m} with no filter"] for m in essential}}
    return {
        **out,
        **macros,
        "base table tasks": "SELECT * FROM tasks",
        "staging view stg_tasks": "SELECT * FROM stg_tasks",
        "mart dim_communities": "SELECT * FROM dim_communities",
        "mart fct_tasks": "SELECT task_id, community_id, community, street, grid_id FROM fct_tasks",
        "UNION of every community column": (
            "SELECT community_id FROM tasks UNION SELECT community_id FROM grids UNION SELECT community_id"
            " FROM mediation_cases UNION SELECT community_id FROM points UNION SELECT community_id FROM communities"
        ),
        "cross join of communities with grids": "SELECT c.community_id, g.grid_id FROM communities c CROSS JOIN grids g",
        "other communities asked for by name": "SELECT * FROM stg_tasks WHERE community <> '崇北社区' OR street <> '崇文街道'",
        "a scalar subquery counting all tasks": (
            "SELECT (SELECT count(*) FROM tasks) AS n, (SELECT count(*) FROM task_claims) AS claims"
        ),
        "claims through their task": "SELECT c.*, t.community_id FROM task_claims c LEFT JOIN tasks t USING (task_id)",
        "stg_task_claims": "SELECT * FROM stg_task_claims",
        "grid boundaries": "SELECT grid_id, octet_length(geometry) AS bytes FROM grid_boundaries",
        "grid overlaps": "SELECT * FROM grid_overlaps",
        "grid checks": "SELECT * FROM grid_checks",
        "task matches": "SELECT * FROM task_grid_matches",
        "load log and rejected rows": (
            "SELECT (SELECT count(*) FROM load_log) AS log, (SELECT count(*) FROM rejected_rows) AS rejected"
        ),
        "SUMMARIZE tasks": "SUMMARIZE tasks",
        "duckdb_tables row estimates": "SELECT table_name, estimated_size FROM duckdb_tables() ORDER BY table_name",
        "information_schema tables": "SELECT table_catalog, table_schema, table_name FROM information_schema.tables",
        "the attached warehouse by its alias": "SELECT * FROM scope_source.tasks",
        "the attached warehouse by its file name": "SELECT * FROM warehouse.main.tasks",
        "duckdb_databases (function)": "SELECT * FROM duckdb_databases()",
        "duckdb_databases (view)": "SELECT * FROM duckdb_databases",
        "the person-key macro": "SELECT person_key('张三') AS k",
        "every macro the copy has": "SELECT function_name FROM duckdb_functions() WHERE NOT internal",
    }


def run_all(db, warehouse, scope: Scope, full: bool) -> tuple[Truth, dict[str, pd.DataFrame | QueryError]]:
    truth = Truth(warehouse, scope)
    asked = attempts(warehouse, truth, full)
    limits = sqlworker.Limits.from_settings(timeout=60, per_user=3, total=3)

    def one(sql: str):
        try:
            return sqlworker.run(sql, db, scope=scope, user="scope-test", limits=limits).frame
        except QueryError as error:
            return error

    with ThreadPoolExecutor(3) as pool:
        answers = dict(zip(asked, pool.map(one, asked.values()), strict=True))
    return truth, answers


@pytest.fixture(scope="module")
def chongbei(db, warehouse):
    return run_all(db, warehouse, CHONGBEI, full=True)


@pytest.fixture(scope="module")
def chongwen(db, warehouse):
    return run_all(db, warehouse, CHONGWEN, full=False)


@pytest.fixture(scope="module")
def everything(db, warehouse):
    return run_all(db, warehouse, Scope.everything(), full=False)


def frame(answers, name) -> pd.DataFrame:
    answer = answers[name]
    assert isinstance(answer, pd.DataFrame), f"{name}: {answer}"
    return answer


def test_there_are_enough_attempts(chongbei):
    _, answers = chongbei
    assert len(answers) >= 40


def test_no_answer_holds_a_row_of_another_community(chongbei, chongwen):
    for truth, answers in (chongbei, chongwen):
        for name, answer in answers.items():
            if isinstance(answer, pd.DataFrame):
                assert truth.outside(answer) == {}, name


def test_every_table_and_view_has_exactly_the_scopes_rows(chongbei, chongwen, everything):
    for truth, answers in (chongbei, chongwen, everything):
        for name in ("every base table, counted", "every view (stg_*, marts), counted"):
            got = dict(frame(answers, name).itertuples(index=False))
            assert got == {k: truth.counts[k] for k in got}, name
    truth, _ = chongbei
    assert truth.counts["tasks"] == 311 and truth.counts["task_claims"] == 1266  # 崇北社区 in the demo
    assert truth.counts["load_log"] == 0 and everything[0].counts["load_log"] > 0


def test_tables_views_and_marts_by_content(chongbei):
    truth, answers = chongbei
    assert len(frame(answers, "base table tasks")) == truth.counts["tasks"]
    assert set(frame(answers, "staging view stg_tasks")["community"]) == {"崇北社区"}
    assert frame(answers, "mart dim_communities")["community"].tolist() == ["崇北社区"]
    assert set(frame(answers, "mart fct_tasks")["task_id"]) == truth.tasks
    joined = frame(answers, "communities joined to everything")
    assert joined["name"].tolist() == ["崇北社区"]


def test_every_macro_with_no_filter_gives_only_the_scope(chongbei, warehouse):
    truth, answers = chongbei
    macros = [n for n in answers if n.startswith("macro ")]
    assert len(macros) >= 15
    for name in macros:
        assert isinstance(answers[name], pd.DataFrame), (name, answers[name])
    # The scope's numbers are the warehouse's numbers for that community, unchanged.
    mine = frame(answers, "macro community_metrics with no filter")
    real = warehouse.execute(f"SELECT * FROM community_metrics({WIDE}) WHERE community = '崇北社区'").df()
    assert mine["community"].tolist() == ["崇北社区"]
    pd.testing.assert_frame_equal(mine.reset_index(drop=True), real.reset_index(drop=True), check_dtype=False)
    street = frame(answers, "macro street_metrics with no filter")
    assert street["street"].tolist() == ["崇文街道"]
    assert street["tasks_published"].tolist() == real["tasks_published"].tolist()  # the street is 崇北社区 alone
    selection = frame(answers, "macro selection_metrics with no filter")
    assert selection["tasks_published"].tolist() == real["tasks_published"].tolist()  # asked for all, got one
    grids = frame(answers, "macro grid_metrics with no filter")
    assert set(grids["grid_id"]) == truth.grids


def test_joins_unions_and_subqueries_see_only_the_scope(chongbei):
    truth, answers = chongbei
    assert set(frame(answers, "UNION of every community column")["community_id"]) == truth.ids
    assert len(frame(answers, "cross join of communities with grids")) == len(truth.grids)
    assert frame(answers, "other communities asked for by name").empty
    counted = frame(answers, "a scalar subquery counting all tasks").iloc[0]
    assert (counted["n"], counted["claims"]) == (truth.counts["tasks"], truth.counts["task_claims"])


def test_claims_grids_and_matches_follow_their_task_or_grid(chongbei):
    truth, answers = chongbei
    claims = frame(answers, "claims through their task")
    assert len(claims) == truth.counts["task_claims"] and set(claims["community_id"]) == truth.ids
    assert set(frame(answers, "stg_task_claims")["community"]) == {"崇北社区"}
    assert set(frame(answers, "grid boundaries")["grid_id"]) <= truth.grids
    assert len(frame(answers, "grid boundaries")) == truth.counts["grid_boundaries"] > 0
    assert len(frame(answers, "grid overlaps")) == truth.counts["grid_overlaps"]
    assert set(frame(answers, "grid checks")["community"]) <= {"崇北社区"}
    assert set(frame(answers, "task matches")["task_id"]) <= truth.tasks
    assert frame(answers, "load log and rejected rows").iloc[0].tolist() == [0, 0]


def test_the_catalogue_shows_the_scopes_sizes_and_no_other_database(chongbei):
    truth, answers = chongbei
    summary = frame(answers, "SUMMARIZE tasks")
    assert set(summary["count"]) == {truth.counts["tasks"]}
    sizes = dict(frame(answers, "duckdb_tables row estimates").itertuples(index=False))
    assert sizes["tasks"] == truth.counts["tasks"] and sizes["task_claims"] == truth.counts["task_claims"]
    catalogs = set(frame(answers, "information_schema tables")["table_catalog"])
    assert catalogs == {"memory"}  # the copy only: the warehouse is detached


def test_the_warehouse_cannot_be_reached_by_name(chongbei):
    _, answers = chongbei
    for name in ("the attached warehouse by its alias", "the attached warehouse by its file name"):
        assert isinstance(answers[name], QueryError) and answers[name].kind == "table", (name, answers[name])
    for name in ("duckdb_databases (function)", "duckdb_databases (view)"):
        assert isinstance(answers[name], QueryError) and answers[name].kind == "refused", (name, answers[name])


def test_no_person_key_macro_in_the_copy(chongbei, warehouse):
    _, answers = chongbei
    assert isinstance(answers["the person-key macro"], QueryError)
    assert answers["the person-key macro"].kind == "function"
    copied = set(frame(answers, "every macro the copy has")["function_name"])
    assert not copied & scoped.PII_MACROS
    real = {
        r[0] for r in warehouse.execute("SELECT function_name FROM duckdb_functions() WHERE NOT internal").fetchall()
    }
    assert copied == real and not real & scoped.PII_MACROS


def test_a_street_scope_sees_its_six_communities(chongwen):
    truth, answers = chongwen
    assert len(truth.names) == 6
    assert set(frame(answers, "macro community_metrics with no filter")["community"]) == truth.names
    assert frame(answers, "macro street_metrics with no filter")["street"].tolist() == ["崇文街道"]


def test_everything_sees_the_whole_warehouse(everything, warehouse):
    truth, answers = everything
    streets = frame(answers, "macro street_metrics with no filter")
    assert len(streets) == warehouse.execute("SELECT count(DISTINCT street) FROM communities").fetchone()[0]


def test_an_empty_scope_sees_nothing(db):
    result = sqlworker.run(
        "SELECT (SELECT count(*) FROM tasks) + (SELECT count(*) FROM communities) AS n", db, scope=Scope.nothing()
    )
    assert result.frame["n"][0] == 0


def test_the_copy_has_every_definition_and_its_cost(db, warehouse):
    """Built here, in the test process (an in-memory database attaching the file): the same tables,
    views and macros with the same columns and parameters as the warehouse; and how long it takes."""
    config = {**CONNECTION_CONFIG, "memory_limit": "1024MB", "threads": 2, "temp_directory": ""}
    seconds = []
    for _ in range(3):
        con, copy = scoped.connect(db, CHONGBEI, config)
        seconds.append(copy.seconds)
        try:
            columns = "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal ORDER BY ALL"
            functions = (
                "SELECT function_name, function_type, parameters FROM duckdb_functions()"
                " WHERE NOT internal AND function_type LIKE '%macro' ORDER BY ALL"
            )
            assert con.execute(columns).fetchall() == warehouse.execute(columns).fetchall()
            assert con.execute(functions).fetchall() == warehouse.execute(functions).fetchall()
            with pytest.raises(Exception, match="lock|locked"):
                con.execute("SET enable_external_access = true")
            with pytest.raises(Exception, match="disabled|Permission"):
                con.execute(f"ATTACH '{db}' AS again (READ_ONLY)")
        finally:
            con.close()
    assert copy.communities == ["141181001002"]
    assert copy.tables["tasks"] == ("community", 311) and copy.tables["load_log"] == ("empty", 0)
    assert copy.tables["data_as_of"] == ("whole", 1) and copy.tables["street_settings"][0] == "street"
    print(f"scoped copy of the demo warehouse: {min(seconds):.2f}–{max(seconds):.2f} s")
    assert min(seconds) < 2.0


def test_no_macro_of_the_models_has_default_parameters():
    """The copy rebuilds macros from duckdb_functions(), which does not keep a parameter's default
    (``x := 1``); a model that needs one would come back without it."""
    from streetdash.config import PROJ_ROOT

    for path in sorted((PROJ_ROOT / "etl" / "sql").rglob("*.sql")):
        text = path.read_text(encoding="utf-8")
        for line in text.splitlines():
            if "MACRO" in line.upper():
                assert ":=" not in line, f"{path.name}: {line}"


def test_dates_in_a_scoped_answer_are_dates(db):
    result = sqlworker.run("SELECT min(published_on) AS first FROM stg_tasks", db, scope=CHONGBEI)
    assert isinstance(result.frame["first"][0], dt.date)
