"""Test-wide settings: a throwaway PII secret and warehouse, so tests never touch real ones."""

import os
import tempfile
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="streetdash-tests-"))
os.environ["STREETDASH_SECRET_FILE"] = str(_scratch / "person_key.secret")
os.environ["WAREHOUSE_DB"] = str(_scratch / "default-warehouse.duckdb")
os.environ["STREETDASH_SAVED_QUERIES"] = str(_scratch / "saved_queries.sqlite")
os.environ["STREETDASH_HEADER_MAPPINGS"] = str(_scratch / "header_mappings")
# A failing page raises in tests (AppTest sees the exception) instead of showing the reference number.
os.environ["STREETDASH_RAISE_ERRORS"] = "1"

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """The demo warehouse, built once per test run through the real generator and loader."""
    from etl.demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    db = root / "warehouse.duckdb"
    assert build_demo(db=db, folder=root / "ledgers", report_dir=root / "reports") == 0
    return db, root
