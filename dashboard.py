"""Entry point: page navigation. Pages live in pages/, one file each."""

import streamlit as st

st.set_page_config(page_title="街道治理数据驾驶舱", page_icon="🏛️", layout="wide")

navigation = st.navigation(
    [
        st.Page("pages/overview.py", title="总览", icon="📊", default=True),
        st.Page("pages/data_status.py", title="数据导入情况", icon="🗂️"),
    ]
)
navigation.run()
