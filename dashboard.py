"""Entry point: sign-in, then the pages the user's role may open, the global filters in the sidebar,
then the page. Pages live in pages/."""

from pathlib import Path

import streamlit as st

from streetdash import access
from streetdash.app import auth, data, heap, navigation, sidebar
from streetdash.app.errors import run_guarded
from streetdash.db import warehouse_status
from streetdash.text import markdown

# A local icon: Material and emoji icons as a favicon are fetched from the internet, which
# government networks (政务外网) do not reach.
ICON = Path(__file__).parent / "streetdash" / "static" / "icon.png"
st.set_page_config(page_title="街道治理数据驾驶舱", page_icon=str(ICON), layout="wide")

# (key, title, icon): the key is the file in pages/ and the page's name in streetdash.access.
PAGES = [
    ("overview", "总览", ":material/dashboard:"),
    ("assessment", "考核排名", ":material/military_tech:"),
    ("tasks", "任务办结", ":material/task_alt:"),
    ("mediation", "矛盾调解", ":material/handshake:"),
    ("employment", "就业服务", ":material/work:"),
    ("campaigns", "领题攻坚与积分", ":material/flag:"),
    ("party", "党建引领", ":material/diversity_3:"),
    ("grid_map", "网格地图", ":material/map:"),
    ("report", "报告导出", ":material/summarize:"),
    ("explore", "数据探索", ":material/query_stats:"),
    ("upload", "导入台账", ":material/upload:"),
    ("data_status", "数据导入情况", ":material/upload_file:"),
    ("accounts", "账号管理", ":material/manage_accounts:"),
    ("audit", "审计日志", ":material/policy:"),
]


def pages(user: auth.User | None) -> tuple[list, list]:
    """Every page, those ``user`` may not open hidden from the navigation (each page refuses them
    itself when opened by URL, with a sentence rather than Streamlit's page-not-found); the first page
    the user may open is the default. Returns every page, and those listed in the sidebar.

    Without a user the default is a landing page of its own, so the app's root URL is not any one
    page: after signing in, the root leads to the user's first page and a page's own URL to that page
    (or its refusal)."""
    allowed = [key for key, _, _ in PAGES if user is not None and user.may_open(key)]
    # The upload page is a task, not a place to land: a clerk lands on the load status, an administrator
    # on the accounts.
    landing_key = next((key for key in allowed if key not in access.LOAD_PAGES), allowed[0] if allowed else None)
    listed = {
        key: st.Page(
            f"pages/{key}.py",
            title=title,
            icon=icon,
            default=key == landing_key,
            visibility="visible" if key in allowed else "hidden",
        )
        for key, title, icon in PAGES
    }
    first = listed[landing_key] if landing_key else None

    def landing() -> None:
        if first is not None:
            st.switch_page(first)

    every = [st.Page(landing, title="登录", url_path="signin", default=first is None, visibility="hidden")]
    return every + list(listed.values()), [listed[key] for key in allowed]


def main() -> None:
    user = auth.current_user()
    if user is None:
        # Kept on the page asked for (the URL stays), nothing in the navigation: after signing in the
        # same link opens.
        st.navigation(pages(None)[0], position="hidden")
        auth.sign_in_page()
        return
    every, listed = pages(user)
    # Streamlit's own menu is off (.streamlit/config.toml): it would flash the pages/ file names first.
    page = st.navigation(every, position="hidden")
    navigation.sidebar_links(listed)
    if user.demo:
        auth.demo_banner()
    auth.account_box(user)
    if user.views_data and not filters_drawn(user, page.url_path or "overview"):
        return
    try:
        page.run()
    finally:
        # Once per process, with everything a page needs loaded (streetdash/app/heap.py).
        heap.settle_once()


# Data pages that say themselves that there is no warehouse; the others need the filters to run.
EXPLAIN_MISSING_WAREHOUSE = ("overview", "report", "explore")


def filters_drawn(user: auth.User, page: str) -> bool:
    """Draw the sidebar's filters (the user's scope's choices) and the warning for a link outside the
    scope; False, with the reason shown, when data page ``page`` cannot run."""
    if not warehouse_status().exists:
        if page in access.VIEW_PAGES and page not in EXPLAIN_MISSING_WAREHOUSE:
            st.warning("尚未建立数仓。请先运行 `make run`（自动生成演示数据）或 `python -m etl load 台账目录/`。")
            return False
        return True
    streets, latest = data.scope()
    if not streets:
        if page in access.VIEW_PAGES:
            st.warning(f"您的数据范围（{markdown(user.scope.describe())}）在数仓中没有对应的街道或社区，请联系管理员。")
            return False
        return True
    sidebar.sidebar(streets, latest, auth.data_scope(), data.all_streets())
    refused = st.session_state.get(sidebar.REFUSED_KEY)
    if refused and refused[1] == st.session_state.get("filters"):
        names = "、".join(auth.literal(n) for n in dict.fromkeys(refused[0]))
        if not st.session_state.get("scope_refused_recorded"):
            auth.record("refused", f"链接要求查看范围以外的 {names}")
            st.session_state.scope_refused_recorded = True
        st.warning(
            f"链接中的{names}不在您的数据范围（{markdown(user.scope.describe())}）内，没有显示其数据；下面是您有权查看的范围。",
            icon=":material/block:",
        )
    return True


run_guarded(main)
