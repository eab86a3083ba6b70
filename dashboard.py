"""Entry point: page navigation. Pages live in pages/, one file each."""

from pathlib import Path

import streamlit as st

# A local icon: Material and emoji icons as a favicon are fetched from the internet, which
# government networks (政务外网) do not reach.
ICON = Path(__file__).parent / "streetdash" / "static" / "icon.png"
st.set_page_config(page_title="街道治理数据驾驶舱", page_icon=str(ICON), layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="总览", icon=":material/dashboard:", default=True),
        st.Page("pages/data_status.py", title="数据导入情况", icon=":material/upload_file:"),
    ]
)
navigation.run()
