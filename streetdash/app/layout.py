"""Page layout that Streamlit's own settings do not give: on a phone (390 px) the KPI cards sit two to
a row instead of one under another. Styles only, injected once per run (``st.html`` with nothing but a
``<style>`` takes no space on the page)."""

from __future__ import annotations

import streamlit as st

KPI_ROWS = "kpi_rows"  # the key prefix of the containers of KPI cards (class st-key-kpi_rows…)

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
