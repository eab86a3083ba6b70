"""The monthly figures a load stores (``etl/sql/40_stored``: ``months_communities``, ``months_streets``)
are the monthly macros' own rows, and ``streetdash.metrics`` reads them only for ranges whose rows they
hold as the macros compute them: whole months from the first stored month, the last one possibly cut at
the data's last day. Compared frame for frame, column types included, with the macros run directly, for
random whole-month ranges and scopes on the demo and on the hand-made street."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd
import pytest

from streetdash import metrics
from streetdash.filters import add_months, month_end

MONTHLY = {"community_monthly": metrics.community_monthly, "street_monthly": metrics.street_monthly}


def read(con, macro, start, end, street=None, communities=None) -> pd.DataFrame:
    """The frame ``streetdash.metrics`` gives for ``macro`` (street_monthly takes no communities)."""
    return MONTHLY[macro](con, start, end, street, *([communities] if macro == "community_monthly" else []))


def by_macro(con, macro, start, end, street=None, communities=None) -> pd.DataFrame:
    """The frame as the macro itself gives it (the stored tables switched off)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "_stored_months", lambda *args: None)
        return read(con, macro, start, end, street, communities)


def coverage(con) -> tuple[dt.date, dt.date]:
    return con.execute("SELECT first_month, last_day FROM months_coverage").fetchall()[0]


def assert_stored_equal(con, macro, start, end, street=None, communities=None) -> None:
    assert metrics._stored_months(con, macro, start, end), (macro, start, end)
    got = read(con, macro, start, end, street, communities)
    expected = by_macro(con, macro, start, end, street, communities)
    assert not expected.empty
    pd.testing.assert_frame_equal(got, expected, check_dtype=True, obj=f"{macro} {start}–{end} {street} {communities}")


def check_random_ranges(con, examples: int, seed: int = 24) -> None:
    rows = con.execute("SELECT street, community, community_id FROM dim_communities ORDER BY ALL").fetchall()
    streets = sorted({r[0] for r in rows})
    first, last = coverage(con)
    months = (last.year - first.year) * 12 + last.month - first.month
    rng = random.Random(seed)
    for _ in range(examples):
        start = add_months(first, rng.randint(0, months))
        end_month = add_months(start, rng.randint(0, 13))
        if end_month > last.replace(day=1):
            end_month = last.replace(day=1)
        # The month's last day, or the data's last day (a page's 本月), or past it within its month.
        end = month_end(end_month) if end_month < last.replace(day=1) else rng.choice([last, month_end(last)])
        street = rng.choice([*streets, None])
        pool = [r[1] if rng.random() < 0.7 else r[2] for r in rows if r[0] == street]
        chosen = tuple(rng.sample(pool, min(len(pool), rng.randint(1, 2)))) if pool and rng.random() < 0.4 else None
        assert_stored_equal(con, "community_monthly", start, end, street, chosen)
        assert_stored_equal(con, "street_monthly", start, end, street)


def test_stored_months_equal_the_macros_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        first, last = coverage(con)
        # The last 24 months of the data, the last one up to its last day.
        assert last == con.execute("SELECT max(as_of) FROM data_as_of").fetchone()[0]
        assert first == add_months(last.replace(day=1), -23)
        # A 考核 of the last month with the eleven before it, and the whole stored span.
        assert_stored_equal(con, "community_monthly", add_months(last.replace(day=1), -11), last, "崇文街道")
        assert_stored_equal(con, "street_monthly", first, last)
        check_random_ranges(con, examples=12)


def test_stored_months_equal_the_macros_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        first, last = coverage(con)
        # Less than 24 months of data: the stored months start with the first month that has any.
        assert (
            first == con.execute("SELECT CAST(date_trunc('month', min(day)) AS DATE) FROM rollup_daily").fetchone()[0]
        )
        check_random_ranges(con, examples=8)


def test_other_ranges_are_computed_by_the_macros(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        first, last = coverage(con)
        month = add_months(last.replace(day=1), -3)
        stored = lambda start, end: metrics._stored_months(con, "community_monthly", start, end)  # noqa: E731
        assert stored(month, month_end(month))
        # Not the first of a month, not a month's last day, before the first stored month, past the
        # data's last month: the macro, whose rows for those differ from whole stored months.
        assert not stored(month + dt.timedelta(days=1), month_end(month))
        assert not stored(month, month_end(month) - dt.timedelta(days=1))
        assert not stored(add_months(first, -1), month_end(month))
        assert not stored(month, month_end(add_months(last, 1)))
        assert not metrics._stored_months(con, "community_metrics", month, month_end(month))
        # Such a range still gives the macro's figures.
        start = month + dt.timedelta(days=3)
        pd.testing.assert_frame_equal(
            metrics.community_monthly(con, start, last), by_macro(con, "community_monthly", start, last)
        )


def test_stored_months_are_empty_in_the_scoped_copy(demo):
    """A street's stored row adds up every community of the street: a community user's SQL workspace
    gets the stored tables empty, and its macros compute the scope's own figures instead."""
    from streetdash import sqlworker
    from streetdash.access import Scope

    scope = Scope(streets=("崇文街道",), communities=("崇北社区",))
    tables = ("months_coverage", "months_communities", "months_streets")
    sql = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t}) AS {t}" for t in tables)
    result = sqlworker.run(sql, demo[0], scope=scope)
    assert result.frame.iloc[0].tolist() == [0, 0, 0]
    # The macros there give the community's own months all the same.
    result = sqlworker.run(
        "SELECT * FROM community_monthly(DATE '2024-01-01', DATE '2024-03-31')", demo[0], scope=scope
    )
    assert result.frame["community"].unique().tolist() == ["崇北社区"] and len(result.frame) == 3


def test_a_warehouse_of_the_community_list_alone(tmp_path):
    """No ledger with records yet: the load stores the one month up to its day, as the macros give it."""
    from etl.load import load_paths
    from tests.ledgers import COMMUNITIES, write_csv

    db = tmp_path / "w.duckdb"
    assert load_paths([write_csv(tmp_path / "社区名录.csv", COMMUNITIES)], db=db).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        first, last = coverage(con)
        assert first == last.replace(day=1)
        assert_stored_equal(con, "community_monthly", first, last)
        assert_stored_equal(con, "street_monthly", first, month_end(last))


def test_one_community_chosen_reads_its_stored_months(demo):
    """One community chosen is its own scope: its months (scope_monthly) are its stored months, equal
    to what the selection macro computes; several, or a range the months do not hold, run the macro."""
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        first, last = coverage(con)
        rows = con.execute("SELECT community, community_id FROM dim_communities ORDER BY ALL").fetchall()
        rng = random.Random(7)
        for name, code in rng.sample(rows, 5):
            start = add_months(first, rng.randint(0, 12))
            end = rng.choice([last, month_end(add_months(start, rng.randint(0, 10)))])
            chosen = (rng.choice([name, code]),)
            got = metrics._one_community_monthly(con, start, end, chosen)
            assert got is not None, (start, end, chosen)
            pd.testing.assert_frame_equal(got, metrics.selection_monthly(con, start, end, chosen), obj=f"{chosen}")
            pd.testing.assert_frame_equal(metrics.scope_monthly(con, start, end, None, chosen), got)
        two = (rows[0][0], rows[1][0])
        assert metrics._one_community_monthly(con, first, last, two[:1]) is not None
        assert metrics._one_community_monthly(con, first + dt.timedelta(days=1), last, two[:1]) is None
        assert metrics._one_community_monthly(con, first, last, ("没有这个社区",)) is None
        pd.testing.assert_frame_equal(
            metrics.scope_monthly(con, first, last, None, two), metrics.selection_monthly(con, first, last, two)
        )
