"""Import templates: an empty .xlsx per ledger kind, written from its schema.

Row 1 is a title, row 2 a note per column (required or not, type, allowed values), row 3 the
headers, rows 4… are for data. Enum columns get drop-down lists fed from a hidden sheet. The loader
finds row 3 as the header row by itself, so a filled template loads as it is.
"""

from __future__ import annotations

from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from streetdash.schema import Field, Kind, Schemas, load_schemas

FIRST_DATA_ROW = 3  # 0-based: title, notes, headers come first
LAST_DATA_ROW = 2000
ENUM_SHEET = "枚举值"
TYPE_NOTES = {
    "text": "文本",
    "int": "整数",
    "decimal": "数字",
    "float": "小数",
    "date": "日期，如 2022-08-30",
    "datetime": "日期时间，如 2022-08-30 14:30",
    "enum": "从下拉列表选择",
    "list": "多个值用、分隔",
    "community": "社区名称、社区编码或别名",
    "person": "姓名（入库时只保存脱敏姓名和加密标识）",
    "person_list": "姓名，多人用、分隔（入库时脱敏）",
    "id_number": "18位身份证号（仅用于识别同一人，不入库），请设为文本格式",
    "phone": "11位手机号（仅校验，不入库）",
}


def default_template_name(kind_name: str) -> str:
    """``任务台账_导入模板.xlsx`` and the like."""
    return f"{load_schemas().kinds[kind_name].title}_导入模板.xlsx"


def field_note(f: Field, schemas: Schemas) -> str:
    """The note under a column's header: required, type, range, reference."""
    parts = ["必填" if f.required else "选填", TYPE_NOTES[f.type] if f.type != "ref" else ""]
    if f.type == "ref":
        parts[1] = f"须为{schemas.kinds[f.ref].title}中已有的编号" + ("，且属于所填社区" if f.same_community else "")
    if f.unit:
        parts.append(f"单位{f.unit}，可写成 {'12.5' if f.type == 'decimal' else '230'}{f.unit}")
    if f.min is not None and f.max is not None:
        parts.append(f"范围 {f.min:g}～{f.max:g}")
    elif f.min is not None:
        parts.append(f"不小于 {f.min:g}")
    elif f.max is not None:
        parts.append(f"不大于 {f.max:g}")
    if f.type == "enum" and schemas.enums[f.enum].other:
        parts.append("其他值记为「其他」")
    return "；".join(p for p in parts if p)


def write_template(kind_name: str, out: Path) -> Path:
    """Write the import template of ``kind_name`` to ``out`` and return the path."""
    schemas = load_schemas()
    kind = schemas.kinds[kind_name]
    out.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(out), {"strings_to_numbers": False, "strings_to_formulas": False})
    styles = {
        "title": book.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}),
        "note": book.add_format({"font_size": 9, "font_color": "#666666", "text_wrap": True, "valign": "top"}),
        "header": book.add_format({"bold": True, "bg_color": "#F2DCDB", "border": 1, "align": "center"}),
        "required": book.add_format({"bold": True, "bg_color": "#E6B8B7", "border": 1, "align": "center"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "text": book.add_format({"num_format": "@"}),
    }
    sheet = book.add_worksheet(kind.title)
    enum_sheet = book.add_worksheet(ENUM_SHEET)
    enum_sheet.hide()
    sheet.activate()
    _write_ledger_sheet(sheet, enum_sheet, kind, schemas, styles)
    _write_instructions(book.add_worksheet("填写说明"), kind, schemas, styles)
    book.close()
    return out


def _write_ledger_sheet(sheet, enum_sheet, kind: Kind, schemas: Schemas, styles: dict) -> None:
    width = len(kind.fields)
    sheet.merge_range(0, 0, 0, width - 1, f"{kind.title}（导入模板）", styles["title"])
    sheet.set_row(0, 28)
    sheet.set_row(1, 48)
    enum_columns = 0
    for col, f in enumerate(kind.fields):
        sheet.write(1, col, field_note(f, schemas), styles["note"])
        sheet.write(2, col, f"*{f.header}" if f.required else f.header, styles["required" if f.required else "header"])
        width = max(12, 2.2 * len(f.header) + 4)
        if f.type in ("date", "datetime"):
            sheet.set_column(col, col, max(width, 18), styles[f.type])
        elif f.type in ("id_number", "phone", "text", "ref", "community"):
            # Text cells keep codes as typed: leading zeros, and all 18 digits of an ID number.
            sheet.set_column(col, col, max(width, 20 if f.type == "id_number" else 14), styles["text"])
        else:
            sheet.set_column(col, col, width)
        if f.type == "enum":
            values = schemas.enums[f.enum].values
            # Not the bare header: the loader must not take this sheet for a ledger.
            enum_sheet.write(0, enum_columns, f"{f.header}可选值")
            enum_sheet.write_column(1, enum_columns, values)
            letter = xl_col_to_name(enum_columns)
            sheet.data_validation(
                FIRST_DATA_ROW,
                col,
                LAST_DATA_ROW,
                col,
                {
                    "validate": "list",
                    "source": f"='{ENUM_SHEET}'!${letter}$2:${letter}${len(values) + 1}",
                    "error_title": "不是可选值",
                    "error_message": f"「{f.header}」请从下拉列表中选择。",
                    "error_type": "warning" if schemas.enums[f.enum].other else "stop",
                },
            )
            enum_columns += 1
    sheet.freeze_panes(FIRST_DATA_ROW, 0)


def _write_instructions(sheet, kind: Kind, schemas: Schemas, styles: dict) -> None:
    general = [
        f"本模板用于导入「{kind.title}」。第 3 行为表头（带 * 的为必填），从第 4 行起每行一条记录。",
        "表头行也可以不在第 3 行，列的顺序可以调整；表头也可以用下表「也可写作」中的写法，无法识别的列会被忽略。",
        "日期可写 2022-08-30、2022/8/30、2022.8.30、2022年8月30日，或直接使用 Excel 日期；时间可写 14:30。",
        "数字可以带单位或千位分隔符，如 230人、1,234、12.5小时；全角字符和多余空格会自动规范。",
        "同一编号出现多次时，以表中靠下的一行为准；重复导入同一文件不会产生重复记录。",
        "有问题的行不会入库，导入后会在原文件旁生成「错误报告」，写明行号、列和原因。",
    ]
    sheet.set_column(0, 0, 16)
    sheet.set_column(1, 1, 26)
    sheet.set_column(2, 2, 60)
    sheet.set_column(3, 3, 70)
    for r, line in enumerate(general):
        sheet.write(r, 0, line)
    top = len(general) + 1
    sheet.write_row(top, 0, ["列名", "也可写作", "填写要求", "可选值（及可识别的写法）"], styles["header"])
    for r, f in enumerate(kind.fields, start=top + 1):
        values = ""
        if f.type == "enum":
            enum = schemas.enums[f.enum]
            aliases: dict[str, list[str]] = {}
            for alias, value in enum.synonyms.items():
                aliases.setdefault(value, []).append(alias)
            values = "；".join(v + (f"（{'、'.join(aliases[v])}）" if v in aliases else "") for v in enum.values)
        # Quoted, so that no row of this sheet looks like a ledger header to the loader.
        synonyms = "、".join(f"「{h}」" for h in f.synonyms)
        sheet.write_row(r, 0, [f"「{f.header}」", synonyms, field_note(f, schemas), values])
    if kind.rules:
        r = top + len(kind.fields) + 2
        sheet.write(r, 0, "其他校验（不符合的行不入库，写入错误报告）：")
        for i, rule in enumerate(kind.rules, start=1):
            sheet.write(r + i, 0, f"· {rule.reason}")
