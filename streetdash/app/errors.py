"""What a user sees when a page fails: a Chinese sentence and a reference number, never a traceback.

Streamlit's own error box shows the exception, the server's paths and links to search engines
(``client.showErrorDetails`` in ``.streamlit/config.toml`` turns that off for anything this handler
misses). Here the page's exception is logged on the server with a short reference number, and the
user gets the number to quote to the administrator, who finds the traceback in the log by it.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

import streamlit as st

from streetdash.config import setting

log = logging.getLogger("streetdash.app")
MESSAGE = "页面出现问题，未能显示。请稍后重试；如仍出现，请把参考编号 {ref} 告诉系统管理员。"


def reference() -> str:
    """A short reference number, unique enough to find one failure in a day's log."""
    return secrets.token_hex(4).upper()


def run_guarded(page: Callable[[], object]) -> None:
    """Run ``page``; an exception becomes :data:`MESSAGE` with a reference number, and the log entry.

    Streamlit's reruns and stops are ``BaseException``, not ``Exception``, so they pass through.
    ``STREETDASH_RAISE_ERRORS=1`` lets the exception through instead, for tests and development.
    """
    try:
        page()
    except Exception:
        if setting("STREETDASH_RAISE_ERRORS") == "1":
            raise
        ref = reference()
        log.exception("page failed, reference %s", ref)
        st.error(MESSAGE.format(ref=ref), icon=":material/error:")
