"""A page that fails shows a Chinese sentence with a reference number; the traceback goes to the log only."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from tests.signin import sign_in

ROOT = Path(__file__).resolve().parents[2]


def test_a_failing_page_shows_a_reference_number_and_logs_the_details(tmp_path, monkeypatch, caplog):
    broken = tmp_path / "not-a-warehouse.duckdb"
    broken.write_bytes(b"this is not a DuckDB file" * 100)  # opening it raises inside the page
    monkeypatch.setenv("WAREHOUSE_DB", str(broken))
    monkeypatch.delenv("STREETDASH_RAISE_ERRORS")
    with caplog.at_level(logging.ERROR, logger="streetdash.app"):
        at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)).run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error)
    ref = re.search(r"参考编号 ([0-9A-F]{8})", shown)
    assert ref, shown
    assert str(tmp_path) not in shown and "Traceback" not in shown and "duckdb" not in shown.lower()
    logged = [r for r in caplog.records if ref.group(1) in r.getMessage()]
    assert logged and logged[0].exc_info is not None  # the details are on the server


def test_the_server_config_hides_error_details():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    assert config["client"]["showErrorLinks"] is False
