"""Who may see what: the roles, and the scope (streets, communities) a user's data is cut to.

A scope is a value of the core, with no Streamlit: the app cuts every filter to it
(:meth:`Scope.clamp`) before any query runs, and the SQL workspace builds its database from it, so
each page, export, report and query sees the same rows. A scope can be narrowed by the filters, never
widened.
"""

from __future__ import annotations

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

    def describe(self) -> str:
        """The scope in Chinese, for the sidebar and the audit trail."""
        if self.is_everything:
            return "全部街道"
        if self.is_empty:
            return "无数据范围"
        streets = "、".join(self.streets) if self.streets else "全部街道"
        return streets if self.communities is None else f"{streets}：{'、'.join(self.communities)}"
