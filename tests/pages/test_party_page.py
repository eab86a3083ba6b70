"""The 「党建引领」 page on the demo warehouse (AppTest): the calibrated figures of 卧虎湾街道, the user's scope
enforced below the page, and ledger text shown as text."""

from __future__ import annotations

from streetdash import access
from streetdash.access import Scope
from tests.pages.test_pages import metrics, open_page


def table_titles(at) -> list:
    return [d.value for d in at.dataframe]


def test_wohuwan_2024_closes_its_22_items(demo, monkeypatch):
    at = open_page("pages/party.py", demo[0], monkeypatch, street="卧虎湾街道", start="2024-01-01", end="2024-12-31")
    shown = metrics(at)
    assert shown["报到党员"] != "—" and shown["党组织数"] != "—"
    assert "卧虎湾街道全部社区 · 2024年" in at.caption[0].value
    frames = table_titles(at)
    orgs = next(t for t in frames if "党总支" in t.columns)
    assert orgs["党总支"].sum() == 7
    assert (orgs["党支部"] + orgs["小区党支部"]).sum() == 18
    projects = next(t for t in frames if "计划销号" in t.columns)
    wohuwan_2024 = projects[(projects["项目来源"] == "民生实事") & projects["项目编号"].str.startswith("SS2024")]
    assert len(wohuwan_2024) == 22 and (wohuwan_2024["进度"] == "已销号").all()
    assert not at.exception


def test_the_overdue_warning_counts_the_overdue_rows_of_the_project_list(demo, monkeypatch):
    at = open_page("pages/party.py", demo[0], monkeypatch, street="卧虎湾街道", start="2024-12-01", end="2024-12-31")
    projects = next(t for t in table_titles(at) if "计划销号" in t.columns)
    overdue = int((projects["超期"] == "超期").sum())
    assert overdue > 0 and list(projects["超期"][:overdue]) == ["超期"] * overdue  # listed first
    assert [w.value for w in at.warning if "超期未销号" in w.value] == [
        f"截至期末有 {overdue} 个项目超期未销号（见下表最前）。"
    ]
    assert not at.exception


def test_a_community_secretary_sees_only_their_community(demo, monkeypatch):
    at = open_page("pages/party.py", demo[0], monkeypatch, user="community", start="2024-01-01", end="2024-12-31")
    frames = table_titles(at)
    for frame in frames:
        if "社区" in frame.columns and len(frame):
            assert set(frame["社区"]) == {"崇北社区"}, frame.head()
    # Not even the street's 党工委: a community's view starts at its own organisation.
    tree = frames[0]
    assert "崇文街道党工委" not in set(tree.get("组织名称", []))


def test_a_link_to_another_street_shows_none_of_it(demo, monkeypatch):
    at = open_page(
        "pages/party.py", demo[0], monkeypatch, user="street", street="卧虎湾街道", start="2024-01-01", end="2024-12-31"
    )
    assert any("不在您的数据范围" in w.value for w in at.warning)
    for frame in table_titles(at):
        if "社区" in frame.columns:
            assert not any("卧虎湾" in str(v) for v in frame["社区"])


def test_the_page_is_listed_for_viewers_and_refused_to_a_clerk(demo, monkeypatch):
    assert all(access.may_open(role, Scope.everything(), "party") for role in access.VIEWING_ROLES)
    assert not access.may_open("clerk", Scope.everything(), "party")
    at = open_page("pages/party.py", demo[0], monkeypatch, user="clerk")
    assert not at.metric  # no figures for a clerk
