"""The server freezes its heap once, after the first page it draws (streetdash/app/heap.py)."""

from __future__ import annotations

from streetdash.app import heap


def test_the_heap_is_settled_once_per_process(monkeypatch):
    calls = []
    monkeypatch.setattr(heap, "_settled", False)
    monkeypatch.setattr(heap.gc, "collect", lambda generation: calls.append(f"collect {generation}"))
    monkeypatch.setattr(heap.gc, "freeze", lambda: calls.append("freeze"))
    monkeypatch.setattr(heap.atexit, "register", lambda f: calls.append(f.__name__))
    heap.settle_once()
    heap.settle_once()
    # The young garbage collected before freezing (frozen, it would never be freed), handed back at
    # exit, and once.
    assert calls == ["collect 1", "freeze", "unfreeze"]


def test_a_drawn_page_settles_it(demo, monkeypatch):
    from pathlib import Path

    from streamlit.testing.v1 import AppTest

    from tests.signin import sign_in

    monkeypatch.setattr(heap, "_settled", False)
    settled = []
    monkeypatch.setattr(heap, "settle_once", lambda: settled.append(True))
    monkeypatch.setenv("WAREHOUSE_DB", str(demo[0]))
    root = Path(__file__).resolve().parents[2]
    at = sign_in(AppTest.from_file(str(root / "dashboard.py"), default_timeout=60), "street").run()
    assert not at.exception and settled


def test_streamlits_emoji_pattern_is_loaded_before_the_heap_is_frozen(monkeypatch):
    """The first alert of a process would compile it (about 150 ms) in some user's filter change."""
    import subprocess
    import sys

    # A fresh interpreter: this one may have shown an alert already.
    code = "import sys; from streetdash.app import heap; heap.settle_once(); print('streamlit.emojis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("True")
