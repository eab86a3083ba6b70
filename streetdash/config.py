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
        "STREETDASH_SQL_TIMEOUT",
        "10",
        "「数据探索」SQL 和 python -m etl query 每条查询最多运行的秒数（含启动查询进程），超时即结束该进程。",
    ),
    Setting("STREETDASH_SQL_MAX_ROWS", "100000", "每条 SQL 查询最多返回的行数，超出的行不取，并提示结果被截断。"),
    Setting(
        "STREETDASH_SQL_MAX_RESULT_MB",
        "50",
        "每条 SQL 查询结果的最大大小（MB，按传回应用的数据计）；超出时只返回放得下的前若干行，一行也放不下则中止。",
    ),
    Setting(
        "STREETDASH_SQL_MEMORY_MB",
        "1024",
        "每条 SQL 查询可用的 DuckDB 内存（MB），超出即以「内存超过上限」中止，不写临时文件。",
    ),
    Setting(
        "STREETDASH_SQL_PROCESS_MB",
        "4096",
        "每个 SQL 查询进程的地址空间上限（MB，RLIMIT_AS），含 Python、DuckDB 和结果，应比 STREETDASH_SQL_MEMORY_MB 大约 2 GB。",
    ),
    Setting("STREETDASH_SQL_THREADS", "2", "每条 SQL 查询可用的 DuckDB 线程数。"),
    Setting(
        "STREETDASH_APP_MEMORY_MB",
        "1024",
        "应用进程读数仓时 DuckDB 可用的内存（MB，每个打开的数仓版本一份），超出时把中间结果写入临时文件而不是继续占用内存。",
    ),
    Setting("STREETDASH_SQL_PER_USER", "1", "每个用户（会话）同时运行的 SQL 查询数上限，超出时立即提示稍后再试。"),
    Setting("STREETDASH_SQL_TOTAL", "4", "整个应用同时运行的 SQL 查询数上限，超出时立即提示稍后再试。"),
    Setting(
        "STREETDASH_HEADER_MAPPINGS",
        str(DATA_DIR / "local" / "header_mappings"),
        "「导入台账」页中用户为无法识别的列指定的字段（每个街道一个 JSON 文件）所在的目录，下次导入同名的列时自动使用；"
        "不在数仓和代码库里。",
    ),
    Setting(
        "BROWSER_PATH",
        "",
        "导出图表（PNG/SVG、月报中的图）所用的 Chromium/Chrome；不设时在 PATH 中找 chromium。不会自动下载浏览器。",
    ),
    Setting(
        "STREETDASH_AUTH",
        "local",
        "登录方式：local（本地账号，默认）或 oidc（经 Streamlit 的 st.login 使用统一身份认证，需在 .streamlit/secrets.toml "
        "的 [auth] 中配置）；两种方式下账号的角色和范围都取自账号文件。",
    ),
    Setting(
        "STREETDASH_OIDC_PROVIDER",
        "",
        "统一身份认证（oidc）所用的提供方名称，即 secrets.toml 中 [auth.名称] 的名称；为空时用 [auth] 中的默认提供方。",
    ),
    Setting(
        "STREETDASH_ACCOUNTS",
        str(Path.home() / ".config" / "streetdash" / "accounts.json"),
        "账号文件（用户名、角色、范围、argon2 密码哈希、锁定状态），权限 600，不得放进数仓或代码库；"
        "用 python -m etl user 管理。",
    ),
    Setting(
        "STREETDASH_AUDIT",
        str(Path.home() / ".config" / "streetdash" / "audit.sqlite"),
        "审计日志（登录、导出、报告、查询、导入、账号变更）所在的 SQLite 文件，权限 600，在数仓之外，数据探索的查询读不到它。",
    ),
    Setting("STREETDASH_LOGIN_ATTEMPTS", "5", "连续输错密码达到这个次数后锁定账号。"),
    Setting("STREETDASH_LOCKOUT_MINUTES", "15", "账号被锁定的分钟数，到时自动解锁；管理员也可提前解锁。"),
    Setting("STREETDASH_SESSION_IDLE_MINUTES", "30", "多少分钟没有操作后需要重新登录。"),
    Setting("STREETDASH_SESSION_HOURS", "12", "登录后最长多少小时需要重新登录（无论是否在操作）。"),
    Setting(
        "STREETDASH_SCHEMES",
        str(SCHEMES_DIR),
        "考核方案和街道设置所在的目录：每个街道一个 .toml 文件（指标、权重、计分规则、等级，以及默认办理时限、响应时限），"
        "default.toml 为共用方案；修改后考核排名立即按新方案计分，办理时限和响应时限在下一次导入"
        "（或 python -m etl settings）后生效。",
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


def setting_number(name: str) -> float:
    """A declared setting that is a positive number (``1.5``, ``1_000_000``); ``ValueError`` in Chinese if not."""
    return _positive_setting(name, float, "正数")


def int_setting(name: str) -> int:
    """A declared setting that is a positive whole number (``1000000``, ``1_000_000`` or ``1,000,000``)."""
    return _positive_setting(name, int, "正整数")


def _positive_setting(name: str, parse, kind: str):
    text = setting(name)
    try:
        value = parse(text.replace("_", "").replace(",", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ValueError(f"设置 {name} 应为{kind}，现在是「{text}」。")
    return value


def warehouse_path(override: str | os.PathLike | None = None) -> Path:
    """The warehouse file: ``--db`` if given, else ``$WAREHOUSE_DB``, else ``data/warehouse.duckdb``."""
    return Path(override) if override else Path(setting("WAREHOUSE_DB"))


def schemes_dir() -> Path:
    """The folder of the assessment schemes and street settings (``$STREETDASH_SCHEMES``)."""
    return Path(setting("STREETDASH_SCHEMES"))


def secret_file() -> Path:
    return Path(setting("STREETDASH_SECRET_FILE"))
