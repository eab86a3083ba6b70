"""Test-wide settings: a throwaway PII secret, warehouse, accounts file and audit trail, so tests never
touch real ones."""

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

_scratch = Path(tempfile.mkdtemp(prefix="streetdash-tests-"))
os.environ["STREETDASH_SECRET_FILE"] = str(_scratch / "person_key.secret")
os.environ["WAREHOUSE_DB"] = str(_scratch / "default-warehouse.duckdb")
os.environ["STREETDASH_SAVED_QUERIES"] = str(_scratch / "saved_queries.sqlite")
os.environ["STREETDASH_ACCOUNTS"] = str(_scratch / "accounts.json")
os.environ["STREETDASH_AUDIT"] = str(_scratch / "audit.sqlite")
os.environ["STREETDASH_AUTH"] = "local"
os.environ["STREETDASH_HEADER_MAPPINGS"] = str(_scratch / "header_mappings")
# A failing page raises in tests (AppTest sees the exception) instead of showing the reference number.
os.environ["STREETDASH_RAISE_ERRORS"] = "1"

import pytest  # noqa: E402


@dataclass(frozen=True)
class OwnFiles:
    folder: Path
    accounts: Path
    audit: Path


@pytest.fixture
def own_files(tmp_path, monkeypatch) -> OwnFiles:
    """An accounts file and an audit trail of this test's own (empty until the test writes them)."""
    files = OwnFiles(tmp_path, tmp_path / "accounts.json", tmp_path / "audit.sqlite")
    monkeypatch.setenv("STREETDASH_ACCOUNTS", str(files.accounts))
    monkeypatch.setenv("STREETDASH_AUDIT", str(files.audit))
    return files


@pytest.fixture(scope="session")
def demo(tmp_path_factory) -> tuple[Path, Path]:
    """The demo warehouse, built once per test run through the real generator and loader."""
    from etl.demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    db = root / "warehouse.duckdb"
    assert build_demo(db=db, folder=root / "ledgers", report_dir=root / "reports") == 0
    return db, root


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> Path:
    """A warehouse whose ledger text is Markdown, HTML and LaTeX (tests/hostile.py), through the real loader."""
    from etl.load import load_paths
    from tests.hostile import write_hostile_ledgers

    root = tmp_path_factory.mktemp("hostile")
    db = root / "warehouse.duckdb"
    result = load_paths(write_hostile_ledgers(root / "ledgers"), db=db)
    assert result.exit_code == 0
    return db


@pytest.fixture(scope="session")
def other_communities(demo) -> list[str]:
    """Every community of the demo but 崇北社区 by name (the scope tests' community user must see none),
    read from the warehouse so a community the demo gains is checked too."""
    import duckdb

    with duckdb.connect(str(demo[0]), read_only=True) as con:
        names = [r[0] for r in con.execute("SELECT name FROM communities ORDER BY name").fetchall()]
    # A name inside 崇北社区 (or holding it) would be found in 崇北's own text.
    return [n for n in names if n not in "崇北社区" and "崇北社区" not in n]


@pytest.fixture(scope="session")
def plain(demo, tmp_path_factory) -> Path:
    """The demo's data in a warehouse that is not marked as the demo (as after a real load): the app asks
    for sign-in on it."""
    import shutil

    import duckdb

    db = tmp_path_factory.mktemp("plain") / "warehouse.duckdb"
    shutil.copyfile(demo[0], db)
    with duckdb.connect(str(db)) as con:
        con.execute("DELETE FROM warehouse_info WHERE key = 'demo'")
    return db
