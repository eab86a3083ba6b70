"""Global filters: periods, the previous period, and the URL round trip."""

import datetime as dt

import pytest

from streetdash.filters import Filters, add_months, default_period, from_query, period_range, to_query

STREETS = {"崇文街道": ["新建社区", "崇北社区", "永安社区"], "许庄街道": ["古桥社区"]}
LATEST = dt.date(2024, 12, 31)


@pytest.mark.parametrize(
    "preset,expected",
    [
        ("本月", (dt.date(2024, 12, 1), dt.date(2024, 12, 31))),
        ("上月", (dt.date(2024, 11, 1), dt.date(2024, 11, 30))),
        ("本季度", (dt.date(2024, 10, 1), dt.date(2024, 12, 31))),
        ("本年", (dt.date(2024, 1, 1), dt.date(2024, 12, 31))),
    ],
)
def test_presets(preset, expected):
    assert period_range(preset, LATEST) == expected


def test_default_is_the_latest_full_month():
    assert default_period(dt.date(2024, 12, 31)) == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    assert default_period(dt.date(2024, 12, 20)) == (dt.date(2024, 11, 1), dt.date(2024, 11, 30))


def test_previous_period_of_equal_length():
    month = Filters("崇文街道", (), dt.date(2024, 3, 1), dt.date(2024, 3, 31))
    assert (month.previous().start, month.previous().end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    quarter = Filters("崇文街道", (), dt.date(2024, 4, 1), dt.date(2024, 6, 30))
    assert (quarter.previous().start, quarter.previous().end) == (dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    days = Filters("崇文街道", (), dt.date(2024, 3, 10), dt.date(2024, 3, 19))
    assert (days.previous().start, days.previous().end) == (dt.date(2024, 2, 29), dt.date(2024, 3, 9))
    assert (month.year_before().start, month.year_before().end) == (dt.date(2023, 3, 1), dt.date(2023, 3, 31))
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def test_query_round_trip_and_forms():
    params = {
        "street": ["崇文街道"],
        "community": ["崇北社区,永安社区"],
        "start": ["2022-01-01"],
        "end": ["2022-12-31"],
    }
    filters = from_query(params, STREETS, LATEST)
    assert filters == Filters("崇文街道", ("崇北社区", "永安社区"), dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert filters.label() == "2022年"
    repeated = {
        "street": ["崇文街道"],
        "community": ["崇北社区", "永安社区"],
        "start": ["2022-01-01"],
        "end": ["2022-12-31"],
    }
    assert from_query(repeated, STREETS, LATEST) == filters
    back = {k: v if isinstance(v, list) else [v] for k, v in to_query(filters).items()}
    assert from_query(back, STREETS, LATEST) == filters


def test_bad_query_values_fall_back_to_defaults():
    filters = from_query(
        {"street": ["不存在街道"], "community": ["古桥社区"], "start": ["2022-13-01"]}, STREETS, LATEST
    )
    assert filters == Filters("崇文街道", (), dt.date(2024, 12, 1), dt.date(2024, 12, 31))
