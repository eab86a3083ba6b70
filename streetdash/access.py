"""Who may see what: the roles, and the scope (streets, communities) a user's data is cut to.

A scope is a value of the core, with no Streamlit: the app cuts every filter to it
(:meth:`Scope.clamp`) before any query runs, and the SQL workspace builds its database from it, so
each page, export, report and query sees the same rows. A scope can be narrowed by the filters, never
widened.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from streetdash.filters import Filters

ROLES = {
    "district": "区级（多个街道）",
    "street": "街道（一个街道）",
    "community": "社区（一个或多个社区）",
    "clerk": "内勤（导入台账）",
    "admin": "管理员（账号和审计）",
}
# Roles that read residents' data and figures; a clerk sees the import pages of their scope only and an
# admin, unless also given a scope, only accounts and audit.
VIEWING_ROLES = frozenset({"district", "street", "community"})
LOADING_ROLES = frozenset({"clerk", "street", "admin"})

# The pages of the app by key (the file name in pages/), and who may open them. The navigation shows a
# role only its pages; a page opened by URL checks the same table (``may_open``).
VIEW_PAGES = (
    "overview",
    "assessment",
    "tasks",
    "mediation",
    "employment",
    "campaigns",
    "party",
    "grid_map",
    "report",
    "explore",
)
LOAD_PAGES = ("upload",)
STATUS_PAGES = ("data_status",)
ADMIN_PAGES = ("accounts", "audit")
PAGES = VIEW_PAGES + LOAD_PAGES + STATUS_PAGES + ADMIN_PAGES
# Written in the accounts file and on the command line: everything the warehouse holds.
ALL = "全部"
_SEPARATORS = re.compile(r"[,，、;；]")
# A community name no ledger can hold (NFKC-normalised text never keeps a NUL): filters cut to it match
# no row, whereas filters with no street and no community would mean "everything".
NO_COMMUNITY = "\u0000"


@dataclass(frozen=True)
class Scope:
    """The streets and communities a user may see; ``None`` means no limit at that level.

    ``streets=None, communities=None`` is the whole warehouse (an unrestricted district or admin view);
    ``communities`` are names within ``streets``.
    """

    streets: tuple[str, ...] | None = None
    communities: tuple[str, ...] | None = None

    @classmethod
    def everything(cls) -> Scope:
        return cls(None, None)

    @classmethod
    def nothing(cls) -> Scope:
        return cls((), ())

    @property
    def is_everything(self) -> bool:
        return self.streets is None and self.communities is None

    @property
    def is_empty(self) -> bool:
        return self.streets == () or self.communities == ()

    def allows_street(self, street: str | None) -> bool:
        return street is not None and (self.streets is None or street in self.streets)

    def allows(self, street: str | None, community: str) -> bool:
        return self.allows_street(street) and (self.communities is None or community in self.communities)

    def options(self, streets: dict[str, list[str]]) -> dict[str, list[str]]:
        """The streets and communities of ``streets`` (street -> communities) this scope may see."""
        out = {}
        for street, communities in streets.items():
            visible = [c for c in communities if self.allows(street, c)]
            if visible:
                out[street] = visible
        return out

    def clamp(self, filters: Filters, streets: dict[str, list[str]]) -> Filters:
        """``filters`` cut to this scope: a street outside it becomes none (no rows), and the
        communities are the asked-for ones that the scope allows, or every allowed one when none
        was asked for (so "all communities" of a community user means theirs, not the street's)."""
        if self.is_everything:
            return filters
        visible = self.options(streets)
        if filters.street not in visible:
            return Filters(None, (NO_COMMUNITY,), filters.start, filters.end)
        allowed = visible[filters.street]
        asked = [c for c in filters.communities if c in allowed]
        if filters.communities and not asked:
            return Filters(filters.street, (NO_COMMUNITY,), filters.start, filters.end)
        if self.communities is None:
            return Filters(filters.street, tuple(asked), filters.start, filters.end)
        # A community user's "all communities" is their own list, never the street's.
        return Filters(filters.street, tuple(asked) or tuple(allowed), filters.start, filters.end)

    def refused(self, street: str | None, communities: Iterable[str], streets: dict[str, list[str]]) -> list[str]:
        """The names among ``street`` and ``communities`` (as a link asks for them) that this scope does not
        allow, in the order asked; every asked community when the street itself is refused. Names the
        warehouse does not hold count as refused too, so the answer never tells which exist."""
        if self.is_everything:
            return []
        visible = self.options(streets)
        if street is not None and street not in visible:
            return [street, *communities]
        allowed = visible.get(street, []) if street is not None else [c for cs in visible.values() for c in cs]
        return [c for c in communities if c not in allowed]

    def community_ids(self, directory: Iterable[tuple[str, str, str]]) -> tuple[str, ...] | None:
        """The codes of the communities this scope allows, from ``directory`` rows (street, community,
        community_id); ``None`` for no limit."""
        if self.is_everything:
            return None
        return tuple(code for street, community, code in directory if self.allows(street, community))

    def text(self) -> str:
        """The scope in the syntax of :func:`parse_scope` (what the accounts file keeps)."""
        if self.is_everything:
            return ALL
        if self.is_empty:
            return ""
        streets = ",".join(self.streets or ())
        return streets if self.communities is None else f"{streets}/{','.join(self.communities)}"

    def describe(self) -> str:
        """The scope in Chinese, for the sidebar and the audit trail."""
        if self.is_everything:
            return "全部街道"
        if self.is_empty:
            return "无数据范围"
        streets = "、".join(self.streets) if self.streets else "全部街道"
        return streets if self.communities is None else f"{streets}：{'、'.join(self.communities)}"


def parse_scope(text: str | None) -> Scope:
    """A scope from its written form; ``ValueError`` with a Chinese sentence if it is malformed.

    - ``""``: no data at all (an administrator who only manages accounts);
    - ``全部`` (or ``*``): every street and community;
    - ``崇文街道``: one street; ``崇文街道,许庄街道``: several (commas, 、 or ; between names);
    - ``崇文街道/崇北社区,永安社区``: communities of one street.
    """
    text = (text or "").strip()
    if not text:
        return Scope.nothing()
    if text in (ALL, "*"):
        return Scope.everything()
    street_part, slash, community_part = text.partition("/")
    streets = tuple(dict.fromkeys(n.strip() for n in _SEPARATORS.split(street_part) if n.strip()))
    if not streets:
        raise ValueError(f"范围「{text}」没有写街道，例如：崇文街道、崇文街道/崇北社区,永安社区 或 {ALL}。")
    if not slash:
        return Scope(streets, None)
    communities = tuple(dict.fromkeys(n.strip() for n in _SEPARATORS.split(community_part) if n.strip()))
    if len(streets) != 1:
        raise ValueError(f"范围「{text}」：社区只能属于一个街道，写作 街道/社区1,社区2。")
    if not communities or "/" in community_part:
        raise ValueError(f"范围「{text}」：斜杠后写社区名称，例如 崇文街道/崇北社区,永安社区。")
    return Scope(streets, communities)


def check_role_scope(role: str, scope: Scope) -> None:
    """``ValueError`` in Chinese unless ``scope`` suits ``role`` (see :data:`ROLES`)."""
    if role not in ROLES:
        raise ValueError(f"未知的角色「{role}」。可选：{'、'.join(f'{k}（{v}）' for k, v in ROLES.items())}。")
    if role == "admin":
        return  # no scope (accounts and audit only), or any scope to read data as well
    if scope.is_empty:
        raise ValueError(f"角色 {role} 需要数据范围（--scope），例如 崇文街道 或 崇文街道/崇北社区。")
    if role == "district" and scope.communities is not None:
        raise ValueError("区级账号的范围是街道（一个或多个），例如 崇文街道,许庄街道 或 全部。")
    if role == "street" and (scope.streets is None or len(scope.streets) != 1 or scope.communities is not None):
        raise ValueError("街道账号的范围是一个街道，例如 崇文街道。")
    if role == "community" and scope.communities is None:
        raise ValueError("社区账号的范围是一个街道的一个或多个社区，例如 崇文街道/崇北社区,永安社区。")


def may_open(role: str, scope: Scope, page: str) -> bool:
    """Whether an account of ``role`` with data ``scope`` may open ``page`` (a key of :data:`PAGES`)."""
    if page in ADMIN_PAGES:
        return role == "admin"
    if page in VIEW_PAGES:
        return role in VIEWING_ROLES or (role == "admin" and not scope.is_empty)
    if page in LOAD_PAGES:
        return role in LOADING_ROLES
    if page in STATUS_PAGES:
        return role in VIEWING_ROLES or role == "clerk" or (role == "admin" and not scope.is_empty)
    return False


def pages_for(role: str, scope: Scope) -> list[str]:
    """The pages ``role`` may open, in the navigation's order."""
    return [page for page in PAGES if may_open(role, scope, page)]
