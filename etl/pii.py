"""Personal information (个人信息): keyed hashing, masking and ID-number checks, as SQL.

Raw names, ID numbers and phone numbers exist only in the staging tables of a load (temporary, in
memory); what reaches a stored table is a ``person_key`` and a masked name. Hashing runs inside
DuckDB (HMAC-SHA256 spelled out with its ``sha256``), so a million rows need no Python loop.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl.buffers import as_one_value, string_buffers
from streetdash.config import secret_file

# Two-character surnames keep both characters when masked (欧阳娜娜 -> 欧阳**).
COMPOUND_SURNAMES = (
    "欧阳",
    "司马",
    "诸葛",
    "上官",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "令狐",
    "夏侯",
    "长孙",
    "宇文",
    "司徒",
    "端木",
    "独孤",
    "南宫",
    "西门",
    "申屠",
    "万俟",
    "闻人",
    "澹台",
    "公冶",
    "轩辕",
)
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"


def load_secret(path: Path | None = None) -> bytes:
    """The deployment's HMAC key, created (32 random bytes, mode 600) on first use."""
    path = path or secret_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return bytes.fromhex(path.read_text().strip())


def hmac_pads(key: bytes) -> tuple[bytes, bytes]:
    """The inner and outer padded keys of HMAC-SHA256 (RFC 2104), to run HMAC as two SQL sha256 calls."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in key), bytes(b ^ 0x5C for b in key)


def person_key_py(key: bytes, message: str) -> str:
    """Reference implementation of the SQL ``person_key`` (used by tests to check the SQL)."""
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def mask_name_py(name: str) -> str:
    surname = name[:2] if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else name[:1]
    return surname + "*" * (len(name) - len(surname))


def id_number_valid_py(id_number: str) -> bool:
    if len(id_number) != 18 or not id_number[:17].isdigit():
        return False
    total = sum(int(c) * w for c, w in zip(id_number[:17], ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11] == id_number[17].upper()


def create_pii_macros(con, key: bytes) -> None:
    """Temporary SQL macros ``person_key(msg)``, ``mask_name(name)``, ``id_valid(id)``, ``phone_valid(p)``.

    The key's pads are inlined as blob literals into TEMP macros: they live only in this connection's
    memory and are never written to the warehouse file.
    """
    inner, outer = hmac_pads(key)
    surnames = ", ".join(f"'{s}'" for s in COMPOUND_SURNAMES)
    weights = ", ".join(str(w) for w in ID_WEIGHTS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP MACRO person_key(msg) AS
            sha256(unhex('{outer.hex()}') || unhex(sha256(unhex('{inner.hex()}') || encode(msg))));
        CREATE OR REPLACE TEMP MACRO mask_name(name) AS
            CASE WHEN name IS NULL THEN NULL
                 WHEN length(name) > 2 AND left(name, 2) IN ({surnames})
                     THEN left(name, 2) || repeat('*', length(name) - 2)
                 ELSE left(name, 1) || repeat('*', length(name) - 1) END;
        CREATE OR REPLACE TEMP MACRO id_valid(id) AS
            CASE WHEN NOT regexp_full_match(id, '[0-9]{{17}}[0-9X]') THEN false
                 ELSE substr('{ID_CHECK_CHARS}',
                             CAST(list_sum(list_transform(range(1, 18),
                                 lambda i: TRY_CAST(substr(id, i, 1) AS INTEGER) * [{weights}][i])) % 11 + 1
                                  AS BIGINT), 1) = substr(id, 18, 1) END;
        CREATE OR REPLACE TEMP MACRO mask_id(id) AS
            CASE WHEN id IS NULL THEN NULL
                 WHEN length(id) > 8 THEN left(id, 3) || repeat('*', length(id) - 5) || right(id, 2)
                 ELSE repeat('*', length(id)) END;
        CREATE OR REPLACE TEMP MACRO clean_phone(p) AS
            regexp_replace(regexp_replace(p, '[\\s\\-()]', '', 'g'), '^(\\+?86)', '');
        CREATE OR REPLACE TEMP MACRO mask_phone(p) AS
            CASE WHEN p IS NULL THEN NULL
                 WHEN length(p) > 7 THEN left(p, 3) || repeat('*', length(p) - 5) || right(p, 2)
                 ELSE repeat('*', length(p)) END;
        """
    )


# ---------------------------------------------------------------------------------------------
# ID and mobile numbers typed into free text (任务内容 "联系人电话13812345678"), masked before staging

ID_TOKEN = "[身份证号]"
PHONE_TOKEN = "[手机号]"
# Whether a column holds anything to look at: 11 or more digits in a row, or a mobile number written in
# 3-4-4 groups (138 1234 5678, 138-1234-5678). One regex pass over the column's bytes.
_CANDIDATE = r"[0-9]{11}|1[3-9][0-9][ -][0-9]{4}[ -][0-9]{4}"
_GROUP_SEPARATORS = np.frombuffer(b" -", np.uint8)
_CHECK_CHARS = np.frombuffer(ID_CHECK_CHARS.encode(), np.uint8)
_WEIGHTS = np.array(ID_WEIGHTS, np.int64)
_DIGIT_0 = ord("0")


@dataclass
class MaskCounts:
    """How many ID numbers and mobile numbers were masked."""

    id_numbers: int = 0
    phones: int = 0

    def __iadd__(self, other: MaskCounts) -> MaskCounts:
        self.id_numbers += other.id_numbers
        self.phones += other.phones
        return self

    def __bool__(self) -> bool:
        return bool(self.id_numbers or self.phones)

    def describe(self) -> str:
        """The load summary's note, e.g. ``文字中的 2 个身份证号、1 个手机号已遮盖``."""
        parts = [f"{n} 个{what}" for n, what in ((self.id_numbers, "身份证号"), (self.phones, "手机号")) if n]
        return f"文字中的 {'、'.join(parts)}已遮盖" if parts else ""


def mask_numbers(values: pa.Array, weights: np.ndarray | None = None) -> tuple[pa.Array, MaskCounts]:
    """``values`` with ID numbers and mobile numbers replaced by ``[身份证号]`` and ``[手机号]``.

    Numbers are runs of digits bounded by non-digits, judged whole (digits next to other digits are
    never part of a match): an ID number is a run of exactly 18 digits with a valid check digit (17
    digits and X counts too) or of exactly 15 digits; a mobile number is a run of exactly 11 digits
    starting 13..19, or of 13 starting 8613..8619, or 3-4-4 digits joined by single spaces or hyphens.

    Vectorised over the column's UTF-8 bytes (an ASCII digit is never part of a multi-byte character):
    a regex pass says whether there is anything to do, numpy finds and judges the runs and splices the
    tokens in. ``weights`` (one per value) counts a value that many times: for a dictionary's values.
    """
    counts = MaskCounts()
    if len(values) == 0 or values.null_count == len(values):
        return values, counts
    if not may_hold_numbers(values):
        return values, counts
    if values.offset:
        values = pa.concat_arrays([values])  # a validity bitmap that starts at the first value, for the result
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    offsets, data = string_buffers(values)

    starts, ends = _digit_runs(data, offsets)
    lengths = ends - starts
    owner = np.searchsorted(offsets, starts, side="right") - 1  # the value each run is in
    first = data[starts]
    second = data[np.minimum(starts + 1, len(data) - 1)]
    mobile = (first == ord("1")) & (second >= ord("3")) & (second <= ord("9"))

    # 17 digits and an X (in the same value) are an 18-character ID number.
    x_end = np.minimum(ends, len(data) - 1)
    with_x = (lengths == 17) & (ends < offsets[owner + 1]) & ((data[x_end] == ord("X")) | (data[x_end] == ord("x")))
    ends = ends + with_x
    lengths = lengths + with_x

    is_phone = mobile & (lengths == 11)
    if (lengths == 13).any():
        is_phone |= (lengths == 13) & (first == ord("8")) & (second == ord("6")) & _mobile_at(data, starts + 2)
    is_id = lengths == 15
    long_runs = np.flatnonzero(lengths == 18)
    if len(long_runs):
        is_id[long_runs] = _check_digit_valid(data, starts[long_runs])

    # 138 1234 5678: runs of 3, 4 and 4 digits one separator apart, in one value.
    span_start, span_end = starts.copy(), ends.copy()
    grouped = np.zeros(len(starts), bool)
    if len(starts) >= 3:
        a, b, c = slice(0, -2), slice(1, -1), slice(2, None)
        grouped[a] = (
            mobile[a]
            & (lengths[a] == 3)
            & (lengths[b] == 4)
            & (lengths[c] == 4)
            & (starts[b] == ends[a] + 1)
            & (starts[c] == ends[b] + 1)
            & np.isin(data[np.minimum(ends[a], len(data) - 1)], _GROUP_SEPARATORS)
            & np.isin(data[np.minimum(ends[b], len(data) - 1)], _GROUP_SEPARATORS)
            & (owner[a] == owner[c])
        )
        span_end[:-2][grouped[:-2]] = ends[2:][grouped[:-2]]
    is_phone |= grouped
    keep = is_phone | is_id
    if not keep.any():
        return values, counts
    token = np.where(is_phone[keep], 1, 0)
    masked, new_offsets = _splice(data, offsets, span_start[keep], span_end[keep], token)
    w = np.ones(len(values), np.int64) if weights is None else np.asarray(weights, np.int64)
    counts.phones = int(w[owner[keep][token == 1]].sum())
    counts.id_numbers = int(w[owner[keep][token == 0]].sum())
    out = pa.Array.from_buffers(
        values.type,
        len(values),
        [values.buffers()[0], pa.py_buffer(new_offsets.astype(offset_type)), pa.py_buffer(masked)],
        values.null_count,
    )
    return out, counts


def may_hold_numbers(values: pa.Array) -> bool:
    """Whether anything in ``values`` could be an ID or mobile number (``_CANDIDATE``): one regex pass over
    all of the column's bytes, far cheaper than one per value, and usually the only pass a column needs."""
    if len(values) == values.null_count:
        return False
    return pc.any(pc.match_substring_regex(as_one_value(values), _CANDIDATE)).as_py()


def _digit_runs(data: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive) byte positions of every maximal run of ASCII digits within a value."""
    digit = (data - _DIGIT_0) < 10  # uint8 arithmetic wraps below '0'
    edges = np.flatnonzero(digit[1:] != digit[:-1]) + 1
    if digit[0]:
        edges = np.concatenate([[0], edges])
    if digit[-1]:
        edges = np.concatenate([edges, [len(data)]])
    starts, ends = edges[0::2], edges[1::2]
    # A value ending in digits followed by one starting with digits: two runs, not one.
    inner = offsets[1:-1]
    inner = inner[(inner > 0) & (inner < len(data))]
    cut = inner[digit[inner] & digit[inner - 1]]
    if len(cut):
        starts, ends = np.sort(np.concatenate([starts, cut])), np.sort(np.concatenate([ends, cut]))
    return starts, ends


def _mobile_at(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    at = np.minimum(at, len(data) - 2)
    return (data[at] == ord("1")) & (data[at + 1] >= ord("3")) & (data[at + 1] <= ord("9"))


def _check_digit_valid(data: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For 18-character runs starting at ``starts``: is the 18th character the right check digit?"""
    digits = data[starts[:, None] + np.arange(17)].astype(np.int64) - _DIGIT_0
    expected = _CHECK_CHARS[digits @ _WEIGHTS % 11]
    last = data[starts + 17]
    return expected == np.where(last == ord("x"), ord("X"), last)


_TOKENS = [ID_TOKEN.encode(), PHONE_TOKEN.encode()]


def _splice(
    data: np.ndarray, offsets: np.ndarray, starts: np.ndarray, ends: np.ndarray, token: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``data`` with byte ranges ``[starts, ends)`` replaced by ``_TOKENS[token]``, and the new offsets.

    The output is the kept ranges and the tokens, alternating; each block of about 1 MB of output is
    gathered from the data followed by the tokens through an index built by ``repeat``, so that the
    temporary index stays small however long the column.
    """
    source = np.concatenate([data, np.frombuffer(b"".join(_TOKENS), np.uint8)])
    token_at = np.array([len(data), len(data) + len(_TOKENS[0])])
    token_len = np.array([len(t) for t in _TOKENS])
    n = len(starts)
    seg_start = np.empty(2 * n + 1, np.int64)
    seg_len = np.empty(2 * n + 1, np.int64)
    seg_start[0::2] = np.concatenate([[0], ends])
    seg_len[0::2] = np.concatenate([starts, [len(data)]]) - seg_start[0::2]
    seg_start[1::2] = token_at[token]
    seg_len[1::2] = token_len[token]
    out_end = np.cumsum(seg_len)
    out_start = out_end - seg_len
    shift = seg_start - out_start
    out = np.empty(int(out_end[-1]), np.uint8)
    block = 1 << 20
    step = np.arange(block)
    i = 0
    while i < len(seg_len):
        j = max(i + 1, int(np.searchsorted(out_end, out_start[i] + block, side="right")))
        a, b = int(out_start[i]), int(out_end[j - 1])
        if j == i + 1:  # one range, perhaps a long one: a plain copy
            out[a:b] = source[seg_start[i] : seg_start[i] + seg_len[i]]
        else:
            index = np.repeat(shift[i:j] + a, seg_len[i:j])
            index += step[: b - a]
            out[a:b] = source[index]
        i = j
    change = np.concatenate([[0], np.cumsum(token_len[token] - (ends - starts))])
    new_offsets = offsets + change[np.searchsorted(ends, offsets, side="right")]
    return out, new_offsets


# The same rules with look-around: a run of digits bounded by non-digits (an ID's final X may be followed by anything).
_ID_OR_PHONE_PY = re.compile(r"(?<![0-9])(?:[0-9]{17}[Xx]|(?:[0-9]{18}|[0-9]{15}|(?:86)?1[3-9][0-9]{9})(?![0-9]))")


def mask_numbers_py(text: str) -> str:
    """Reference implementation of :func:`mask_numbers` for one value (tests compare the two)."""
    if not re.search(_CANDIDATE, text):
        return text
    text = re.sub(r"(?<![0-9])(1[3-9][0-9])[ -]([0-9]{4})[ -]([0-9]{4})(?![0-9])", r"\1\2\3", text)

    def one(match: re.Match) -> str:
        run = match.group(0)
        if len(run) == 18:
            return ID_TOKEN if id_number_valid_py(run) else run
        return ID_TOKEN if len(run) == 15 else PHONE_TOKEN

    return _ID_OR_PHONE_PY.sub(one, text)
