"""Entry point: the global filters in the sidebar, then page navigation. Pages live in pages/."""

from pathlib import Path

import streamlit as st

from streetdash.app import data, navigation, sidebar
from streetdash.app.errors import run_guarded
from streetdash.db import warehouse_status

# A local icon: Material and emoji icons as a favicon are fetched from the internet, which
# government networks (政务外网) do not reach.
ICON = Path(__file__).parent / "streetdash" / "static" / "icon.png"
st.set_page_config(page_title="街道治理数据驾驶舱", page_icon=str(ICON), layout="wide")

PAGES = [
    st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
    st.Page("pages/assessment.py", title="考核排名", icon=":material/military_tech:"),
    st.Page("pages/tasks.py", title="任务办结", icon=":material/task_alt:"),
    st.Page("pages/mediation.py", title="矛盾调解", icon=":material/handshake:"),
    st.Page("pages/employment.py", title="就业服务", icon=":material/work:"),
    st.Page("pages/campaigns.py", title="领题攻坚与积分", icon=":material/flag:"),
    st.Page("pages/grid_map.py", title="网格地图", icon=":material/map:"),
    st.Page("pages/report.py", title="报告导出", icon=":material/summarize:"),
    st.Page("pages/explore.py", title="数据探索", icon=":material/query_stats:"),
    st.Page("pages/data_status.py", title="数据导入情况", icon=":material/upload_file:"),
]
# Streamlit's own menu is off (.streamlit/config.toml): it would flash the pages/ file names first.
current = st.navigation(PAGES, position="hidden")


def main() -> None:
    navigation.sidebar_links(PAGES)
    if warehouse_status().exists:
        streets, latest = data.scope()
        if streets:
            sidebar.sidebar(streets, latest)
    current.run()


run_guarded(main)
