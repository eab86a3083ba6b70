"""The preset periods' figures a load stores (``etl/stored_periods.py``, ``periods_grouped``) are what
``scope_with_communities`` gives: for every preset the sidebar offers on the data's last day (本月, 上月,
本季度, 本年, each with the period it is compared with), ``streetdash.metrics.scope_figures`` read from
them equals the same call with the stored rows switched off, frame for frame and column types included,
for every street, the whole warehouse and single communities (by name and by code). Any other choice
(a custom range, several communities) still runs the macro. On the demo (data up to a month's end: the
months are copied from the stored months) and on the hand-made street (data up to the 1st of a month:
the periods before are cut, so they are computed)."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pandas as pd
import pytest

from streetdash import metrics
from streetdash.filters import preset_comparisons

PARTS = ("current", "previous", "communities")


def by_macro(con, *args) -> metrics.ScopeFigures:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(metrics, "_stored_scope", lambda *a: None)
        return metrics.scope_figures(con, *args)


def is_stored(con, start, end, previous, street, communities) -> bool:
    prev_start, prev_end = previous or (None, None)
    params = dict(start=start, end=end, prev_start=prev_start, prev_end=prev_end, street=street)
    chosen = list(communities) if communities else None
    return metrics._stored_scope(con, {**params, "communities": chosen}, previous is not None) is not None


def assert_same(con, start, end, previous, street=None, communities=None, stored=True) -> None:
    args = (start, end, previous, street, communities)
    assert is_stored(con, *args) is stored, args
    got, expected = metrics.scope_figures(con, *args), by_macro(con, *args)
    for part in PARTS:
        pd.testing.assert_frame_equal(getattr(got, part), getattr(expected, part), obj=f"{part} {args}")
    assert not expected.current.empty


def check_presets(con, seed: int = 18) -> None:
    as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
    pairs = preset_comparisons(as_of)
    stored = set(con.execute("SELECT p_start, p_end FROM periods_coverage").fetchall())
    assert stored == {(f.start, f.end) for pair in pairs for f in pair}
    rows = con.execute("SELECT street, community, community_id FROM dim_communities ORDER BY ALL").fetchall()
    streets = sorted({r[0] for r in rows})
    rng = random.Random(seed)
    # Each preset: every street at once, one street, one community of it by name or code, one by name
    # with no street; and once, no period before asked for.
    for current, before in pairs:
        previous = (before.start, before.end)
        assert_same(con, current.start, current.end, previous)
        assert_same(con, current.start, current.end, previous, rng.choice(streets))
        street, name, code = rng.choice(rows)
        assert_same(con, current.start, current.end, previous, street, (rng.choice([name, code]),))
        assert_same(con, current.start, current.end, previous, None, (rng.choice(rows)[1],))
    assert_same(con, pairs[0][0].start, pairs[0][0].end, None, streets[0])


def test_stored_presets_equal_the_macro_on_the_demo(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        check_presets(con)


def test_stored_presets_equal_the_macro_on_the_hand_made_street(street_db):
    with duckdb.connect(str(street_db), read_only=True) as con:
        as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
        assert as_of.day == 1  # the periods before are cut (1 May for 本月): computed, not copied
        check_presets(con)


def test_other_choices_run_the_macro(demo):
    with duckdb.connect(str(demo[0]), read_only=True) as con:
        as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
        current, before = preset_comparisons(as_of)[2]
        previous = (before.start, before.end)
        rows = con.execute(
            "SELECT street, community FROM dim_communities WHERE street = '崇文街道' ORDER BY community"
        ).fetchall()
        other = con.execute("SELECT community FROM dim_communities WHERE street <> '崇文街道' LIMIT 1").fetchall()[0][0]
        # A custom range; a period before that is not the preset's; two communities; a name that is no
        # community; a community of another street than the one asked for.
        custom = (current.start + dt.timedelta(days=3), current.end)
        assert_same(con, *custom, previous, "崇文街道", stored=False)
        assert_same(con, current.start, current.end, (before.start, before.end - dt.timedelta(days=1)), stored=False)
        assert_same(con, current.start, current.end, previous, "崇文街道", (rows[0][1], rows[1][1]), stored=False)
        assert not is_stored(con, current.start, current.end, previous, "崇文街道", ("没有这个社区",))
        assert_same(con, current.start, current.end, previous, "崇文街道", (other,), stored=False)


def test_stored_presets_are_empty_in_the_scoped_copy(demo):
    from streetdash import sqlworker
    from streetdash.access import Scope

    scope = Scope(streets=("崇文街道",), communities=("崇北社区",))
    sql = "SELECT (SELECT count(*) FROM periods_coverage) AS c, (SELECT count(*) FROM periods_grouped) AS g"
    assert sqlworker.run(sql, demo[0], scope=scope).frame.iloc[0].tolist() == [0, 0]


def test_a_warehouse_of_the_community_list_alone(tmp_path):
    from etl.load import load_paths
    from tests.ledgers import COMMUNITIES, write_csv

    db = tmp_path / "w.duckdb"
    assert load_paths([write_csv(tmp_path / "社区名录.csv", COMMUNITIES)], db=db).exit_code == 0
    with duckdb.connect(str(db), read_only=True) as con:
        as_of = con.execute("SELECT max(as_of) FROM data_as_of").fetchall()[0][0]
        for current, before in preset_comparisons(as_of):
            assert_same(con, current.start, current.end, (before.start, before.end))


@pytest.mark.parametrize("warehouse", ["demo", "street_db"])
def test_stored_backlog_equals_the_count_over_tasks(warehouse, request):
    """The task page's backlog ageing at a stored period's end is the stored counts summed over the
    scope; the same as counting the open tasks, for every street, communities one and two at a time."""
    from streetdash import queries
    from streetdash.filters import Filters

    db = request.getfixturevalue(warehouse)
    db = db[0] if isinstance(db, tuple) else db
    with duckdb.connect(str(db), read_only=True) as con:
        ends = sorted({r[0] for r in con.execute("SELECT p_end FROM periods_coverage").fetchall()})
        rows = con.execute("SELECT street, community FROM dim_communities ORDER BY ALL").fetchall()
        rng = random.Random(5)
        choices = [(s, ()) for s in sorted({r[0] for r in rows})]
        choices += [(s, (c,)) for s, c in rng.sample(rows, min(3, len(rows)))]
        choices += [(rows[0][0], tuple(c for s, c in rows if s == rows[0][0])[:2])]
        for end in ends:
            assert queries._backlog_stored(con, end)
            # The street of the ledgers' first community, and one other choice, at each end.
            for street, communities in [choices[0], rng.choice(choices[1:])]:
                f = Filters(street, communities, end.replace(day=1), end)
                got = queries.backlog_ageing(con, f)
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(queries, "_backlog_stored", lambda *a: False)
                    expected = queries.backlog_ageing(con, f)
                pd.testing.assert_frame_equal(got, expected, obj=f"{end} {street} {communities}")
            assert got["任务数"].sum() >= 0
        assert (
            sum(
                queries.backlog_ageing(con, Filters(s, (), e.replace(day=1), e))["任务数"].sum()
                for s, _ in choices[:1]
                for e in ends
            )
            > 0
        )
        assert not queries._backlog_stored(con, ends[-1] - dt.timedelta(days=2))
