"""Validating: every rule of LEDGERS.md as one SQL query over the staged rows of a sheet.

Each check is a ``WHERE`` condition on ``parsed`` (the output of ``normalise.staging_sql``) with the
column it concerns and a Chinese reason; together they form one ``UNION ALL`` that yields one row
per problem: ``(_row, field, value, reason)``. Values of personal fields are masked here already,
so a rejected-row report never carries a raw name, ID number or phone number.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.layout import EXPONENT_FORM, LOST_DIGITS
from etl.normalise import DATE_FORMS, ident, raw_column, sql_str
from streetdash.schema import Field, Kind, Schemas

TYPE_NAMES = {
    "int": "整数",
    "decimal": "数字",
    "float": "数字",
}


@dataclass(frozen=True)
class Check:
    field: str  # the field whose column is reported
    condition: str  # SQL, true for a bad row
    reason: str  # SQL expression (usually a literal) giving the Chinese reason


def value_sql(f: Field) -> str:
    """The value to show for a field in a report: raw text, masked for personal information."""
    raw = ident(raw_column(f))
    if f.type == "person":
        return f"mask_name({raw})"
    if f.type == "person_list":
        return f"array_to_string(list_transform({ident(f.name)}, lambda p: mask_name(p)), '、')"
    if f.type == "id_number":
        return f"mask_id({raw})"
    if f.type == "phone":
        return f"mask_phone({raw})"
    return raw


def field_checks(f: Field, kind: Kind, schemas: Schemas) -> list[Check]:
    raw = ident(raw_column(f))
    typed = ident("community_id" if f.type == "community" else f.name)
    checks: list[Check] = []
    derived = kind.derived_key and kind.derived_key["field"] == f.name
    if f.required and not derived:
        checks.append(Check(f.name, f"{raw} IS NULL", sql_str("必填项为空")))
    if f.type in ("int", "decimal", "float"):
        num = ident(f"num__{f.name}")
        checks.append(Check(f.name, f"{raw} IS NOT NULL AND {num} IS NULL", sql_str(f"不是有效的{TYPE_NAMES[f.type]}")))
        if f.type == "int":
            checks.append(Check(f.name, f"{num} IS NOT NULL AND {typed} IS NULL", sql_str("应为整数")))
        if f.min is not None:
            reason = f.reason or f"不能小于 {f.min:g}"
            checks.append(Check(f.name, f"{num} < {f.min}", sql_str(reason)))
        if f.max is not None:
            reason = f.reason or f"不能大于 {f.max:g}"
            checks.append(Check(f.name, f"{num} > {f.max}", sql_str(reason)))
    elif f.type in ("date", "datetime"):
        checks.append(
            Check(f.name, f"{raw} IS NOT NULL AND {typed} IS NULL", sql_str(f"不是有效的日期，可用格式：{DATE_FORMS}"))
        )
    elif f.type == "enum":
        enum = schemas.enums[f.enum]
        if not enum.other:
            checks.append(
                Check(
                    f.name,
                    f"{raw} IS NOT NULL AND {typed} IS NULL",
                    sql_str(f"不是「{f.header}」的可选值，可选：{'、'.join(enum.values)}"),
                )
            )
    elif f.type == "community":
        count = ident(f"cn__{f.name}")
        checks.append(
            Check(
                f.name,
                f"{raw} IS NOT NULL AND {count} IS NULL",
                sql_str("社区不在社区名录中（可填社区名称、社区编码或名录中的别名），请先导入或补充社区名录"),
            )
        )
        checks.append(Check(f.name, f"{count} > 1", sql_str("该名称对应多个社区（不同街道重名），请改填社区编码")))
    elif f.type == "ref":
        target = schemas.kinds[f.ref]
        alias = f"ref_{f.name}"
        checks.append(
            Check(
                f.name,
                f"{raw} IS NOT NULL AND NOT {ident(alias + '__found')}",
                sql_str(f"在{target.title}中不存在，请先导入{target.title}或核对编号"),
            )
        )
        if f.same_community:
            checks.append(
                Check(
                    f.name,
                    f"{ident(alias + '__found')} AND community_id IS NOT NULL"
                    f" AND {alias}.community_id IS DISTINCT FROM community_id",
                    f"'不属于本行所属社区（该{target.title[:2]}属于' || coalesce("
                    f"(SELECT c.name FROM communities c WHERE c.community_id = {alias}.community_id), "
                    f"{alias}.community_id) || '）'",
                )
            )
    elif f.type == "id_number":
        checks += lost_digits_checks(f)
        checks.append(
            Check(
                f.name,
                f"{raw} IS NOT NULL AND NOT id_valid({typed}) AND NOT {exponent_form(raw)}",
                sql_str("身份证号应为18位且校验位正确（若以数字格式保存会丢失末尾数字，请设为文本）"),
            )
        )
    elif f.type == "phone":
        checks += lost_digits_checks(f)
        checks.append(
            Check(
                f.name,
                f"{raw} IS NOT NULL AND NOT regexp_full_match({typed}, '1[3-9][0-9]{{9}}') AND NOT {exponent_form(raw)}",
                sql_str("不是有效的11位手机号"),
            )
        )
    return checks


def exponent_form(raw: str) -> str:
    """SQL: the value is a number as Excel shows a long one (``1.41181E+17``), saved so by a CSV export."""
    return f"regexp_full_match(replace({raw}, ' ', ''), {sql_str(EXPONENT_FORM)})"


def lost_digits_checks(f: Field) -> list[Check]:
    """An ID or phone number in Excel's exponent form has lost its last digits: rejected with the fix,
    never taken for a (wrong) number. (Numeric cells of a workbook are caught by the reader.)"""
    raw = ident(raw_column(f))
    return [Check(f.name, f"{raw} IS NOT NULL AND {exponent_form(raw)}", sql_str(LOST_DIGITS[f.type]))]


def all_checks(kind: Kind, schemas: Schemas) -> list[Check]:
    checks = [c for f in kind.fields for c in field_checks(f, kind, schemas)]
    for rule in kind.rules:
        checks.append(Check(rule.column, f"NOT coalesce(({rule.check}), true)", sql_str(rule.reason)))
    return checks


def errors_sql(kind: Kind, schemas: Schemas, source: str = "parsed") -> str:
    """``(_row, field, value, reason)`` for every problem found in ``source``."""
    fields = {f.name: f for f in kind.fields}
    parts = []
    for check in all_checks(kind, schemas):
        f = fields[check.field]
        parts.append(
            f"SELECT _row, {sql_str(f.name)} AS field, CAST({value_sql(f)} AS VARCHAR) AS value,"
            f" {check.reason} AS reason FROM {source} WHERE {check.condition}"
        )
    return "\nUNION ALL\n".join(parts)


def other_counts_sql(kind: Kind, schemas: Schemas, source: str = "parsed") -> str | None:
    """Per enum field with a 其他 fallback: how many values were not recognised and became 其他."""
    parts = []
    for f in kind.fields:
        if f.type == "enum" and schemas.enums[f.enum].other:
            # A value became 其他 without being written as 其他 (or one of its synonyms).
            raw = ident(raw_column(f))
            written_other = ", ".join(sql_str(t) for t, v in schemas.enums[f.enum].lookup().items() if v == "其他")
            parts.append(
                f"SELECT {sql_str(f.name)} AS field, count(*) AS n FROM {source}"
                f" WHERE {ident(f.name)} = '其他' AND etl_token({raw}) NOT IN ({written_other})"
            )
    return "\nUNION ALL\n".join(parts) if parts else None
