"""The 数据探索 workspace without Streamlit: the catalogue of tables, views and columns with Chinese
descriptions, filtered and paginated previews, and the SQL of the pivot builder.

Descriptions come from where each thing is defined: ledger columns from ``streetdash/schemas.toml``, metric
columns from ``metrics.toml``, everything else from ``columns.toml``; what is described nowhere is
listed with "—". The pivot builder reads its datasets and rates from ``pivot.toml``. Identifiers in
the SQL built here come only from the warehouse's own column lists; every value is a parameter.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from streetdash import metrics

COLUMNS_FILE = Path(__file__).with_name("columns.toml")
PIVOT_FILE = Path(__file__).with_name("pivot.toml")
MISSING = "—"
EMPTY_VALUE = "（空）"
TOTAL = "合计"
GEOMETRY_NAMES = ("geometry", "geom", "shape", "boundary")
METADATA = ("batch_id", "source_file", "source_sheet", "source_row")


# Display -----------------------------------------------------------------------------------------


def _looks_like_wkb(value: bytes) -> bool:
    """Well-known binary: a byte-order byte, then a geometry type 1–7 (plus 1000s for Z/M/ZM)."""
    if len(value) < 5 or value[0] not in (0, 1):
        return False
    kind = int.from_bytes(value[1:5], "little" if value[0] == 1 else "big") & 0x0FFFFFFF
    return kind % 1000 in range(1, 8) and kind < 4000


def _blob_label(column: str, value: bytes) -> str:
    geometry = any(n in column.lower() for n in GEOMETRY_NAMES) or _looks_like_wkb(value)
    kind = "几何" if geometry else "二进制"
    return f"〈{kind} {len(value):,} 字节〉"


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` ready to show or save: binary values (WKB geometry …) as a short placeholder such as
    〈几何 123 字节〉, and repeated column names made unique (a table cannot show two columns "n")."""
    out = frame.copy()
    seen: dict[str, int] = {}
    names = []
    for name in map(str, out.columns):
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    out.columns = names
    for name in names:
        column = out[name]
        if column.dtype == object and column.map(lambda v: isinstance(v, bytes | bytearray | memoryview)).any():
            out[name] = column.map(
                lambda v, n=name: _blob_label(n, bytes(v)) if isinstance(v, bytes | bytearray | memoryview) else v
            )
    return out


# Descriptions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Descriptions:
    common: dict[str, str]
    relations: dict[str, str]
    ledgers: dict[str, str]  # relation -> schemas.toml kind
    columns: dict[str, dict[str, str]]  # relation -> column -> description
    macros: dict[str, str]

    def relation(self, name: str) -> str:
        return self.relations.get(name, MISSING)

    def column(self, relation: str, column: str) -> str:
        """The description of ``relation.column``, or "—"."""
        own = self.columns.get(relation, {})
        if column in own:
            return own[column]
        ledger = _ledger_columns().get(self.ledgers.get(relation, ""), {})
        if column in ledger:
            return ledger[column]
        if column in self.common:
            return self.common[column]
        metric = metrics.by_column().get(column)
        if metric:
            return f"{metric.label}：{metric.definition}"
        return MISSING

    def label(self, relation: str, column: str) -> str:
        """The short Chinese name of a column (the part before "："), or the column name itself."""
        text = self.column(relation, column)
        return column if text == MISSING else text.split("：", 1)[0]


def _ledger_columns() -> dict[str, dict[str, str]]:
    """kind -> warehouse column -> description, from the ledger schemas (the template headers)."""
    from streetdash.schema import load_schemas

    out: dict[str, dict[str, str]] = {}
    for kind in load_schemas().ordered():
        columns: dict[str, str] = {}
        for f in kind.fields:
            note = f"（{f.unit}）" if f.unit else ""
            if f.type == "community":
                columns["community_id"] = f"{f.header}：社区编码"
            elif f.type == "person":
                columns[f"{f.name}_key"] = f"{f.header}（人员标识）：按身份证号或社区 + 姓名计算的不可逆标识"
                columns[f"{f.name}_masked"] = f"{f.header}（脱敏）：如 张*"
            elif f.type == "person_list":
                columns[f"{f.name}_keys"] = f"{f.header}（人员标识）：每人一个不可逆标识"
                columns[f"{f.name}_masked"] = f"{f.header}（脱敏）"
            elif f.is_pii:
                continue  # ID and phone numbers are never stored
            else:
                columns[f.name] = f"{f.header}{note}"
        out[kind.name] = columns
        out[kind.table] = columns
    return out


@cache
def descriptions(path: Path = COLUMNS_FILE) -> Descriptions:
    """The descriptions of ``columns.toml`` combined with the ledger schemas and the metric catalogue."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    relations = {name: entry.get("description", MISSING) for name, entry in raw.get("relations", {}).items()}
    ledgers = {name: entry["ledger"] for name, entry in raw.get("relations", {}).items() if "ledger" in entry}
    columns = {name: dict(entry.get("columns", {})) for name, entry in raw.get("relations", {}).items()}
    for name, entry in raw.get("relations", {}).items():  # a view built on another reuses its columns
        if "extends" in entry:
            columns[name] = {**columns[entry["extends"]], **columns[name]}
    from streetdash.schema import load_schemas

    for kind in load_schemas().ordered():  # the ledger tables themselves
        relations.setdefault(kind.table, f"{kind.title}（台账原表）")
        ledgers.setdefault(kind.table, kind.name)
    return Descriptions(dict(raw.get("common", {})), relations, ledgers, columns, dict(raw.get("macros", {})))


# The catalogue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str


@dataclass(frozen=True)
class Relation:
    name: str
    kind: str  # 表 | 视图
    description: str
    rows: int | None
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        """The column ``name``; ``KeyError`` if the relation has none (so no other name reaches SQL)."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} 没有列 {name}")


@dataclass(frozen=True)
class Macro:
    name: str
    kind: str  # 表宏 | 标量宏
    parameters: tuple[str, ...]
    description: str

    @property
    def signature(self) -> str:
        return f"{self.name}({', '.join(self.parameters)})"


# A scoped reader browses only relations with this column, and only their communities' rows of them.
SCOPE_COLUMN = "community_id"


def _scope_condition() -> str:
    return f"list_contains(CAST($scope_ids AS VARCHAR[]), {SCOPE_COLUMN})"


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def catalogue(
    con: duckdb.DuckDBPyConnection, with_rows: bool = True, community_ids: Sequence[str] | None = None
) -> list[Relation]:
    """Every table and view of the warehouse (tables first), with its columns, their Chinese
    descriptions ("—" where there is none yet) and, if ``with_rows``, its row count.

    ``community_ids`` (a scoped reader's communities) keeps only the relations with a ``community_id``
    column, counting their rows of those communities (see :func:`preview`); ``None`` lists everything.
    """
    text = descriptions()
    listing = con.execute(
        """
        SELECT c.table_name, t.table_type, c.column_name, c.data_type
        FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_catalog, table_schema, table_name)
        WHERE c.table_schema = 'main' AND c.table_catalog = current_database()
        ORDER BY t.table_type, c.table_name, c.ordinal_position
        """
    ).fetchall()
    grouped: dict[str, tuple[str, list[Column]]] = {}
    for table, table_type, column, data_type in listing:
        kind = "视图" if table_type == "VIEW" else "表"
        grouped.setdefault(table, (kind, []))[1].append(Column(column, data_type, text.column(table, column)))
    if community_ids is not None:
        grouped = {n: g for n, g in grouped.items() if any(c.name == SCOPE_COLUMN for c in g[1])}
    counts: dict[str, int] = {}
    if with_rows and grouped:
        where = "" if community_ids is None else f" WHERE {_scope_condition()}"
        union = " UNION ALL ".join(
            f"SELECT {i} AS i, count(*) AS n FROM {_quote(name)}{where}" for i, name in enumerate(grouped)
        )
        params = {} if community_ids is None else {"scope_ids": list(community_ids)}
        by_index = dict(con.execute(union, params).fetchall())
        counts = {name: int(by_index[i]) for i, name in enumerate(grouped)}
    return [
        Relation(name, kind, text.relation(name), counts.get(name), tuple(columns))
        for name, (kind, columns) in grouped.items()
    ]


def macros(con: duckdb.DuckDBPyConnection) -> list[Macro]:
    """The warehouse's own macros (metric macros, breakdowns, task rules), with their parameters."""
    rows = con.execute(
        """
        SELECT function_name, any_value(function_type), any_value(parameters)
        FROM duckdb_functions()
        WHERE NOT internal AND function_type IN ('table_macro', 'macro') AND schema_name = 'main'
        GROUP BY function_name ORDER BY function_name
        """
    ).fetchall()
    text = descriptions()
    out = [
        Macro(name, "表宏" if kind == "table_macro" else "标量宏", tuple(params or ()), text.macros.get(name, MISSING))
        for name, kind, params in rows
    ]
    order = list(text.macros)
    return sorted(out, key=lambda m: (order.index(m.name) if m.name in order else len(order), m.name))


# Example queries of the SQL tab: the metric macros first, since they are the numbers the pages show.
EXAMPLES: dict[str, str] = {
    "各社区 2022 年任务指标（指标宏）": """-- community_metrics(开始日期, 结束日期)：与页面上的数字同一口径
SELECT community AS 社区, tasks_published AS 发布任务数, tasks_closed AS 办结任务数,
       round(tasks_closure_rate * 100, 1) AS "办结率%"
FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')
WHERE street = '崇文街道'
ORDER BY tasks_closure_rate DESC""",
    "古桥社区 2024 年每月办结率（指标宏）": """SELECT strftime(month, '%Y-%m') AS 月份, tasks_published AS 发布, tasks_closed AS 办结,
       round(tasks_closure_rate * 100, 1) AS "办结率%"
FROM community_monthly(DATE '2024-01-01', DATE '2024-12-31')
WHERE community = '古桥社区'
ORDER BY month""",
    "各街道调解指标（指标宏）": """SELECT street AS 街道, mediation_cases AS 受理, mediation_success_rate AS 调解成功率,
       mediation_grid_rate AS 网格内化解率
FROM street_metrics(DATE '2024-01-01', DATE '2024-12-31')""",
    "任务按来源和类别（拆分宏）": """SELECT source AS 来源, category AS 类别, sum(tasks_published) AS 发布, sum(tasks_closed) AS 办结
FROM community_tasks_by(DATE '2022-01-01', DATE '2022-12-31')
WHERE community = '崇北社区'
GROUP BY ALL ORDER BY 发布 DESC""",
    "某社区某月未办结的任务明细": """SELECT task_id, category, title, status, published_at, deadline
FROM stg_tasks
WHERE community = '古桥社区' AND published_on BETWEEN DATE '2024-05-01' AND DATE '2024-05-31'
  AND NOT is_closed
ORDER BY published_at""",
    "接单最多的人员（只显示脱敏姓名）": """SELECT person_masked AS 接单人, member_type AS 人员类型, count(*) AS 接单次数
FROM stg_task_claims
WHERE claimed_on >= DATE '2024-01-01'
GROUP BY person_key, person_masked, member_type
ORDER BY 接单次数 DESC LIMIT 20""",
    "最近被拒绝的行": """SELECT file AS 文件, sheet AS 工作表, "row" AS 行号, "column" AS 列, reason AS 原因
FROM rejected_rows ORDER BY batch_id DESC LIMIT 50""",
    "表结构": "DESCRIBE stg_tasks",
}


# Previews ----------------------------------------------------------------------------------------

OPERATORS = ("等于", "不等于", "包含", "大于", "小于", "为空", "不为空")
_TYPE = re.compile(r"^[A-Z][A-Z0-9_ ,()\[\]]*$")  # a DuckDB type name as information_schema gives it


@dataclass(frozen=True)
class Filter:
    """One condition of a preview: ``column`` (a column of the relation), an operator of
    :data:`OPERATORS`, and a value (a string, cast to the column's type by DuckDB)."""

    column: str
    operator: str
    value: str = ""


@dataclass
class Preview:
    frame: pd.DataFrame
    total: int  # rows matching the filters
    page: int
    pages: int


def _condition(relation: Relation, f: Filter, index: int) -> tuple[str, dict]:
    column = relation.column(f.column)
    name = _quote(column.name)
    param = f"v{index}"
    if f.operator == "为空":
        return f"{name} IS NULL", {}
    if f.operator == "不为空":
        return f"{name} IS NOT NULL", {}
    if f.operator == "包含":
        return f"contains(lower(CAST({name} AS VARCHAR)), lower(${param}))", {param: f.value}
    comparison = {"等于": "=", "不等于": "<>", "大于": ">", "小于": "<"}.get(f.operator)
    if comparison is None:
        raise ValueError(f"未知的筛选条件：{f.operator}")
    if not _TYPE.match(column.type) or column.type.endswith("[]") or column.type.startswith(("STRUCT", "MAP")):
        return f"CAST({name} AS VARCHAR) {comparison} ${param}", {param: f.value}
    return f"{name} {comparison} CAST(${param} AS {column.type})", {param: f.value}


def preview(
    con: duckdb.DuckDBPyConnection,
    relation: Relation,
    filters: Sequence[Filter] = (),
    sort: str | None = None,
    descending: bool = False,
    page: int = 1,
    page_size: int = 100,
    community_ids: Sequence[str] | None = None,
) -> Preview:
    """One page of ``relation``'s rows matching every filter, optionally sorted by one of its columns.

    Column names are checked against the relation (``KeyError`` otherwise); values are parameters, so
    a bad value (a date that is no date) fails with DuckDB's conversion error, never as SQL.
    ``community_ids`` limits the rows to those communities (``KeyError`` for a relation without
    ``community_id``: a scoped reader cannot browse it).
    """
    clauses, params = [], {}
    if community_ids is not None:
        relation.column(SCOPE_COLUMN)
        clauses.append(_scope_condition())
        params["scope_ids"] = list(community_ids)
    for i, f in enumerate(filters):
        clause, values = _condition(relation, f, i)
        clauses.append(clause)
        params.update(values)
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    total = con.execute(f"SELECT count(*) FROM {_quote(relation.name)} {where}", params).fetchall()[0][0]
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    order = ""
    if sort:
        order = f"ORDER BY {_quote(relation.column(sort).name)} {'DESC' if descending else 'ASC'} NULLS LAST"
    frame = con.execute(
        f"SELECT * FROM {_quote(relation.name)} {where} {order} LIMIT $limit OFFSET $offset",
        {**params, "limit": page_size, "offset": (page - 1) * page_size},
    ).df(date_as_object=True)
    return Preview(frame, int(total), page, pages)


# Pivot ---------------------------------------------------------------------------------------------

DATE_PARTS = {
    "__month": ("月份", "strftime({date}, '%Y-%m')"),
    "__quarter": ("季度", "strftime({date}, '%Y') || '年第' || quarter({date}) || '季度'"),
    "__year": ("年份", "strftime({date}, '%Y')"),
}


@dataclass(frozen=True)
class Rate:
    metric: str
    view: str
    numerator: str
    denominator: str

    def counts(self) -> tuple[str, str]:
        """The numerator and denominator as counts over the rows of the period."""

        def flag(text: str) -> str:
            if text == "*":
                return "count(*)"
            match = re.fullmatch(r"(\w+) is not null", text)
            if match:
                return f"count({_quote(match.group(1))})"
            if not re.fullmatch(r"\w+", text):
                raise ValueError(f"pivot.toml: {self.metric}: cannot read {text!r}")
            return f"count(*) FILTER (WHERE {_quote(text)})"

        return flag(self.numerator), flag(self.denominator)

    def columns(self) -> set[str]:
        return {re.sub(r" is not null$", "", t) for t in (self.numerator, self.denominator) if t != "*"}


@dataclass(frozen=True)
class Dataset:
    view: str
    title: str
    date: str
    count: str
    dimensions: tuple[str, ...]
    sums: tuple[str, ...]
    person: str
    rates: tuple[Rate, ...] = ()

    def dimension_labels(self) -> dict[str, str]:
        """Dimension key -> Chinese label: the columns, then 月份/季度/年份 of the record's date."""
        text = descriptions()
        labels = {d: text.label(self.view, d) for d in self.dimensions}
        if self.date:
            labels.update({key: label for key, (label, _) in DATE_PARTS.items()})
        return labels

    def measures(self) -> dict[str, tuple[str, str]]:
        """Measure key -> (Chinese label, number format of metrics.format_number)."""
        text = descriptions()
        out = {"count": (self.count, "count")}
        for column in self.sums:
            out[f"sum:{column}"] = (f"{text.label(self.view, column)}（合计）", "points")
        if self.person:
            out["persons"] = ("人数（不同人员）", "count")
        for rate in self.rates:
            m = metrics.metric(rate.metric)
            out[f"rate:{rate.metric}"] = (m.name, "rate")
        return out


@cache
def datasets(path: Path = PIVOT_FILE) -> dict[str, Dataset]:
    """The pivotable datasets of ``pivot.toml`` by view, each with its catalogue rates.

    Raises ``ValueError`` when a rate names a metric that is not a rate of the catalogue.
    """
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    rates: dict[str, list[Rate]] = {}
    for entry in raw.get("rate", []):
        rate = Rate(**entry)
        if metrics.metric(rate.metric).format != "rate":
            raise ValueError(f"pivot.toml: {rate.metric} is not a rate of the metric catalogue")
        rate.counts()
        rates.setdefault(rate.view, []).append(rate)
    return {
        d["view"]: Dataset(
            view=d["view"],
            title=d["title"],
            date=d.get("date", ""),
            count=d["count"],
            dimensions=tuple(d["dimensions"]),
            sums=tuple(d.get("sums", ())),
            person=d.get("person", ""),
            rates=tuple(rates.get(d["view"], ())),
        )
        for d in raw["dataset"]
    }


@dataclass(frozen=True)
class PivotSpec:
    """What to pivot: a dataset's view, the row and (optional) column dimension, a measure key of
    :meth:`Dataset.measures`, the period (on the record's own date), the scope and filters."""

    view: str
    rows: str
    columns: str | None
    measure: str
    start: dt.date
    end: dt.date
    street: str | None = None
    communities: tuple[str, ...] = ()
    filters: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass
class PivotResult:
    table: pd.DataFrame  # rows x columns with 合计, first column the row labels
    long: pd.DataFrame  # one row per (row value, column value) without totals: the chart's data
    row_label: str
    column_label: str | None
    measure_label: str
    format: str  # count | rate | points: how its numbers are written


def _dimension_sql(dataset: Dataset, key: str, available: set[str]) -> str:
    if key in DATE_PARTS and dataset.date:
        return DATE_PARTS[key][1].format(date=_quote(dataset.date))
    if key not in dataset.dimensions or key not in available:
        raise KeyError(f"{dataset.title}没有维度 {key}")
    return _quote(key)


def _measure_sql(dataset: Dataset, key: str, available: set[str]) -> str:
    if key == "count":
        return "count(*)"
    if key == "persons" and dataset.person in available:
        return f"count(DISTINCT {_quote(dataset.person)})"
    if key.startswith("sum:") and key[4:] in dataset.sums and key[4:] in available:
        return f"sum({_quote(key[4:])})"
    for rate in dataset.rates:
        if key == f"rate:{rate.metric}" and rate.columns() <= available:
            numerator, denominator = rate.counts()
            return f"{numerator} / nullif({denominator}, 0)"
    raise KeyError(f"{dataset.title}没有度量 {key}")


def pivot_sql(spec: PivotSpec, available: set[str]) -> tuple[str, dict]:
    """The SQL and parameters of a pivot, with totals from GROUPING SETS (so distinct persons and rates
    total correctly). ``available`` is the view's actual column list; nothing else becomes an identifier."""
    if spec.view not in datasets():
        raise KeyError(f"不能透视 {spec.view}")
    dataset = datasets()[spec.view]
    row = _dimension_sql(dataset, spec.rows, available)
    column = _dimension_sql(dataset, spec.columns, available) if spec.columns else None
    measure = _measure_sql(dataset, spec.measure, available)
    clauses, params = [], {}
    if dataset.date:
        clauses.append(f"{_quote(dataset.date)} BETWEEN $start AND $end")
        params.update(start=spec.start, end=spec.end)
    scope, scope_params = metrics.scope_clause(spec.street, spec.communities)
    if scope:
        clauses.append(scope)
        params.update(scope_params)
    for i, (key, values) in enumerate(sorted(spec.filters.items())):
        if values:
            expression = _dimension_sql(dataset, key, available)
            clauses.append(f"list_contains($f{i}, coalesce(CAST({expression} AS VARCHAR), '{EMPTY_VALUE}'))")
            params[f"f{i}"] = list(values)
    labels = f"coalesce(CAST({row} AS VARCHAR), '{EMPTY_VALUE}') AS r"
    sets = "(r), ()"
    grouping = "grouping(r) AS r_total"
    if column:
        labels += f", coalesce(CAST({column} AS VARCHAR), '{EMPTY_VALUE}') AS c"
        sets = "(r, c), (r), (c), ()"
        grouping += ", grouping(c) AS c_total"
    else:
        labels += f", '{TOTAL}' AS c"
        grouping += ", 1 AS c_total"
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    sql = f"""
        WITH records AS (SELECT {labels}, * FROM {_quote(dataset.view)} {where})
        SELECT r, {"c" if column else f"'{TOTAL}' AS c"}, {grouping}, {measure} AS value
        FROM records
        GROUP BY GROUPING SETS ({sets})
    """
    return sql, params


def view_columns(con: duckdb.DuckDBPyConnection, view: str) -> set[str]:
    """The columns ``view`` really has in this warehouse."""
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $view AND table_schema = 'main'",
        {"view": view},
    ).fetchall()
    return {r[0] for r in rows}


def pivot(con: duckdb.DuckDBPyConnection, spec: PivotSpec) -> PivotResult:
    """Run a pivot: the table (row labels, one column per column value, 合计 row and column) and the
    long data for a chart."""
    dataset = datasets()[spec.view]
    sql, params = pivot_sql(spec, view_columns(con, spec.view))
    data = con.execute(sql, params).df()
    labels = dataset.dimension_labels()
    measure_label, number_format = dataset.measures()[spec.measure]
    row_label = labels[spec.rows]
    column_label = labels[spec.columns] if spec.columns else None
    data["r"] = data["r"].where(data["r_total"] == 0, TOTAL)
    data["c"] = data["c"].where(data["c_total"] == 0, TOTAL)
    table = data.pivot_table(index="r", columns="c", values="value", aggfunc="first", dropna=False, sort=False)
    row_order = sorted(v for v in table.index if v != TOTAL) + ([TOTAL] if TOTAL in table.index else [])
    column_order = sorted(v for v in table.columns if v != TOTAL) + ([TOTAL] if TOTAL in table.columns else [])
    table = table.reindex(index=row_order, columns=column_order)
    if number_format != "rate":
        table = table.fillna(0)
    table.columns.name = None
    table = table.reset_index().rename(
        columns={"r": row_label} if spec.columns else {"r": row_label, TOTAL: measure_label}
    )
    long = (
        data[(data["r_total"] == 0) & ((data["c_total"] == 0) | (spec.columns is None))]
        .rename(columns={"r": row_label, "c": column_label or TOTAL, "value": measure_label})
        .sort_values([row_label, column_label or TOTAL])[[row_label, column_label or TOTAL, measure_label]]
        .reset_index(drop=True)
    )
    return PivotResult(table, long, row_label, column_label, measure_label, number_format)


def dimension_values(
    con: duckdb.DuckDBPyConnection,
    view: str,
    key: str,
    street: str | None = None,
    communities: Sequence[str] = (),
) -> list[str]:
    """The values a dimension takes (as shown in a pivot: text, "（空）" for empty), for filters; within
    a street and communities when given (the reader's filters, already cut to their scope)."""
    dataset = datasets()[view]
    expression = _dimension_sql(dataset, key, view_columns(con, view))
    scope, params = metrics.scope_clause(street, communities)
    rows = con.execute(
        f"SELECT DISTINCT coalesce(CAST({expression} AS VARCHAR), '{EMPTY_VALUE}') AS v "
        f"FROM {_quote(dataset.view)} {'WHERE ' + scope if scope else ''} ORDER BY v LIMIT 1000",
        params,
    ).fetchall()
    return [r[0] for r in rows]
