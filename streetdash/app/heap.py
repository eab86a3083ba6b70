"""The server process's heap, settled once for the garbage collector.

A full collection walks every object the process holds: the imported libraries (plotly's validators,
pandas, pyarrow, Streamlit), the cached frames and figures. In a server that is over a hundred
thousand objects and about 130 ms, landing on whichever rerun happens to trigger it (measured on the
task page at 1,000,000 tasks: one filter change in four took 0.13 s longer for it). After the first
page has been drawn, everything the process needed to draw it is loaded and lives on, so it is moved
out of the collector's sight (``gc.freeze``): later collections walk only what was made after, and a
rerun no longer pays for the libraries. Frozen objects are never collected, which is why it happens
once, and not again as caches fill. The garbage of the first page is young: collecting the two young
generations first frees it (85 of the 95 objects a full collection would, in 0.4 ms instead of 110 ms
on the first render).
"""

from __future__ import annotations

import atexit
import gc
import threading

_lock = threading.Lock()
_settled = False


def settle_once() -> None:
    """Collect the young generations, then freeze what is left: the first time it is called in the
    process, and never again."""
    global _settled
    with _lock:
        if _settled:
            return
        _settled = True
    _load_lazy_parts()
    gc.collect(1)
    gc.freeze()
    # At exit the frozen objects are handed back, so the interpreter's last collection frees them
    # (DuckDB's bindings report every object still alive then as a leak).
    atexit.register(gc.unfreeze)


def _load_lazy_parts() -> None:
    """What Streamlit loads only when first needed, loaded now: the first alert a process shows
    (st.success, st.info … without an icon) compiles Streamlit's pattern of every emoji, about 150 ms,
    which otherwise lands on one user's filter change (the overview's "没有需要特别关注的事项")."""
    try:
        import streamlit.emojis  # noqa: F401
    except ImportError:  # moved in another Streamlit: then the first alert pays, as before
        pass
