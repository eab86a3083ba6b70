"""Paths and settings, declared once with their help text and overridable from the environment.

The README's settings table is generated from ``SETTINGS`` (see ``tests/test_docs.py``), so a setting
cannot exist without being documented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJ_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJ_ROOT / "data"
DEMO_DIR = DATA_DIR / "demo"


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str

    def value(self) -> str:
        return os.environ.get(self.name) or self.default


SETTINGS = [
    Setting(
        "WAREHOUSE_DB",
        str(DATA_DIR / "warehouse.duckdb"),
        "DuckDB 数仓文件路径，ETL 与应用共用；命令行 --db 优先于它。",
    ),
    Setting(
        "STREETDASH_SECRET_FILE",
        str(Path.home() / ".config" / "streetdash" / "person_key.secret"),
        "个人信息哈希（person_key）所用的部署密钥文件，首次使用时自动生成，权限 600，"
        "不得放进数仓或代码库。更换密钥会使所有 person_key 改变。",
    ),
    Setting(
        "BROWSER_PATH",
        "",
        "导出图表（PNG/SVG、月报中的图）所用的 Chromium/Chrome；不设时在 PATH 中找 chromium。不会自动下载浏览器。",
    ),
]
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """Current value of a declared setting (environment first, then the default)."""
    return _BY_NAME[name].value()


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The warehouse file: ``--db`` if given, else ``$WAREHOUSE_DB``, else ``data/warehouse.duckdb``."""
    return Path(override) if override else Path(setting("WAREHOUSE_DB"))


def secret_file() -> Path:
    return Path(setting("STREETDASH_SECRET_FILE"))
