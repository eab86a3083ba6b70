"""Entry point: sign-in, then the pages the user's role may open, the global filters in the sidebar,
then the page. Pages live in pages/."""

from pathlib import Path

import streamlit as st

from streetdash import access
from streetdash.app import auth, data, navigation, sidebar
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
    listed = {
        key: st.Page(
            f"pages/{key}.py",
            title=title,
            icon=icon,
            default=bool(allowed) and key == allowed[0],
            visibility="visible" if key in allowed else "hidden",
        )
        for key, title, icon in PAGES
    }
    first = listed[allowed[0]] if allowed else None

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
    if user.views_data and warehouse_status().exists:
        streets, latest = data.scope()
        if streets:
            sidebar.sidebar(streets, latest, auth.data_scope(), data.all_streets())
            refused = st.session_state.get(sidebar.REFUSED_KEY)
            if refused and refused[1] == st.session_state.get("filters"):
                names = "、".join(dict.fromkeys(refused[0]))
                if not st.session_state.get("scope_refused_recorded"):
                    auth.record("refused", f"链接要求查看范围以外的 {names}")
                    st.session_state.scope_refused_recorded = True
                st.warning(
                    f"链接中的{markdown(names)}不在您的数据范围（{markdown(user.scope.describe())}）内，没有显示其数据；"
                    "下面是您有权查看的范围。",
                    icon=":material/block:",
                )
        elif user.may_open("overview") and page.url_path in ("", *access.VIEW_PAGES):
            st.warning(f"您的数据范围（{markdown(user.scope.describe())}）在数仓中没有对应的街道或社区，请联系管理员。")
            return
    page.run()


run_guarded(main)
