"""Every page runs without an exception, on an empty and on a loaded warehouse."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.load import load_paths
from tests.ledgers import write_base, write_csv
from tests.signin import sign_in

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/overview.py", "pages/data_status.py"]  # the pages that explain an empty warehouse


def run_page(page: str, db: Path, monkeypatch, user: str = "district") -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = sign_in(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60), user).run()
    assert not at.exception
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.mark.parametrize("page", PAGES)
def test_pages_without_a_warehouse(page, tmp_path, monkeypatch):
    at = run_page(page, tmp_path / "missing.duckdb", monkeypatch)
    assert "尚未建立数仓" in at.warning[0].value


def test_a_data_page_without_a_warehouse_says_so_and_names_no_path(tmp_path, monkeypatch):
    at = run_page("pages/tasks.py", tmp_path / "missing.duckdb", monkeypatch, user="street")
    assert at.warning[0].value.startswith("尚未建立数仓。") and str(tmp_path) not in at.warning[0].value
    overview = run_page("pages/overview.py", tmp_path / "missing.duckdb", monkeypatch, user="street")
    assert str(tmp_path) not in overview.warning[0].value  # the server's paths are for administrators


def test_data_status_shows_loads_and_rejections(tmp_path, monkeypatch):
    folder = tmp_path / "ledgers"
    write_base(folder)
    write_csv(
        folder / "活动.csv",
        [
            ["活动编号", "所属社区", "活动类型", "活动日期"],
            ["E1", "永安", "座谈会", "2022-10-20"],
            ["E2", "永安", "座谈会", "2022-13-20"],
        ],
    )
    db = tmp_path / "w.duckdb"
    load_paths([folder], db=db)
    at = run_page("pages/data_status.py", db, monkeypatch)
    history, rejected = at.dataframe[0].value, at.dataframe[1].value
    assert set(history["文件"]) == {"社区名录.csv", "网格名录.csv", "活动.csv"}
    assert rejected[["行号", "列", "值"]].values.tolist() == [[3, "活动日期", "2022-13-20"]]
