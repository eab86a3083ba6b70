"""The global filters: street, communities and period, kept in the URL so a link reproduces a view.

Plain values and functions (``Filters``, ``period_range``, ``from_query``/``to_query``, month arithmetic),
no Streamlit: the pages, the report and the exports share them; ``streetdash.app.sidebar`` draws the widgets.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field, replace

PERIODS = ["本月", "上月", "本季度", "本年", "自定义"]
FILTER_PARAMS = ("street", "community", "start", "end")


@dataclass(frozen=True)
class Filters:
    street: str | None
    communities: tuple[str, ...] = field(default_factory=tuple)  # empty: every community of the street
    start: dt.date = dt.date(2024, 12, 1)
    end: dt.date = dt.date(2024, 12, 31)
    # The end chosen when the data stops before it ("数据截至"): ``end`` is then the data's last day
    # (see :meth:`cut_at`), and comparisons use as many days of the period before.
    asked_end: dt.date | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def is_cut(self) -> bool:
        """Whether the period chosen runs past the data's last day and so ends there."""
        return self.asked_end is not None

    def cut_at(self, as_of: dt.date) -> Filters:
        """The period ending at ``as_of`` (the data's last day) if it runs past it: December chosen
        with data up to the 17th is 1–17 December. A period wholly after the data stays as chosen."""
        whole = self.asked_end or self.end
        if self.start <= as_of < whole:
            return replace(self, end=as_of, asked_end=whole)
        return replace(self, end=whole, asked_end=None)

    def previous(self) -> Filters:
        """The period of equal length just before this one (for 环比). Whole months compare with as
        many whole months before; a cut period with the same days of the period before (1–17
        December with 1–17 November), so no comparison sets part of a month against a whole one."""
        asked = self.asked_end or self.end
        if self.start.day == 1 and (asked + dt.timedelta(days=1)).day == 1:
            months = (asked.year - self.start.year) * 12 + asked.month - self.start.month + 1
            start = add_months(self.start, -months)
            end = add_months(self.end, -months) if self.is_cut else self.start - dt.timedelta(days=1)
            return Filters(self.street, self.communities, start, end)
        return Filters(
            self.street, self.communities, self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1)
        )

    def year_before(self) -> Filters:
        """The same period a year earlier (for 同比)."""
        return Filters(self.street, self.communities, add_months(self.start, -12), add_months(self.end, -12))

    def label(self) -> str:
        if self.is_cut:
            whole = Filters(self.street, self.communities, self.start, self.asked_end).label()
            return f"{whole}（截至{self.end.month}月{self.end.day}日）"
        if self.start.day == 1 and self.end == month_end(self.start):
            return f"{self.start.year}年{self.start.month}月"
        if self.start == dt.date(self.start.year, 1, 1) and self.end == dt.date(self.start.year, 12, 31):
            return f"{self.start.year}年"
        if self.start.day == 1 and self.start.month % 3 == 1 and self.end == month_end(add_months(self.start, 2)):
            return f"{self.start.year}年第{(self.start.month + 2) // 3}季度"
        return f"{self.start:%Y-%m-%d} 至 {self.end:%Y-%m-%d}"


def as_of_text(as_of: dt.date, year: int | None = None) -> str:
    """数据截至 12月31日 (the year too when it is not ``year``, the year of the period shown)."""
    day = f"{as_of.month}月{as_of.day}日"
    return f"数据截至 {day}" if year == as_of.year else f"数据截至 {as_of.year}年{day}"


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months; a month end stays a month end, the 31st becomes the 30th if need be."""
    index = day.year * 12 + day.month - 1 + months
    first = dt.date(index // 12, index % 12 + 1, 1)
    if day == month_end(day):
        return month_end(first)
    return first.replace(day=min(day.day, month_end(first).day))


def period_range(preset: str, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """Start and end of a preset period, relative to ``as_of`` (the latest day with data)."""
    if preset == "本月":
        return as_of.replace(day=1), month_end(as_of)
    if preset == "上月":
        start = add_months(as_of.replace(day=1), -1)
        return start, month_end(start)
    if preset == "本季度":
        start = dt.date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
        return start, month_end(add_months(start, 2))
    if preset == "本年":
        return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)
    raise ValueError(preset)


def preset_comparisons(as_of: dt.date) -> list[tuple[Filters, Filters]]:
    """Each preset period but 自定义 as the sidebar makes it on data up to ``as_of`` (cut there), with
    the period it is compared with (:meth:`Filters.previous`): the ranges a load stores the figures of
    (etl/stored_periods.py), so that choosing a preset reads rows instead of running the metric query."""
    pairs = []
    for preset in PERIODS[:-1]:
        chosen = Filters(None, (), *period_range(preset, as_of)).cut_at(as_of)
        pairs.append((chosen, chosen.previous()))
    return pairs


def default_period(latest: dt.date) -> tuple[dt.date, dt.date]:
    """The latest full month present in the data: the month of ``latest`` if it ends there, else the one before."""
    if latest == month_end(latest):
        return latest.replace(day=1), latest
    start = add_months(latest.replace(day=1), -1)
    return start, month_end(start)


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def from_query(params: dict[str, list[str]], streets: dict[str, list[str]], latest: dt.date) -> Filters:
    """Filters from query parameters (``street``, ``community`` repeated or comma-separated, ``start``,
    ``end``); anything unknown or malformed falls back to the defaults rather than failing."""
    street = (params.get("street") or [None])[-1]
    if street not in streets:
        street = next(iter(streets), None)
    allowed = streets.get(street, [])
    wanted = [c.strip() for value in params.get("community", []) for c in value.split(",") if c.strip()]
    communities = tuple(c for c in wanted if c in allowed)
    start, end = _date((params.get("start") or [None])[-1]), _date((params.get("end") or [None])[-1])
    if not start or not end or start > end:
        start, end = default_period(latest)
    return Filters(street, communities, start, end).cut_at(latest)


def to_query(filters: Filters) -> dict[str, str | list[str]]:
    """The URL parameters of a view; the end as chosen (a link made on the 17th of a month still means
    the whole month, however far the data reaches when it is opened)."""
    end = filters.asked_end or filters.end
    query: dict[str, str | list[str]] = {"start": filters.start.isoformat(), "end": end.isoformat()}
    if filters.street:
        query["street"] = filters.street
    if filters.communities:
        query["community"] = list(filters.communities)
    return query


def preset_of(filters: Filters, latest: dt.date) -> str:
    for preset in PERIODS[:-1]:
        if period_range(preset, latest) == (filters.start, filters.asked_end or filters.end):
            return preset
    return "自定义"
