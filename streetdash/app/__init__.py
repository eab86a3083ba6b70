"""The Streamlit app's own modules: widgets, caching, page helpers. Pages and dashboard.py use them;
the core (``streetdash``) never imports them."""
