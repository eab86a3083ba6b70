"""考核: the monthly assessment a district makes of its communities (or a city of its streets).

The schemes are data (:mod:`streetdash.schemes`); this module scores the metric macros' monthly
figures by them. An indicator whose metric has no value for a community (no due tasks that month)
scores nothing and is shown as 无数据; by default (``missing = "rescale"``) the community's score is
then taken over the indicators that have data and scaled to the full marks, so a month without
disputes neither helps nor hurts; with ``missing = "none"`` it simply brings no points. A ratio rule
without a target (no campaign row) is 无目标, likewise.

Pure: the 考核排名 page, the overview and the monthly report read :func:`read_assessment`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from streetdash import metrics, queries
from streetdash.catalogue import load_catalogue
from streetdash.filters import add_months, month_end
from streetdash.schemes import NO_DATA, NO_TARGET, Indicator, Scheme, load_schemes, scheme_for

# Scoring ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """One indicator of one community in one month: its actual value, the points it earned."""

    indicator: Indicator
    actual: float | None  # in the scheme's units (percent for a rate)
    target: float | None = None  # ratio rules: the target used
    points: float | None = None
    status: str = ""  # "" scored, 无数据, 无目标

    @property
    def lost(self) -> float | None:
        """Points short of the indicator's weight (a bonus above it loses nothing)."""
        return None if self.points is None else max(self.indicator.weight - self.points, 0.0)


def score(indicator: Indicator, actual, target: float | None = None) -> Part:
    """Score one value (as the metric macros give it: a rate as a fraction) by the indicator's rule.

    ``target`` (in the scheme's units) is the campaign target of a ``target = "campaign"`` rule; a
    fixed target comes from the scheme. A missing value is 无数据, a missing target 无目标: no points.
    """
    if metrics.is_missing(actual):
        return Part(indicator, None, status=NO_DATA)
    value = indicator.scheme_value(actual)
    w = indicator.weight
    if indicator.rule == "linear":
        share = (value - indicator.zero_at) / (indicator.full_at - indicator.zero_at)
        return Part(indicator, value, points=w * min(max(share, 0.0), 1.0))
    if indicator.rule == "ratio":
        goal = target if indicator.from_campaigns else float(indicator.target)
        if metrics.is_missing(goal) or goal <= 0:
            return Part(indicator, value, status=NO_TARGET)
        if indicator.lower_is_better:
            ratio = indicator.cap if value <= 0 else goal / value
        else:
            ratio = max(value, 0.0) / goal
        return Part(indicator, value, goal, points=w * min(ratio, indicator.cap))
    return Part(indicator, value, points=max(w - indicator.per_unit * value, indicator.floor))


@dataclass(frozen=True)
class GroupScore:
    """A community's (or street's) score for one month, with the parts behind it."""

    name: str
    parts: tuple[Part, ...]
    scheme: Scheme

    @property
    def points(self) -> float:
        return sum(p.points for p in self.parts if p.points is not None)

    @property
    def available(self) -> float:
        """The weights of the indicators that could be scored."""
        return sum(p.indicator.weight for p in self.parts if p.points is not None)

    @property
    def score(self) -> float | None:
        """The sum of points on the scheme's scale; None when no indicator has data."""
        if not self.available:
            return None
        if self.scheme.missing == "rescale":
            return self.points * self.scheme.full_marks / self.available
        return self.points

    @property
    def band(self) -> str | None:
        return self.scheme.bands.of(self.score)

    @property
    def unscored(self) -> list[str]:
        return [p.indicator.label for p in self.parts if p.points is None]


def score_group(
    scheme: Scheme, name: str, row: pd.Series | dict, targets: dict[str, float] | None = None
) -> GroupScore:
    """Score one row of a metric macro (columns by metric key with dots as underscores)."""
    targets = targets or {}
    parts = tuple(
        score(i, row.get(i.definition.column), targets.get(i.metric) if i.from_campaigns else None)
        for i in scheme.indicators
    )
    return GroupScore(name, parts, scheme)


def campaign_target(rows: pd.DataFrame, metric: str, start: dt.date, end: dt.date) -> float | None:
    """The target a group's campaign rows set for ``metric`` over ``start``..``end``.

    A count's target covers the campaign's whole period, so each row counts in proportion to the days
    of the period that fall in the window (序时进度); a rate's target holds every day (the mean of the
    rows that overlap). Rates are in percent, as the campaign ledger writes them. None: no campaign.
    """
    if rows is None or rows.empty:
        return None
    chosen = rows[(rows["metric_key"] == metric)]
    shares = []
    for r in chosen.itertuples(index=False):
        first, last = pd.Timestamp(r.period_start).date(), pd.Timestamp(r.period_end).date()
        overlap = (min(last, end) - max(first, start)).days + 1
        if overlap > 0 and not metrics.is_missing(r.target):
            shares.append((float(r.target), overlap / ((last - first).days + 1)))
    if not shares:
        return None
    if load_catalogue()[metric].format == "rate":
        return sum(t for t, _ in shares) / len(shares)
    return sum(t * share for t, share in shares)


def rank(scores: list[GroupScore]) -> dict[str, int | None]:
    """Rank by score, highest first; ties share the better rank; no score, no rank."""
    values = pd.Series({s.name: s.score for s in scores}, dtype="float64")
    ranks = values.rank(method="min", ascending=False)
    return {name: (None if metrics.is_missing(r) else int(r)) for name, r in ranks.items()}


def rank_change(now: int | None, before: int | None) -> str:
    """↑2, ↓1, 持平, or — when either month has no rank."""
    if now is None or before is None:
        return "—"
    if now == before:
        return "持平"
    return f"↑{before - now}" if now < before else f"↓{now - before}"


# The assessment of a scope over months ----------------------------------------------------------


LEVELS = {"community": "社区", "street": "街道"}


@dataclass
class Assessment:
    """A scope's monthly scores: the chosen month and the months before it (for the rank chart)."""

    level: str  # community | street
    scheme: Scheme
    months: list[dt.date]  # first days, oldest first; the last is the month assessed
    scores: dict[dt.date, list[GroupScore]]
    as_of: dt.date
    end: dt.date  # the last day counted in the month assessed (the data may stop before its end)

    @property
    def month(self) -> dt.date:
        return self.months[-1]

    @property
    def noun(self) -> str:
        return LEVELS[self.level]

    @property
    def partial(self) -> bool:
        return self.end < month_end(self.month)

    def month_label(self) -> str:
        label = f"{self.month.year}年{self.month.month}月"
        return f"{label}（截至{self.end.month}月{self.end.day}日）" if self.partial else label

    def ranks(self, month: dt.date) -> dict[str, int | None]:
        return rank(self.scores.get(month, []))

    def current(self) -> list[GroupScore]:
        return self.scores.get(self.month, [])

    def ranking(self) -> pd.DataFrame:
        """名次, the group, 得分, 等级, 较上月 (change of rank), 无数据: best first, unscored last."""
        # Made once per object (a page shows the table and reads its names): a copy each call.
        if "_ranking" not in self.__dict__:
            self.__dict__["_ranking"] = self._ranking()
        return self.__dict__["_ranking"].copy()

    def _ranking(self) -> pd.DataFrame:
        now = self.ranks(self.month)
        before = self.ranks(self.months[-2]) if len(self.months) > 1 else {}
        rows = [
            {
                "名次": now.get(s.name),
                self.noun: s.name,
                "得分": None if s.score is None else round(s.score, 1),
                "等级": s.band or "—",
                "较上月": rank_change(now.get(s.name), before.get(s.name)),
                "无数据指标": "、".join(s.unscored),
            }
            for s in self.current()
        ]
        frame = pd.DataFrame(rows, columns=["名次", self.noun, "得分", "等级", "较上月", "无数据指标"])
        frame["名次"] = frame["名次"].astype("Int64")
        frame["得分"] = frame["得分"].astype("float64")
        return frame.sort_values(["名次", self.noun], na_position="last").reset_index(drop=True)

    def history(self) -> pd.DataFrame:
        """month, the group, 得分, 名次: one row per group and month with a score (the rank chart)."""
        rows = []
        for month in self.months:
            ranks = self.ranks(month)
            for s in self.scores.get(month, []):
                if s.score is not None:
                    rows.append({"month": month, self.noun: s.name, "得分": s.score, "名次": ranks[s.name]})
        return pd.DataFrame(rows, columns=["month", self.noun, "得分", "名次"])

    def group(self, name: str) -> GroupScore | None:
        return next((s for s in self.current() if s.name == name), None)

    def breakdown(self, name: str) -> pd.DataFrame:
        """Each indicator of one group this month: actual, rule, points and points lost, the largest
        loss first (what to fix first); indicators without data last, marked 无数据."""
        s = self.group(name)
        rows = []
        for p in s.parts if s else ():
            i = p.indicator
            actual = NO_DATA if p.actual is None else i.shown(p.actual)
            note = {
                NO_DATA: "本月没有数据，不计分",
                NO_TARGET: "没有目标值，不计分",
            }.get(p.status, "")
            if p.target is not None and i.from_campaigns:
                note = f"本月目标 {i.shown(p.target)}"
            rows.append(
                {  # 得分 and 失分 early: on a phone the rule's long sentence is the part to scroll to
                    "指标": i.label,
                    "完成值": actual,
                    "得分": None if p.points is None else round(p.points, 2),
                    "失分": None if p.lost is None else round(p.lost, 2),
                    "分值": i.weight,
                    "计分规则": i.rule_text(),
                    "说明": note,
                }
            )
        frame = pd.DataFrame(rows, columns=["指标", "完成值", "得分", "失分", "分值", "计分规则", "说明"])
        for column in ("分值", "得分", "失分"):
            frame[column] = frame[column].astype("float64")
        return frame.sort_values("失分", ascending=False, na_position="last", kind="stable").reset_index(drop=True)


def _targets(campaigns: pd.DataFrame, names: Iterable[str], column: str, scheme: Scheme, start, end) -> dict:
    out = {}
    wanted = [i.metric for i in scheme.indicators if i.from_campaigns]
    for name in names:
        rows = campaigns[campaigns[column] == name] if not campaigns.empty else campaigns
        out[name] = {key: campaign_target(rows, key, start, end) for key in wanted}
    return out


def assess(
    level: str,
    scheme: Scheme,
    monthly: pd.DataFrame,
    campaigns: pd.DataFrame,
    months: list[dt.date],
    as_of: dt.date,
) -> Assessment:
    """Score every group of ``monthly`` (``community_monthly`` or ``street_monthly``) in each month.

    ``campaigns`` are the campaign rows with a metric key (``queries.campaign_targets``) of the scope.
    """
    column = "community" if level == "community" else "street"
    scores: dict[dt.date, list[GroupScore]] = {}
    frame = monthly.copy()
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    # Only the scheme's columns become dicts: a row of every metric column took most of the scoring.
    used = [c for c in dict.fromkeys(i.definition.column for i in scheme.indicators) if c in frame.columns]
    for month in months:
        end = min(month_end(month), as_of)
        rows = frame[frame["month"] == month]
        targets = _targets(campaigns, rows[column], column, scheme, month, end)
        scores[month] = [
            score_group(scheme, name, row, targets.get(name))
            for name, row in zip(rows[column], rows[used].to_dict("records"), strict=True)
        ]
    return Assessment(level, scheme, months, scores, as_of, min(month_end(months[-1]), as_of))


def read_assessment(
    con: duckdb.DuckDBPyConnection,
    street: str | None,
    month: dt.date,
    level: str = "community",
    months: int = 12,
    communities: tuple[str, ...] = (),
    folder: Path | None = None,
) -> Assessment:
    """The month's assessment of a street's communities (``level="community"``, the street's scheme)
    or of every street (``level="street"``, the shared scheme), with the ``months`` − 1 months before.

    ``communities`` narrows the ranking to some communities (their ranks are among themselves).
    """
    if level not in LEVELS:
        raise ValueError(f"unknown level: {level}")
    month = month.replace(day=1)
    as_of = queries.latest_data_day(con)
    window = [add_months(month, -k) for k in range(months - 1, -1, -1)]
    end = min(month_end(month), as_of)
    if level == "community":
        scheme = scheme_for(street, folder)
        monthly = metrics.community_monthly(con, window[0], end, street, communities or None)
    else:
        scheme = load_schemes(folder)[None]
        monthly = metrics.street_monthly(con, window[0], end)
    campaigns = queries.campaign_targets(con, street if level == "community" else None, window[0], end)
    return assess(level, scheme, monthly, campaigns, window, as_of)
