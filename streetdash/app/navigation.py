"""The page list in the sidebar, drawn by the app itself.

With a folder named ``pages/``, Streamlit's browser client first draws that folder's file names as
the navigation ("overview", "tasks" …, in English) and only replaces them once the entry script has
run ``st.navigation``: a fresh browser sees the wrong menu flash by. ``client.showSidebarNavigation =
false`` (.streamlit/config.toml) turns Streamlit's own menu off altogether, so the entry script calls
``st.navigation(..., position="hidden")`` and draws the same pages here, in Chinese, from the first
frame it sends.
"""

from __future__ import annotations

import streamlit as st

NAV_KEY = "page_links"
_STYLE = f"""
<style>
.st-key-{NAV_KEY} {{ gap: 0.1rem; }}
.st-key-{NAV_KEY} [data-testid="stPageLink"] a {{ padding-top: 0.15rem; padding-bottom: 0.15rem; }}
</style>
"""


def sidebar_links(pages: list) -> None:
    """A link per page (its title and icon) at the top of the sidebar; the page shown is marked."""
    with st.sidebar:
        st.html(_STYLE)
        with st.container(key=NAV_KEY):
            for page in pages:
                st.page_link(page, label=page.title, icon=page.icon)
        st.divider()
