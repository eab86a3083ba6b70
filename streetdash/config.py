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
        "TASK_COORDINATES_CRS",
        "wgs84",
        "任务台账中经度、纬度的坐标系：wgs84（GPS、天地图）或 gcj02（微信小程序、高德、腾讯地图取的点）；"
        "用于把未填网格的任务按坐标匹配到网格。",
    ),
    Setting(
        "MAP_TILE_URL",
        "",
        "网格地图的底图瓦片地址（含 {z}/{x}/{y}），如内网瓦片服务或带密钥的天地图地址；为空时不加载底图，"
        "地图在白色背景上绘制，适合无法访问互联网的政务外网。",
    ),
    Setting(
        "MAP_TILE_CRS",
        "wgs84",
        "底图瓦片的坐标系：wgs84（天地图、多数内网瓦片）或 gcj02（高德、腾讯瓦片），为 gcj02 时网格按 GCJ-02 偏移后绘制，"
        "与底图对齐。",
    ),
    Setting("MAP_TILE_ATTRIBUTION", "", "底图的版权说明（如「天地图」），显示在地图右下角。"),
    Setting(
        "STREETDASH_SAVED_QUERIES",
        str(DATA_DIR / "local" / "saved_queries.sqlite"),
        "「数据探索」中保存的查询（名称和 SQL）所在的 SQLite 文件，第一次保存时创建；不在数仓里，导入不会覆盖它。",
    ),
    Setting(
        "BROWSER_PATH",
        "",
        "导出图表（PNG/SVG、月报中的图）所用的 Chromium/Chrome；不设时在 PATH 中找 chromium。不会自动下载浏览器。",
    ),
    Setting(
        "ETL_MAX_FILE_MB",
        "500",
        "导入时单个文件的大小上限（MB）；更大的文件不读取，并说明原因。",
    ),
    Setting(
        "ETL_MAX_UNPACKED_MB",
        "1000",
        ".xlsx 文件（实为 zip 压缩包）解压后的总大小上限（MB）；超过的视为压缩炸弹，不读取。"
        "100 万行的台账解压后约 500 MB。",
    ),
    Setting(
        "ETL_MAX_COMPRESSION_RATIO",
        "100",
        ".xlsx 中单个部件（超过 1 MB 时）的压缩比上限；正常工作簿在 5～30 倍之间，超过的视为压缩炸弹，不读取。",
    ),
    Setting(
        "ETL_MAX_SHEET_ROWS",
        "1000000",
        "每个工作表的行数上限，按声明的范围（dimension）和实际单元格两者检查，超过的文件不读取。",
    ),
    Setting(
        "ETL_MAX_SHEET_COLUMNS",
        "200",
        "每个工作表的列数上限（200 列即到 GR 列），检查方法同行数。",
    ),
    Setting(
        "ETL_MAX_SHEET_CELLS",
        "20000000",
        "每个工作表的单元格数上限（从 A1 到最后一个有内容的单元格，行数 × 列数）；读取工作表所需内存与它成正比，"
        "约每百万个单元格 80 MB。",
    ),
    Setting(
        "ETL_MAX_CSV_FIELD_KB",
        "1024",
        "CSV 文件中单个单元格的大小上限（KB）；超过的文件不读取（多半不是台账，或引号不配对）。",
    ),
    Setting(
        "STREETDASH_RAISE_ERRORS",
        "",
        "设为 1 时页面出错直接抛出异常（供测试和开发用）；默认只向用户显示中文说明和参考编号，详细信息写入服务器日志。",
    ),
]
_BY_NAME = {s.name: s for s in SETTINGS}


def setting(name: str) -> str:
    """Current value of a declared setting (environment first, then the default)."""
    return _BY_NAME[name].value()


def int_setting(name: str) -> int:
    """A declared setting that is a positive whole number (``1000000`` or ``1_000_000``)."""
    value = setting(name)
    try:
        number = int(value.replace("_", "").replace(",", ""))
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"设置 {name} 应为正整数，现在是「{value}」")
    return number


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The warehouse file: ``--db`` if given, else ``$WAREHOUSE_DB``, else ``data/warehouse.duckdb``."""
    return Path(override) if override else Path(setting("WAREHOUSE_DB"))


def secret_file() -> Path:
    return Path(setting("STREETDASH_SECRET_FILE"))
