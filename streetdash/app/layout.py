"""Page layout that Streamlit's own settings do not give: on a phone (390 px) the KPI cards sit two to
a row instead of one under another, and the file uploader speaks Chinese. Styles only, injected once per
run (``st.html`` with nothing but a ``<style>`` takes no space on the page)."""

from __future__ import annotations

import streamlit as st

KPI_ROWS = "kpi_rows"  # the key prefix of the containers of KPI cards (class st-key-kpi_rows…)
UPLOAD_BUTTON = "选择文件"
UPLOAD_HINT = "或把文件拖到这里"

# Below 640 px Streamlit stacks columns one per line; the cards' rows wrap two to a line instead.
_STYLE = f"""
<style>
@media (max-width: 640px) {{
  [class*="st-key-{KPI_ROWS}"] [data-testid="stHorizontalBlock"] {{
    flex-direction: row !important;
    flex-wrap: wrap !important;
    row-gap: 0.75rem;
  }}
  [class*="st-key-{KPI_ROWS}"] [data-testid="stColumn"] {{
    flex: 1 1 calc(50% - 0.5rem) !important;
    width: calc(50% - 0.5rem) !important;
    min-width: calc(50% - 0.5rem) !important;
  }}
  [class*="st-key-{KPI_ROWS}"] [data-testid="stMetricValue"] {{
    font-size: 1.6rem;
  }}
}}
</style>
"""


def kpi_key(keys: list[str]) -> str:
    """A container key for a row of cards, unique on a page (a page may show two sets)."""
    return f"{KPI_ROWS}_{keys[0].replace('.', '_')}_{len(keys)}"


def responsive() -> None:
    """Add the narrow-screen styles to the page (once per run)."""
    st.html(_STYLE)


# st.file_uploader has no parameter for its own texts (streamlit/streamlit#13500): its English button
# text and "200MB per file • XLSX, …" line are drawn in Chinese instead. The size limit and the types are
# in the widget's label, which the page writes.
_UPLOADER_STYLE = f"""
<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {{
  font-size: 0;
}}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after {{
  content: "{UPLOAD_BUTTON}";
  font-size: 0.875rem;
}}
[data-testid="stFileUploaderDropzoneInstructions"] span {{
  font-size: 0;
}}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{
  content: "{UPLOAD_HINT}";
  font-size: 0.875rem;
}}
</style>
"""


def chinese_uploader() -> None:
    """Draw the file uploaders' own texts in Chinese on this page (once per run)."""
    st.html(_UPLOADER_STYLE)
