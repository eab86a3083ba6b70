"""Personal information (个人信息): keyed hashing, masking and ID-number checks, as SQL.

Raw names, ID numbers and phone numbers exist only in the staging tables of a load (temporary, in
memory); what reaches a stored table is a ``person_key`` and a masked name. Hashing runs inside
DuckDB (HMAC-SHA256 spelled out with its ``sha256``), so a million rows need no Python loop.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

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
