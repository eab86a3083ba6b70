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
SCHEMES_DIR = Path(__file__).resolve().parent / "schemes"


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
        "STREETDASH_SCHEMES",
        str(SCHEMES_DIR),
        "考核方案和街道设置所在的目录：每个街道一个 .toml 文件（指标、权重、计分规则、等级，以及默认办理时限、响应时限），"
        "default.toml 为共用方案；修改后考核排名立即按新方案计分，办理时限和响应时限在下一次导入"
        "（或 python -m etl settings）后生效。",
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


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The warehouse file: ``--db`` if given, else ``$WAREHOUSE_DB``, else ``data/warehouse.duckdb``."""
    return Path(override) if override else Path(setting("WAREHOUSE_DB"))


def schemes_dir() -> Path:
    """The folder of the assessment schemes and street settings (``$STREETDASH_SCHEMES``)."""
    return Path(setting("STREETDASH_SCHEMES"))


def secret_file() -> Path:
    return Path(setting("STREETDASH_SECRET_FILE"))
