"""Roles and scopes as values: the written form, what each role may hold and open, and the cut a scope
makes of any filters (the one the data layer applies before every query)."""

from __future__ import annotations

import datetime as dt

import pytest

from streetdash import access
from streetdash.access import NO_COMMUNITY, Scope, check_role_scope, may_open, pages_for, parse_scope
from streetdash.filters import Filters

STREETS = {"崇文街道": ["新建社区", "崇北社区", "永安社区"], "许庄街道": ["古桥社区", "滨湖社区"]}
DAY = dt.date(2022, 1, 1), dt.date(2022, 12, 31)


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("", Scope.nothing()),
        ("全部", Scope.everything()),
        ("*", Scope.everything()),
        ("崇文街道", Scope(("崇文街道",), None)),
        ("崇文街道,许庄街道", Scope(("崇文街道", "许庄街道"), None)),
        ("崇文街道、许庄街道", Scope(("崇文街道", "许庄街道"), None)),
        ("崇文街道/崇北社区,永安社区", Scope(("崇文街道",), ("崇北社区", "永安社区"))),
        (" 崇文街道 / 崇北社区，永安社区 ", Scope(("崇文街道",), ("崇北社区", "永安社区"))),
    ],
)
def test_the_written_scope(text, scope):
    assert parse_scope(text) == scope
    assert parse_scope(scope.text()) == scope  # what the accounts file keeps reads back the same


@pytest.mark.parametrize("text", ["崇文街道,许庄街道/古桥社区", "崇文街道/", "/崇北社区", "崇文街道/崇北社区/x"])
def test_a_malformed_scope_is_refused_in_chinese(text):
    with pytest.raises(ValueError, match="范围"):
        parse_scope(text)


@pytest.mark.parametrize(
    ("role", "text", "ok"),
    [
        ("district", "崇文街道,许庄街道", True),
        ("district", "全部", True),
        ("district", "崇文街道/崇北社区", False),
        ("street", "崇文街道", True),
        ("street", "崇文街道,许庄街道", False),
        ("street", "", False),
        ("community", "崇文街道/崇北社区,永安社区", True),
        ("community", "崇文街道", False),
        ("clerk", "崇文街道/崇北社区", True),
        ("clerk", "", False),
        ("admin", "", True),
        ("admin", "崇文街道", True),
        ("mayor", "崇文街道", False),
    ],
)
def test_what_each_role_may_hold(role, text, ok):
    if ok:
        check_role_scope(role, parse_scope(text))
    else:
        with pytest.raises(ValueError):
            check_role_scope(role, parse_scope(text))


def test_which_pages_each_role_opens():
    street, nothing = Scope(("崇文街道",), None), Scope.nothing()
    assert pages_for("street", street) == [*access.VIEW_PAGES, "upload", "data_status"]
    assert pages_for("community", Scope(("崇文街道",), ("崇北社区",))) == [*access.VIEW_PAGES, "data_status"]
    assert pages_for("clerk", street) == ["upload", "data_status"]  # the import pages of their scope only
    assert pages_for("admin", nothing) == ["upload", "accounts", "audit"]  # no residents' data
    assert pages_for("admin", street) == [*access.VIEW_PAGES, "upload", "data_status", "accounts", "audit"]
    assert not may_open("street", street, "audit") and not may_open("clerk", street, "overview")


def test_a_community_scope_cuts_any_filters_to_its_communities():
    mine = Scope(("崇文街道",), ("崇北社区",))
    # "All communities" of the street is theirs only; another community or street is no rows at all.
    assert mine.clamp(Filters("崇文街道", (), *DAY), STREETS).communities == ("崇北社区",)
    assert mine.clamp(Filters("崇文街道", ("崇北社区", "永安社区"), *DAY), STREETS).communities == ("崇北社区",)
    assert mine.clamp(Filters("崇文街道", ("永安社区",), *DAY), STREETS).communities == (NO_COMMUNITY,)
    assert mine.clamp(Filters("许庄街道", (), *DAY), STREETS) == Filters(None, (NO_COMMUNITY,), *DAY)
    assert mine.options(STREETS) == {"崇文街道": ["崇北社区"]}
    assert mine.refused("崇文街道", ["永安社区"], STREETS) == ["永安社区"]
    assert mine.refused("许庄街道", ["古桥社区"], STREETS) == ["许庄街道", "古桥社区"]
    assert mine.refused("崇文街道", ["崇北社区"], STREETS) == []
    # Names the warehouse does not hold are refused alike: the answer does not tell what exists.
    assert mine.refused("无此街道", [], STREETS) == ["无此街道"]
    assert Scope.everything().refused("许庄街道", ["古桥社区"], STREETS) == []


def test_a_street_scope_narrows_but_never_widens():
    street = Scope(("崇文街道",), None)
    assert street.clamp(Filters("崇文街道", ("永安社区",), *DAY), STREETS).communities == ("永安社区",)
    assert street.clamp(Filters("崇文街道", (), *DAY), STREETS).communities == ()  # the whole street
    assert street.clamp(Filters("许庄街道", (), *DAY), STREETS).communities == (NO_COMMUNITY,)
    directory = [("崇文街道", "崇北社区", "001"), ("崇文街道", "永安社区", "002"), ("许庄街道", "古桥社区", "101")]
    assert street.community_ids(directory) == ("001", "002")
    assert Scope.everything().community_ids(directory) is None
    assert Scope.nothing().community_ids(directory) == ()
