"""Assessment schemes (考核方案) as data: reading and checking the TOML files of ``streetdash/schemes/``.

One file per street (``<street>.toml``, with ``street = "…"``) or one shared by every other street
(``default.toml``): the indicators (a catalogue metric, a weight on a 100-point scale, a rule), the
bands, and the street's settings the metric macros read (``[settings]``: the default 办理时限 of a task
without a deadline, the response limit of 及时响应率). The loader writes the settings into the
warehouse at every load; the scoring is :mod:`streetdash.assessment`. Light (no pandas): the loader
imports it.

The rules are the three kinds of METRICS.md:

``linear``     0 points at or below ``zero_at``, the full weight at or above ``full_at``, linear
               between; with ``zero_at`` above ``full_at`` lower is better.
``ratio``      CityScore-style: weight × min(actual ÷ target, cap) (target ÷ actual where lower is
               better); the target from the scheme or, with ``target = "campaign"``, from the
               community's campaign rows (领题攻坚指标) that name the metric, prorated to the month.
``deduction``  the full weight less ``per_unit`` points per unit, not below ``floor``.

Thresholds and targets of a rate are written in percent (60 means 60%), as campaign targets are.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

from streetdash.catalogue import Metric, load_catalogue

RULES = ("linear", "ratio", "deduction")
MISSING_MODES = ("rescale", "none")
NO_DATA, NO_TARGET = "无数据", "无目标"
GREEN, YELLOW, RED = "绿", "黄", "红"
SHARED_FILE = "default.toml"
DEFAULT_DUE_DAYS, DEFAULT_RESPONSE_HOURS = 7, 24.0
CAP = 1.25  # CityScore's cap on actual ÷ target


class SchemeError(ValueError):
    """A scheme file that cannot be used; the message is a Chinese sentence naming the file and the fix."""


def _number(value: float) -> str:
    """12, 0.5, 92.5: a number as a scheme file writes it."""
    return f"{value:,.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Indicator:
    """One line of a scheme: a catalogue metric, its weight and how it scores."""

    metric: str
    weight: float
    rule: str
    zero_at: float | None = None  # linear
    full_at: float | None = None  # linear
    target: float | str | None = None  # ratio: a number, or "campaign"
    cap: float = CAP  # ratio
    per_unit: float | None = None  # deduction
    floor: float = 0.0  # deduction
    name: str | None = None  # shown instead of the catalogue name

    @property
    def definition(self) -> Metric:
        return load_catalogue()[self.metric]

    @property
    def label(self) -> str:
        """The name shown: the scheme's, else the catalogue's without a bracketed unit (发布就业信息)."""
        if self.name:
            return self.name
        m = self.definition
        return m.name.removesuffix(f"（{m.unit}）")

    @property
    def from_campaigns(self) -> bool:
        return self.target == "campaign"

    @property
    def lower_is_better(self) -> bool:
        if self.rule == "linear":
            return self.zero_at > self.full_at
        return self.definition.direction == "lower"

    def scheme_value(self, actual):
        """The metric's value in the scheme's units: a rate in percent, anything else as it is."""
        from streetdash.metrics import is_missing  # here: the loader reads the settings, and needs no pandas

        if is_missing(actual):
            return None
        return float(actual) * 100 if self.definition.format == "rate" else float(actual)

    def written(self, value: float) -> str:
        """A threshold or target in the scheme's units with its unit, as the file writes it: 95%, 20 条."""
        m = self.definition
        if m.format == "rate":
            return f"{_number(value)}%"
        return f"{_number(value)} {m.unit}"

    def shown(self, value: float) -> str:
        """An actual value (in the scheme's units) as the dashboard writes it: 82.4%, 23 件, 120.6 户/人."""
        m = self.definition
        if m.format == "rate":
            return f"{value:.2f}%" if 0 < value < 1 else f"{value:.1f}%"  # 0.03% is not 0.0%
        if m.format == "count":
            return f"{value:,.0f} {m.unit}"
        return f"{value:,.1f} {m.unit}"

    def rule_text(self) -> str:
        """The rule in a sentence a secretary reads aloud."""
        w = _number(self.weight)
        if self.rule == "linear":
            if self.lower_is_better:
                return (
                    f"不高于 {self.written(self.full_at)} 得满分 {w} 分，{self.written(self.zero_at)} 及以上不得分，"
                    "其间按比例计分"
                )
            return f"达到 {self.written(self.full_at)} 得满分 {w} 分，{self.written(self.zero_at)} 及以下不得分，其间按比例计分"
        if self.rule == "ratio":
            target = (
                "目标取本社区领题攻坚指标中该项的目标值（按当月天数折算）"
                if self.from_campaigns
                else f"目标 {self.written(float(self.target))}"
            )
            formula = "目标值 ÷ 完成值" if self.lower_is_better else "完成值 ÷ 目标值"
            top = (
                f"最多 {w} 分"
                if self.cap == 1
                else f"超额完成最多按 {_number(self.cap * 100)}% 计（{_number(self.weight * self.cap)} 分）"
            )
            return f"{target}；按 {formula} × {w} 分计分，{top}"
        unit = self.definition.unit
        floor = "扣完为止" if self.floor == 0 else f"最低 {_number(self.floor)} 分"
        return f"满分 {w} 分，每 1 {unit}{self.label}扣 {_number(self.per_unit)} 分，{floor}"


@dataclass(frozen=True)
class Bands:
    """Score bands: green at or above ``green``, yellow at or above ``yellow``, red below."""

    green: float = 90.0
    yellow: float = 75.0

    def of(self, score) -> str | None:
        from streetdash.metrics import is_missing  # see Indicator.scheme_value

        if is_missing(score):
            return None
        return GREEN if score >= self.green else YELLOW if score >= self.yellow else RED

    def text(self) -> str:
        g, y = _number(self.green), _number(self.yellow)
        return f"{g} 分及以上为绿色，{y} 分至 {g} 分为黄色，{y} 分以下为红色"


@dataclass(frozen=True)
class StreetSettings:
    """The street's settings the metric macros read (written to the warehouse at every load)."""

    due_days: int = DEFAULT_DUE_DAYS  # 默认办理时限: a task without a deadline is due this many days after publication
    response_hours: float = DEFAULT_RESPONSE_HOURS  # 响应时限: a first claim within this counts as 及时响应


@dataclass(frozen=True)
class Scheme:
    """A street's assessment scheme (or the shared one, ``street`` None)."""

    title: str
    street: str | None
    indicators: tuple[Indicator, ...]
    bands: Bands = field(default_factory=Bands)
    settings: StreetSettings = field(default_factory=StreetSettings)
    missing: str = "rescale"
    path: Path | None = None

    @property
    def full_marks(self) -> float:
        return sum(i.weight for i in self.indicators)

    def sentences(self) -> list[str]:
        """The scheme in plain Chinese: one sentence per indicator, then the total and the bands."""
        lines = [f"{i.label}（{_number(i.weight)} 分）：{i.rule_text()}。" for i in self.indicators]
        missing = (
            "某项指标当月没有数据（如没有应办结任务）时显示「无数据」、不计分，得分按其余指标折算为满分 "
            f"{_number(self.full_marks)} 分。"
            if self.missing == "rescale"
            else "某项指标当月没有数据时显示「无数据」、不得分。"
        )
        lines.append(f"满分 {_number(self.full_marks)} 分；{self.bands.text()}。{missing}")
        return lines


# Reading scheme files --------------------------------------------------------------------------------


def _fail(path: Path, where: str, problem: str) -> SchemeError:
    return SchemeError(f"考核方案 {path.name}{where}：{problem}")


def _indicator(path: Path, number: int, raw: dict) -> Indicator:
    where = f" 第 {number} 个指标"
    known = {f for f in Indicator.__dataclass_fields__}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise _fail(path, where, f"不认识的项 {'、'.join(unknown)}，可用的项为 {'、'.join(sorted(known))}。")
    key = raw.get("metric")
    catalogue = load_catalogue()
    if key not in catalogue:
        raise _fail(
            path,
            where,
            f"metric「{key}」不在指标目录（streetdash/metrics.toml）中，请改为目录中的指标键，如 tasks.closure_rate。",
        )
    where = f" 第 {number} 个指标（{catalogue[key].name}）"
    rule = raw.get("rule")
    if rule not in RULES:
        raise _fail(path, where, f"rule 应为 linear（线性）、ratio（完成比例）或 deduction（扣分），收到「{rule}」。")
    weight = raw.get("weight")
    if not isinstance(weight, int | float) or weight <= 0:
        raise _fail(path, where, "weight（分值）应为大于 0 的数。")
    numbers = {k: v for k, v in raw.items() if k in ("zero_at", "full_at", "cap", "per_unit", "floor")}
    for k, v in numbers.items():
        if not isinstance(v, int | float) or isinstance(v, bool):
            raise _fail(path, where, f"{k} 应为数字，收到「{v}」。")
    indicator = Indicator(**{**raw, "weight": float(weight), **{k: float(v) for k, v in numbers.items()}})
    if rule == "linear":
        if indicator.zero_at is None or indicator.full_at is None or indicator.zero_at == indicator.full_at:
            raise _fail(path, where, "线性计分需要 zero_at（不得分的值）和 full_at（得满分的值），且两者不同。")
        direction = indicator.definition.direction
        if direction != "neutral" and indicator.lower_is_better != (direction == "lower"):
            better = "越低越好" if direction == "lower" else "越高越好"
            raise _fail(
                path, where, f"该指标{better}，zero_at 与 full_at 的方向相反，请对调两者（zero_at 为不得分的一端）。"
            )
    elif rule == "ratio":
        target = indicator.target
        if target != "campaign" and (not isinstance(target, int | float) or isinstance(target, bool) or target <= 0):
            raise _fail(
                path, where, '完成比例计分需要 target：大于 0 的目标值，或 "campaign"（取领题攻坚指标的目标）。'
            )
        if indicator.cap < 1:
            raise _fail(path, where, "cap（完成比例上限）不能小于 1。")
    else:
        if indicator.per_unit is None or indicator.per_unit <= 0:
            raise _fail(path, where, "扣分计分需要 per_unit：每单位扣的分数，大于 0。")
        if not 0 <= indicator.floor < indicator.weight:
            raise _fail(path, where, "floor（最低分）应不小于 0 且小于 weight。")
    return indicator


def read_scheme(path: Path, shared: Scheme | None = None) -> Scheme:
    """One scheme file; settings and bands it leaves out come from ``shared`` (the shared scheme).

    Raises :class:`SchemeError` in Chinese, naming the file, the indicator and the fix.
    """
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise _fail(path, "", f"不是有效的 TOML（{error}），请检查引号、等号和方括号。") from error
    base = shared or Scheme("", None, ())
    settings_raw = raw.get("settings", {})
    settings = replace(
        base.settings,
        **{k: settings_raw[k] for k in ("due_days", "response_hours") if k in settings_raw},
    )
    if not isinstance(settings.due_days, int) or settings.due_days < 0:
        raise _fail(path, "", "settings.due_days（默认办理时限，天）应为不小于 0 的整数。")
    if not isinstance(settings.response_hours, int | float) or settings.response_hours <= 0:
        raise _fail(path, "", "settings.response_hours（响应时限，小时）应为大于 0 的数。")
    bands = replace(base.bands, **{k: float(v) for k, v in raw.get("bands", {}).items() if k in ("green", "yellow")})
    if bands.yellow > bands.green:
        raise _fail(path, "", "bands.yellow（黄色下限）不能高于 bands.green（绿色下限）。")
    missing = raw.get("missing", base.missing)
    if missing not in MISSING_MODES:
        raise _fail(path, "", "missing 应为 rescale（无数据的指标不计入满分）或 none（无数据的指标不得分）。")
    indicators = tuple(_indicator(path, i, entry) for i, entry in enumerate(raw.get("indicator", []), start=1))
    if shared is not None and not indicators:
        indicators = shared.indicators  # a street file with settings only takes the shared indicators
    keys = [i.metric for i in indicators]
    if len(set(keys)) != len(keys):
        raise _fail(path, "", "同一指标出现了两次，请合并为一项。")
    return Scheme(
        title=raw.get("title") or (f"{raw['street']}考核方案" if raw.get("street") else "考核方案"),
        street=raw.get("street"),
        indicators=indicators,
        bands=bands,
        settings=settings,
        missing=missing,
        path=path,
    )


def _stamp(folder: Path) -> tuple:
    return tuple(sorted((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in folder.glob("*.toml")))


@cache
def _schemes(folder: Path, stamp: tuple) -> dict[str | None, Scheme]:
    shared_path = folder / SHARED_FILE
    shared = read_scheme(shared_path) if shared_path.exists() else Scheme("考核方案", None, ())
    if shared.street is not None:
        raise _fail(shared_path, "", "共用方案不属于某个街道，请删去 street 一行。")
    out: dict[str | None, Scheme] = {None: shared}
    for path in sorted(folder.glob("*.toml")):
        if path.name == SHARED_FILE:
            continue
        scheme = read_scheme(path, shared)
        if not scheme.street:
            raise _fail(path, "", '请用 street = "街道名称" 写明这是哪个街道的方案（共用方案请命名为 default.toml）。')
        if scheme.street in out:
            raise _fail(
                path,
                "",
                f"街道「{scheme.street}」已有方案 {out[scheme.street].path.name}，一个街道只能有一个方案文件。",
            )
        out[scheme.street] = scheme
    return out


def version(folder: Path | None = None) -> str:
    """Changes whenever a scheme file changes (a cache key for scores)."""
    from streetdash.config import schemes_dir

    folder = Path(folder or schemes_dir()).resolve()
    return repr((str(folder), _stamp(folder))) if folder.is_dir() else "none"


def load_schemes(folder: Path | None = None) -> dict[str | None, Scheme]:
    """Every scheme of the folder (``$STREETDASH_SCHEMES``) by street, the shared one under ``None``.

    Read again whenever a file changes, so an edited scheme counts from the next page view.
    """
    from streetdash.config import schemes_dir

    folder = Path(folder or schemes_dir()).resolve()
    if not folder.is_dir():
        return {None: Scheme("考核方案", None, ())}
    return _schemes(folder, _stamp(folder))


def scheme_for(street: str | None, folder: Path | None = None) -> Scheme:
    """The street's scheme, or the shared one when the street has none (or ``street`` is None)."""
    schemes = load_schemes(folder)
    return schemes.get(street) or schemes[None]


def settings_rows(folder: Path | None = None) -> list[tuple[str | None, int, float, str]]:
    """(street or None for every other street, due days, response hours, file name): the table the
    ETL writes as ``street_settings`` for the metric macros."""
    rows = []
    for street, scheme in load_schemes(folder).items():
        source = scheme.path.name if scheme.path else "（内置默认）"
        rows.append((street, scheme.settings.due_days, float(scheme.settings.response_hours), source))
    return rows
