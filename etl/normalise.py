"""Normalising: raw ledger text -> typed warehouse values, in bulk (Arrow and DuckDB SQL).

Text is NFKC-normalised and trimmed in Arrow, and ID and mobile numbers typed into free text are
masked there (``etl.pii.mask_numbers``); everything else is SQL generated from the schema:
one staging query per sheet turns every raw column into its typed column, resolves communities and
references, and hashes persons. Nothing here loops over rows in Python.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.buffers import as_one_value, string_buffers
from etl.pii import MaskCounts, mask_numbers, may_hold_numbers
from streetdash.schema import Field, Kind, Schemas

SQL_TYPES = {
    "text": "VARCHAR",
    "int": "BIGINT",
    "decimal": "DOUBLE",
    "float": "DOUBLE",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "enum": "VARCHAR",
    "list": "VARCHAR[]",
    "ref": "VARCHAR",
}
METADATA_COLUMNS = [
    ("batch_id", "VARCHAR"),
    ("source_file", "VARCHAR"),
    ("source_sheet", "VARCHAR"),
    ("source_row", "BIGINT"),
]
LIST_SEPARATORS = "[、,;/|]"  # after NFKC, full-width ，； are already , ;

DATE_FORMS = "2022-08-30、2022/8/30、2022.8.30、2022年8月30日或 Excel 日期，可带时间 14:30"

PARSING_MACROS = r"""
-- Values are trimmed and NFKC already (ideographic spaces became spaces): drop inner spaces.
CREATE OR REPLACE TEMP MACRO etl_token(s) AS lower(replace(s, ' ', ''));
-- Numbers: plain digits take a cast; units and thousands separators (230人, 1,234) a regex.
CREATE OR REPLACE TEMP MACRO etl_number(s) AS CASE
    WHEN regexp_full_match(s, '[0-9.+-]+') THEN TRY_CAST(s AS DOUBLE)
    ELSE TRY_CAST(replace(regexp_extract(
        replace(replace(s, '−', '-'), ' ', ''),
        '^([+-]?[0-9][0-9,]*(?:\.[0-9]+)?)(?:\p{Han}{1,3}|%|元/月|元/人)?$', 1), ',', '') AS DOUBLE) END;
-- Dates: ISO text takes a fast path; the other listed forms are rewritten to y-m-d[ H:M[:S]] and
-- parsed with one strptime format each (a list of formats per value was 7x slower: a failed
-- strptime is expensive, and so is rewriting every value).
CREATE OR REPLACE TEMP MACRO etl_ts_text(s, x) AS CASE
    WHEN x LIKE '____-%' THEN CASE
        WHEN x NOT LIKE '%:%' THEN try_strptime(x, '%Y-%m-%d')
        WHEN x LIKE '%:%:%' THEN try_strptime(x, '%Y-%m-%d %H:%M:%S')
        ELSE try_strptime(x, '%Y-%m-%d %H:%M') END
    -- Excel serial day numbers (1927..2173), as they appear when a date cell lost its format.
    WHEN regexp_full_match(s, '[1-9][0-9]{4}(\.[0-9]+)?')
        THEN TIMESTAMP '1899-12-30' + to_seconds(CAST(round(CAST(s AS DOUBLE) * 86400) AS BIGINT))
    END;
CREATE OR REPLACE TEMP MACRO etl_ts(s) AS CASE
    WHEN s LIKE '____-__-__ __:__' THEN try_strptime(s, '%Y-%m-%d %H:%M')
    WHEN s LIKE '____-__-__ __:__:__' THEN try_strptime(s, '%Y-%m-%d %H:%M:%S')
    WHEN s LIKE '____-__-__' THEN try_strptime(s, '%Y-%m-%d')
    ELSE etl_ts_text(s, translate(s, '/.年月T日', '---- ')) END;
"""


def sql_str(value: str) -> str:
    """A SQL string literal (values here come from the schema file, never from a ledger)."""
    return "'" + str(value).replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# ---------------------------------------------------------------------------------------------
# Arrow: text normalisation


def normalise_text(table: pa.Table, free_text: frozenset[str] | set[str] = frozenset()) -> tuple[pa.Table, MaskCounts]:
    """NFKC, trimmed, empty -> NULL, for every string column (full-width digits, ，, stray spaces); in the
    ``free_text`` columns ID and mobile numbers masked too (``etl.pii.mask_numbers``), with their counts.

    Columns are independent and Arrow's kernels release the GIL, so they run in threads.
    """
    names = table.column_names

    def one(name: str) -> tuple[pa.Array | pa.ChunkedArray, MaskCounts]:
        col = table[name]
        if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
            return _normalise_column(col, mask=name in free_text)
        return col, MaskCounts()

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        done = dict(zip(names, pool.map(one, names), strict=True))
    counts = MaskCounts()
    for _, c in done.values():
        counts += c
    return pa.Table.from_pydict({name: col for name, (col, _) in done.items()}), counts


# Characters that NFKC leaves alone and that can never combine with a neighbour: ASCII, CJK
# ideographs (the compatibility ideographs live elsewhere) and common Chinese punctuation. A value made
# only of these is already NFKC, so only the rare values with anything else are normalised.
_NEEDS_NFKC = (
    r"[^\x00-\x7F\x{4E00}-\x{9FFF}\x{3400}-\x{4DBF}\x{3001}\x{3002}\x{3008}-\x{3011}"
    r"\x{2014}\x{2018}\x{2019}\x{201C}\x{201D}]"
)


def _nfkc(values: pa.Array) -> pa.Array:
    mask = pc.fill_null(pc.match_substring_regex(values, _NEEDS_NFKC), False)
    if not pc.any(mask).as_py():
        return values
    return pc.replace_with_mask(values, mask, pc.utf8_normalize(pc.filter(values, mask), form="NFKC"))


def _clean(values: pa.Array) -> pa.Array:
    values = pc.utf8_trim_whitespace(_nfkc(values))
    return pc.if_else(pc.equal(values, ""), pa.scalar(None, values.type), values)


# Bytes that utf8_trim_whitespace trims and that are ASCII (the others are all caught by _NEEDS_NFKC).
_ASCII_SPACES = np.zeros(256, bool)
_ASCII_SPACES[[*range(0x09, 0x0E), *range(0x1C, 0x21)]] = True


def _is_clean(values: pa.Array) -> bool:
    """Whether ``_clean`` would leave ``values`` as they are: nothing to NFKC (one regex pass over all of
    the bytes), no value starting or ending with an ASCII space, no empty value. Most columns of a ledger
    are so, and the check costs a fraction of cleaning them value by value."""
    if len(values) == values.null_count:
        return True
    offsets, data = string_buffers(values)
    if not len(data):
        return False  # only empty strings and nulls, and not all nulls
    ascii_only = data.max() < 0x80  # a numpy pass: several times faster than the regex, and common (codes, dates)
    if (
        not ascii_only
        and pc.any(pc.match_substring_regex(as_one_value(values, pa.large_string()), _NEEDS_NFKC)).as_py()
    ):
        return False
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts  # a null's slot is empty (were it not, it is only looked at, never changed)
    if filled.sum() < len(values) - values.null_count:
        return False  # an empty string, to become NULL
    return not (_ASCII_SPACES[data[starts[filled]]].any() or _ASCII_SPACES[data[ends[filled] - 1]].any())


def _normalise_column(col: pa.ChunkedArray, mask: bool = False) -> tuple[pa.ChunkedArray | pa.Array, MaskCounts]:
    if all(_is_clean(chunk) and not (mask and may_hold_numbers(chunk)) for chunk in col.chunks):
        return col, MaskCounts()
    col = col.combine_chunks()
    sample = col.slice(0, 10_000)
    if len(col) > 40_000 and pc.count_distinct(sample).as_py() * 4 < len(sample):
        # Ledger columns repeat a few values (community, category, status): clean each once.
        encoded = pc.dictionary_encode(col)
        values, counts = _clean(encoded.dictionary), MaskCounts()
        if mask:
            uses = np.bincount(encoded.indices.fill_null(0).to_numpy(), minlength=len(values))
            uses[0] -= encoded.indices.null_count  # nulls were counted as the first value above
            values, counts = mask_numbers(values, uses)
        return pc.take(values, encoded.indices), counts
    return mask_numbers(_clean(col)) if mask else (_clean(col), MaskCounts())


# ---------------------------------------------------------------------------------------------
# Warehouse layout of a kind


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    field: Field | None  # None for the geometry of a boundary kind


GEOMETRY_COLUMN = "geometry"  # WKB in WGS-84, filled by etl/boundaries.py before staging


def stored_columns(kind: Kind) -> list[Column]:
    """The warehouse columns of a kind, in order (personal information reduced to keys and masks)."""
    out: list[Column] = []
    for f in kind.fields:
        if f.type == "community":
            out.append(Column("community_id", "VARCHAR", f))
        elif f.type == "person":
            out += [Column(f"{f.name}_key", "VARCHAR", f), Column(f"{f.name}_masked", "VARCHAR", f)]
        elif f.type == "person_list":
            out += [Column(f"{f.name}_keys", "VARCHAR[]", f), Column(f"{f.name}_masked", "VARCHAR[]", f)]
        elif f.type in ("id_number", "phone"):
            continue  # used to validate and to key a person, never stored
        else:
            out.append(Column(f.name, SQL_TYPES[f.type], f))
    if kind.geometry:
        out.append(Column(GEOMETRY_COLUMN, "BLOB", None))
    return out


def create_table_sql(kind: Kind) -> str:
    cols = [f"{ident(c.name)} {c.sql_type}" for c in stored_columns(kind)]
    cols += [f"{name} {sql_type}" for name, sql_type in METADATA_COLUMNS]
    return f"CREATE TABLE IF NOT EXISTS {ident(kind.table)} ({', '.join(cols)})"


def person_scope(kind: Kind, schemas: Schemas) -> str:
    """SQL for the community a person is scoped to, so namesakes in different communities differ."""
    if any(f.type == "community" for f in kind.fields):
        return "community_id"
    for f in kind.fields:
        if f.type == "ref" and any(g.type == "community" for g in schemas.kinds[f.ref].fields):
            return f"ref_{f.name}.community_id"
    return "''"


# ---------------------------------------------------------------------------------------------
# The staging query


def enum_map_sql(schemas: Schemas, enum_name: str) -> str:
    lookup = schemas.enums[enum_name].lookup()
    return "MAP {" + ", ".join(f"{sql_str(k)}: {sql_str(v)}" for k, v in lookup.items()) + "}"


# Types whose typed value is the text itself need no separate raw column.
TEXT_TYPES = ("text", "ref", "person")


def raw_column(f: Field) -> str:
    """The staged column holding a field's text as written (after NFKC and trimming)."""
    return f.name if f.type in TEXT_TYPES else f"raw__{f.name}"


def typed_expr(f: Field, schemas: Schemas) -> str:
    """SQL for a field's typed value in the ``typed`` stage, from its raw column and helper columns."""
    raw = ident(raw_column(f))
    if f.type in ("int",):
        num = ident(f"num__{f.name}")
        return f"CASE WHEN {num} = floor({num}) AND abs({num}) < 1e15 THEN CAST({num} AS BIGINT) END"
    if f.type in ("decimal", "float"):
        return ident(f"num__{f.name}")
    if f.type == "date":
        return f"CAST(etl_ts({raw}) AS DATE)"
    if f.type == "datetime":
        return f"etl_ts({raw})"
    if f.type == "enum":
        mapped = f"map_extract_value({enum_map_sql(schemas, f.enum)}, etl_token({raw}))"
        if schemas.enums[f.enum].other:
            return f"CASE WHEN {raw} IS NULL THEN NULL ELSE coalesce({mapped}, '其他') END"
        return mapped
    if f.type in ("list", "person_list"):
        return (
            f"list_filter(list_transform(string_split_regex({raw}, '{LIST_SEPARATORS}'), lambda x: trim(x)),"
            " lambda x: x <> '')"
        )
    if f.type == "community":
        return ident(f"cid__{f.name}")
    if f.type == "id_number":
        return f"upper({raw})"
    if f.type == "phone":
        return f"clean_phone({raw})"
    return raw  # text, ref, person


def staging_sql(kind: Kind, schemas: Schemas) -> str:
    """One query from ``stg`` (raw text, one column per field, plus ``_row``) to the typed rows.

    Stages: ``prep`` parses once what several expressions need (numbers, date parts, community
    look-ups); ``typed`` gives every field its type; the final select joins referenced rows (as
    structs named ``ref_<field>``) and computes person keys and the derived key.
    """
    prep_cols, joins = ["s._row"], []
    if kind.geometry:
        prep_cols.append(f"s.{GEOMETRY_COLUMN}")
    for f in kind.fields:
        raw = f"s.{ident(f.name)}"
        prep_cols.append(f"{raw} AS {ident(raw_column(f))}")
        if f.type in ("int", "decimal", "float"):
            prep_cols.append(f"etl_number({raw}) AS {ident('num__' + f.name)}")
        if f.type == "community":
            alias = f"cl_{f.name}"
            joins.append(f"LEFT JOIN community_lookup {alias} ON {alias}.token = etl_token({raw})")
            prep_cols += [
                f"CASE WHEN {alias}.n = 1 THEN {alias}.community_id END AS {ident('cid__' + f.name)}",
                f"{alias}.n AS {ident('cn__' + f.name)}",
            ]
    typed_cols = ["_row"] + [ident(c) for c in _helper_columns(kind)]
    if kind.geometry:
        typed_cols.append(GEOMETRY_COLUMN)
    for f in kind.fields:
        out_name = "community_id" if f.type == "community" else f.name
        expr = typed_expr(f, schemas)
        typed_cols.append(expr if expr == ident(out_name) else f"{expr} AS {ident(out_name)}")

    ref_joins, final_cols = [], ["t.*"]
    for f in kind.fields:
        if f.type == "ref":
            target = schemas.kinds[f.ref]
            key = target.key[0]
            alias = f"ref_{f.name}"
            # Only the referenced columns that rules and checks use: a whole row per row is costly.
            used = set(re.findall(rf"\b{alias}\.(\w+)", " ".join(r.check for r in kind.rules)))
            if f.same_community or person_scope(kind, schemas) == f"{alias}.community_id":
                used.add("community_id")
            source = ident(target.table)
            if f.ref == kind.name:
                # A tree (an organisation and its parent): the parent may come in the same sheet, above or
                # below, or be in the warehouse already; a row of this sheet stands for its key.
                cols = ", ".join(ident(c) for c in [key, *sorted(used)])
                source = (
                    f"(SELECT {cols} FROM {source} WHERE {ident(key)} NOT IN"
                    f" (SELECT {ident(key)} FROM typed WHERE {ident(key)} IS NOT NULL)"
                    f" UNION ALL SELECT DISTINCT ON ({ident(key)}) {cols} FROM typed WHERE {ident(key)} IS NOT NULL)"
                )
            ref_joins.append(f"LEFT JOIN {source} {alias} ON {alias}.{ident(key)} = t.{ident(f.name)}")
            if used:
                fields = ", ".join(f"{c} := {alias}.{ident(c)}" for c in sorted(used))
                final_cols.append(f"struct_pack({fields}) AS {alias}")
            final_cols.append(f"{alias}.{ident(key)} IS NOT NULL AS {ident(alias + '__found')}")
    scope = person_scope(kind, schemas)
    scope_sql = scope if scope.startswith("ref_") or scope == "''" else f"t.{scope}"
    for f in kind.fields:
        if f.type == "person":
            message = f"'name:' || coalesce({scope_sql}, '') || ':' || t.{ident(f.name)}"
            if f.id_field:
                id_col = f"t.{ident(f.id_field)}"
                message = f"CASE WHEN id_valid({id_col}) THEN 'id:' || {id_col} ELSE {message} END"
            final_cols += [
                f"CASE WHEN t.{ident(f.name)} IS NOT NULL THEN person_key({message}) END AS {ident(f.name + '_key')}",
                f"mask_name(t.{ident(f.name)}) AS {ident(f.name + '_masked')}",
            ]
        elif f.type == "person_list":
            col = f"t.{ident(f.name)}"
            final_cols += [
                f"list_transform({col}, lambda p: person_key('name:' || coalesce({scope_sql}, '') || ':' || p))"
                f" AS {ident(f.name + '_keys')}",
                f"list_transform({col}, lambda p: mask_name(p)) AS {ident(f.name + '_masked')}",
            ]
    non_blank = " OR ".join(f"s.{ident(f.name)} IS NOT NULL" for f in kind.fields)
    if kind.geometry:
        non_blank = "true"  # a feature is a row even with no properties: its problems are reported
    sql = f"""
WITH prep AS (
    SELECT {", ".join(prep_cols)}
    FROM stg s {" ".join(joins)}
    WHERE {non_blank}
),
typed AS (
    SELECT {", ".join(typed_cols)} FROM prep
),
linked AS (
    SELECT {", ".join(final_cols)} FROM typed t {" ".join(ref_joins)}
)
SELECT * FROM linked"""
    if kind.derived_key:
        key_field = kind.derived_key["field"]
        parts = ", ".join(f"CAST({ident(p)} AS VARCHAR)" for p in kind.derived_key["from"])
        sql = f"""
SELECT * REPLACE (coalesce({ident(key_field)},
    'auto-' || left(sha256(concat_ws('|', {parts})), 16)) AS {ident(key_field)})
FROM ({sql})"""
    return sql


def _helper_columns(kind: Kind) -> list[str]:
    names = []
    for f in kind.fields:
        if f.type not in TEXT_TYPES:
            names.append(f"raw__{f.name}")
        if f.type in ("int", "decimal", "float"):
            names.append(f"num__{f.name}")
        if f.type == "community":
            names += [f"cid__{f.name}", f"cn__{f.name}"]
    return names


COMMUNITY_LOOKUP_SQL = """
CREATE OR REPLACE TEMP TABLE community_lookup AS
SELECT token, any_value(community_id) AS community_id, count(DISTINCT community_id) AS n
FROM (
    SELECT etl_token(community_id) AS token, community_id FROM communities
    UNION ALL SELECT etl_token(name), community_id FROM communities
    UNION ALL SELECT etl_token(unnest(aliases)), community_id FROM communities WHERE aliases IS NOT NULL
)
WHERE token IS NOT NULL AND token <> ''
GROUP BY token
"""
