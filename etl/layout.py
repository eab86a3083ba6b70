"""Sheet layout: where a hand-kept ledger's header is, and which rows under it are records.

Ledgers kept by community workers are laid out for printing, not for loading: a header may span two
or three rows under merged group cells (``当事人`` over ``姓名``/``联系电话``), values written once for a
block of rows are merged cells, and under the data come totals (``合计``), footers (``填表人：…``) and
notes (``备注：…``). This module finds the header block, spreads merged values, and tells records from
those rows. It works on cells as text (the readers turn cells into text first) and knows nothing of
files, so the Excel and CSV readers share it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc

from streetdash.schema import Kind, Schemas, normalise_header

MAX_HEADER_ROWS = 3
# Shown between a group cell and the column name under it (当事人/姓名) and accepted as a header written so.
GROUP_SEPARATOR = "/"

Cell = str | None


# ---------------------------------------------------------------------------------------------
# Merged cells


@dataclass(frozen=True)
class Span:
    """A merged range, 0-based and inclusive, as calamine gives it: ((top, left), (bottom, right))."""

    top: int
    left: int
    bottom: int
    right: int

    @classmethod
    def from_calamine(cls, merged: tuple[tuple[int, int], tuple[int, int]]) -> Span:
        (top, left), (bottom, right) = merged
        return cls(top, left, bottom, right)

    @property
    def wide(self) -> bool:
        return self.right > self.left


@dataclass
class Grid:
    """A sheet's cells as text, with merged values spread over their ranges.

    ``cells`` has the merged values spread (what a person reads in every cell of a merged range);
    ``own`` whether a row has anything written in it before spreading (a row that only a merged range
    reaches is not a record); ``groups`` the cells covered by a merged range over several columns
    (the group cells of a multi-row header); ``merged_notes`` rows whose only content is one merged
    range over several columns (a note or a footer line, never a record).
    """

    cells: list[list[Cell]]
    written: list[list[Cell]]
    own: list[bool]
    groups: set[tuple[int, int]] = field(default_factory=set)
    merged_notes: set[int] = field(default_factory=set)
    raw: list[list[object]] | None = None  # spread cell values as read (numbers stay numbers)
    spans: list[Span] = field(default_factory=list)  # the merged ranges spread (titles over everything not)


def spread_merges(raw: list[list[object]], text: list[list[Cell]], spans: Sequence[Span]) -> Grid:
    """The grid of a worksheet: merged values spread, except ranges that span the whole used width.

    A range as wide as everything written in the sheet is a title, a note or a footer line: spreading
    it would put one sentence into every field. Every other range's value applies to each of its
    cells, so a community written once for a block of rows lands on every row of the block.
    """
    height = len(text)
    written = text
    own = [any(r) for r in written]  # cells are text or None, never ""
    width = max([len(r) for r in text] + [s.right + 1 for s in spans if s.top < height] + [0])
    if not any(s.top < height for s in spans):
        # Nothing to spread (a sheet as software exports it): the rows as they are, padded where short,
        # without copying a million cells three times.
        cells = [r if len(r) == width else list(r) + [None] * (width - len(r)) for r in text]
        values = [r if len(r) == width else list(r) + [None] * (width - len(r)) for r in raw]
        return Grid(cells, written, own, set(), set(), values, [])
    written = [list(r) for r in text]
    used = [i for r in written for i, c in enumerate(r) if c]
    first_col, last_col = (min(used), max(used)) if used else (0, 0)
    cells = [list(r) + [None] * (width - len(r)) for r in text]
    values = [list(r) + [None] * (width - len(r)) for r in raw]
    groups: set[tuple[int, int]] = set()
    merged_notes: set[int] = set()
    spread: list[Span] = []
    for span in spans:
        if span.top >= height:
            continue
        anchor, value = cells[span.top][span.left], values[span.top][span.left]
        bottom = min(span.bottom, height - 1)
        if span.top == bottom and span.wide:
            content = [c for c in written[span.top] if c]
            if len(content) == 1 and content[0] == anchor and anchor:
                merged_notes.add(span.top)
            if span.left <= first_col and span.right >= last_col:
                continue  # a title or note over the whole table: not data
        spread.append(span)
        for r in range(span.top, bottom + 1):
            for c in range(span.left, span.right + 1):
                if span.wide:
                    groups.add((r, c))
                if (r, c) != (span.top, span.left):
                    cells[r][c] = anchor
                    values[r][c] = value
    return Grid(cells, written, own, groups, merged_notes, values, spread)


def csv_groups(rows: list[list[Cell]]) -> tuple[list[list[Cell]], set[tuple[int, int]]]:
    """What a merged group cell becomes when a sheet is saved as CSV: its label in its first column and
    empty cells after it. Such a label is carried over the empty cells that have a column name under
    them, as the merged cell was; returns the filled rows (used as upper header rows) and the cells
    so covered."""
    filled = [list(r) for r in rows]
    groups: set[tuple[int, int]] = set()
    for r in range(len(rows) - 1):
        row, below = rows[r], rows[r + 1]
        c = 0
        while c < len(row):
            if row[c] and c < len(below) and below[c]:
                end = c + 1
                while end < len(row) and not row[end] and end < len(below) and below[end]:
                    end += 1
                if end > c + 1:
                    for k in range(c, end):
                        filled[r][k] = row[c]
                        groups.add((r, k))
                c = end
            else:
                c += 1
    return filled, groups


# ---------------------------------------------------------------------------------------------
# Header blocks


@dataclass
class HeaderBlock:
    """Where a ledger's header is (0-based rows ``top``..``bottom``; data starts under ``bottom``), its
    kind, and which column became which field."""

    top: int
    bottom: int
    kind: Kind
    mapping: dict[int, str]  # column -> field name
    headers: dict[int, str]  # column -> header as shown (a group and the name under it joined by "/")

    @property
    def columns(self) -> dict[str, str]:
        """Field name -> header as written in the file."""
        return {name: self.headers[i] for i, name in self.mapping.items()}

    @property
    def ignored(self) -> list[str]:
        """Headers of the columns no field was found for, each once, in file order."""
        out: list[str] = []
        for i, h in sorted(self.headers.items()):
            if i not in self.mapping and h not in out and h not in self.columns.values():
                out.append(h)
        return out

    @property
    def missing(self) -> list[str]:
        """Headers of the required fields not found."""
        return [f.header for f in self.kind.required_fields if f.name not in self.mapping.values()]


@functools.lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    return normalise_header(text)


def _column_candidates(
    upper: list[list[Cell]], rows: list[list[Cell]], top: int, bottom: int, groups: set[tuple[int, int]]
) -> dict[int, tuple[str, list[str], list[str]]]:
    """Per column: (header as shown, specific header texts, group labels to fall back on).

    A column's name is its lowest header cell; under a group cell it is also tried joined with the
    group (当事人 + 姓名 -> 当事人姓名). A cell of a lower row counts only under a group cell or under
    nothing: under an ordinary header cell it is the first record, not a sub-header.
    """
    width = max(len(r) for r in rows[top : bottom + 1])
    out = {}
    for c in range(width):
        uppers: list[tuple[str, bool]] = []
        for r in range(top, bottom):
            value = upper[r][c] if c < len(upper[r]) else None
            if value and (not uppers or uppers[-1][0] != value):
                uppers.append((value, (r, c) in groups))
        low = rows[bottom][c] if c < len(rows[bottom]) else None
        if low and uppers and uppers[-1][0] == low:
            low = None  # a header cell merged down over the block
        group_labels = [t for t, g in uppers if g]
        singles = [t for t, g in uppers if not g]
        name = low if low and (group_labels or not singles) else singles[-1] if singles else None
        specific: list[str] = []
        shown = GROUP_SEPARATOR.join(group_labels) if group_labels else None
        if name:
            shown = GROUP_SEPARATOR.join([*group_labels, name])
            if group_labels:
                specific += [shown, "".join([*group_labels, name]), group_labels[-1] + name]
            specific.append(name)
            specific += [t for t in reversed(singles) if t != name]
        if shown:
            out[c] = (shown, [_normalised(t) for t in specific], [_normalised(t) for t in group_labels[::-1]])
    return out


def _assign(header_map: dict[str, str], candidates: dict[int, tuple[str, list[str], list[str]]]) -> dict[int, str]:
    """Column -> field: first every column by its own name, then group labels for fields still free
    (so 当事人 over 联系电话 and 姓名 goes to the 姓名 column, not the first one)."""
    mapping: dict[int, str] = {}
    for pass_index in (1, 2):
        for c, (_, specific, group_labels) in candidates.items():
            if c in mapping:
                continue
            for text in specific if pass_index == 1 else group_labels:
                name = header_map.get(text)
                if name and name not in mapping.values():
                    mapping[c] = name
                    break
    return dict(sorted(mapping.items()))


def locate_block(
    rows: list[list[Cell]],
    schemas: Schemas,
    kind_name: str | None,
    *,
    upper: list[list[Cell]] | None = None,
    groups: set[tuple[int, int]] | None = None,
    spans: Sequence[Span] = (),
    scan_rows: int = 30,
) -> HeaderBlock | None:
    """The header block among the first ``scan_rows`` rows, or None.

    A block is one row, or two or three rows whose upper rows hold merged header cells (group cells
    over several columns, ``groups``, or cells merged down). A block never ends inside a merged cell
    (``spans``): a header cell merged over rows 3-4 means the header goes on in row 4. A block is a
    header when at least two of its columns are headers of one kind; among kinds, the one with most
    fields wins, then the one with most required fields. Blocks are compared by fields found; a deeper
    block must find more than the rows under its groups alone, so a title row or the first record is
    never taken into the header. ``upper`` is the text used for upper rows (a CSV's group labels
    carried over their columns); by default ``rows``.
    """
    upper = upper if upper is not None else rows
    groups = groups or set()
    spans = [s for s in spans if s.top < scan_rows]
    evidence = {r for r, _ in groups} | {s.top for s in spans if s.bottom > s.top}
    reach: dict[int, int] = {}  # row -> the lowest row a merged cell starting there reaches
    for s in spans:
        reach[s.top] = max(reach.get(s.top, s.top), s.bottom)
    kinds = [schemas.kinds[kind_name]] if kind_name else schemas.ledgers()
    header_maps = {kind.name: kind.header_map() for kind in kinds}
    best: HeaderBlock | None = None
    for bottom in range(min(scan_rows, len(rows))):
        for depth in range(1, MAX_HEADER_ROWS + 1):
            top = bottom - depth + 1
            if top < 0 or (depth > 1 and not evidence & set(range(top, bottom))):
                continue
            if any(reach.get(r, r) > bottom for r in range(top, bottom + 1)):
                continue
            candidates = _column_candidates(upper, rows, top, bottom, groups)
            found: tuple[tuple[int, int], Kind, dict[int, str]] | None = None
            for kind in kinds:
                mapping = _assign(header_maps[kind.name], candidates)
                required = {f.name for f in kind.required_fields}
                score = (len(mapping), len(required & set(mapping.values())))
                if len(mapping) >= 2 and (found is None or score > found[0]):
                    found = (score, kind, mapping)
            if found and (best is None or len(found[2]) > len(best.mapping)):
                headers = {c: shown for c, (shown, _, _) in candidates.items()}
                best = HeaderBlock(top, bottom, found[1], found[2], headers)
    if best is not None:
        # Reported from the top of the header cells merged down into the block (not needed to place
        # the fields, but that is where the header starts for the person looking at the sheet).
        best.top = min([best.top] + [s.top for s in spans if s.top < best.top <= s.bottom <= best.bottom])
    return best


def is_options_list(block: HeaderBlock) -> bool:
    """A sheet whose recognised columns are all lists of choices (the drop-down values of a workbook)."""
    return all(block.kind.field(name).type == "enum" for name in block.mapping.values())


# ---------------------------------------------------------------------------------------------
# Rows that are not records

_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
# A total: the word alone, or followed by anything but another character (总计划 is not 总计).
TOTAL = re.compile(rf"^(合计|小计|总计)(?:$|[^{_HAN}])")
# Footer lines: who filled in, checked and signed the sheet, and when.
FOOTER = re.compile(
    r"^(填表|填报|制表|审核|审批|复核|核对|统计人|统计日期|经办人|负责人|单位负责人|主管领导|分管领导|"
    r"签字|签名|盖章|报送日期|报送单位)"
)
NOTE = re.compile(r"^(备注|说明|注|附注|填表说明|填写说明)\d*[:：]")
FOOTER_LABEL = "表尾（填表人、审核人、日期等）"


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def row_label(cells: Sequence[Cell], merged_note: bool = False) -> str | None:
    """What a non-record row is (合计行, 小计行, 总计行, 表尾, 备注行, 说明行), judged by its first written
    cell, or None for a row that may be a record."""
    for first in cells:
        if first and first.strip():
            break
    else:
        return None
    if first.lstrip()[0].isascii():
        # Every label starts with a Chinese character, and NFKC keeps an ASCII character ASCII (or
        # composes it with a following mark into a Latin letter): a record's code or number, at once.
        return "说明行" if merged_note else None
    text = _squeeze(first)
    if m := TOTAL.match(text):
        return f"{m.group(1)}行"
    if NOTE.match(text):  # before footers: 填表说明：… is a note, not a signature
        return "备注行"
    if FOOTER.match(text):
        return FOOTER_LABEL
    if merged_note:
        return "说明行"
    return None


TITLE_LABEL = "标题行"


def title_rows(written: Sequence[bool]) -> dict[int, str]:
    """Excel row number -> 标题行 for the rows above the header with anything in them (titles, notes)."""
    return {r + 1: TITLE_LABEL for r, has_content in enumerate(written) if has_content}


def classify_rows(rows: Sequence[tuple[int, Sequence[Cell], bool]]) -> dict[int, str]:
    """Excel row number -> label for the rows under a header that are not records.

    ``rows`` are (row number, cells as written, whether the row is one merged note), in order. Below
    the first footer line (填表人、审核人…) nothing is a record: the names and dates signed there are
    part of the footer.
    """
    out: dict[int, str] = {}
    in_footer = False
    for number, cells, merged_note in rows:
        if in_footer:
            if any(c for c in cells):
                out[number] = FOOTER_LABEL
            continue
        label = row_label(cells, merged_note)
        if label:
            out[number] = label
            in_footer = label == FOOTER_LABEL
    return out


def footer_rows_of_table(table: pa.Table, kind: Kind, order: Sequence[str]) -> dict[int, str]:
    """The non-record rows of a CSV ledger read into Arrow (``_row`` = Excel row number).

    A total or footer row never has all the required fields of a record, so only rows missing one are
    looked at, as Python lists: for a clean million-row file that is one cheap null mask. ``order``
    names the table's text columns in the order of the file's columns.
    """
    present = [f.name for f in kind.required_fields if f.name in table.column_names]
    if not present or table.num_rows == 0:
        return {}
    mask = pc.is_null(table[present[0]])
    for name in present[1:]:
        mask = pc.or_(mask, pc.is_null(table[name]))
    if not pc.any(mask).as_py():
        return {}
    suspects = table.filter(mask).select([*order, "_row"]).to_pylist()
    return classify_rows([(r["_row"], [r[name] for name in order], False) for r in suspects])


def skipped_note(skipped: dict[int, str]) -> str | None:
    """One sentence for the load summary: 第 12、25 行为小计行，第 40 行为合计行，未导入. Title rows are left
    out (the header row says where the data starts); they are in the list of skipped rows."""
    skipped = {row: label for row, label in skipped.items() if label != TITLE_LABEL}
    if not skipped:
        return None
    by_label: dict[str, list[int]] = {}
    for number, label in sorted(skipped.items()):
        by_label.setdefault(label, []).append(number)
    parts = [f"第 {_ranges(numbers)} 行为{label}" for label, numbers in by_label.items()]
    return "，".join(parts) + "，未导入"


def _ranges(numbers: list[int]) -> str:
    """12、25、40–43"""
    out: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], None]:
        if n is not None and n == prev + 1:
            prev = n
            continue
        out.append(str(start) if start == prev else f"{start}–{prev}")
        if n is not None:
            start = prev = n
    return "、".join(out)


def skipped_row_reason(label: str) -> str:
    """The reason listed for one skipped row (第 58 行为合计行，未导入 without the row number)."""
    return f"{label}，未导入"


# ---------------------------------------------------------------------------------------------
# Numbers that were ID numbers

LOST_DIGITS = {
    "id_number": "身份证号被 Excel 存成了数字，末尾几位已丢失（Excel 只保留 15 位有效数字），无法识别此人；"
    "请把该列单元格格式设为「文本」，重新录入完整的 18 位号码后再导入",
    "phone": "手机号被 Excel 存成了数字，末尾或开头的数字可能已丢失；请把该列单元格格式设为「文本」，重新录入完整号码后再导入",
}
# Excel's way of showing a long number (1.41181E+17), kept as text by a CSV export.
EXPONENT_FORM = r"[0-9]+(\.[0-9]+)?[eE]\+?[0-9]+"


def mask_number(text: str) -> str:
    """As ``mask_id``/``mask_phone`` in SQL: the first three and last two characters."""
    return text[:3] + "*" * (len(text) - 5) + text[-2:] if len(text) > 8 else "*" * len(text)


def is_number_cell(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
