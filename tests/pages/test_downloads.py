"""Download buttons on the pages: every table has .xlsx and .csv, and the file a click produces holds
the table the page shows, with the page's filters (the deferred download callables are run here)."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

from streetdash import export
from tests.pages.test_pages import PAGES, open_page


@pytest.fixture
def downloads(monkeypatch) -> dict:
    """file name -> the callable Streamlit would run when that download button is clicked."""
    made: dict = {}
    original = MediaFileManager.add_deferred

    def record(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        made[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", record)
    return made


@pytest.fixture(scope="module", autouse=True)
def close_the_chart_browser():
    yield
    export.shutdown()


def buttons(at) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


@pytest.mark.parametrize("page", [p for p in PAGES if p != "pages/report.py"])
def test_every_table_has_excel_and_csv_downloads(demo, page, monkeypatch):
    at = open_page(page, demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    labels = buttons(at)
    assert labels.count("下载 Excel") == labels.count("下载 CSV") == len(at.dataframe)
    assert labels.count("PNG") == labels.count("SVG") == len(at.get("plotly_chart"))


def test_a_chart_download_is_a_2x_png_of_that_chart(demo, monkeypatch, downloads):
    from PIL import Image

    open_page("pages/tasks.py", demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    png = downloads["各社区办结率_崇文街道_2022年.png"]()
    assert Image.open(io.BytesIO(png)).size == (2 * export.EXPORT_WIDTH, 2 * export.EXPORT_HEIGHT)
    svg = downloads["各社区办结率_崇文街道_2022年.svg"]().decode("utf-8")
    assert "各社区办结率（虚线为整体）" in svg and "崇北社区" in svg


def test_a_table_download_holds_what_the_page_shows(demo, monkeypatch, downloads):
    at = open_page("pages/tasks.py", demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    shown = at.dataframe[-1].value  # 超期未办结任务
    book = openpyxl.load_workbook(io.BytesIO(downloads["超期未办结任务_崇文街道_2022年.xlsx"]()))
    rows = list(book.worksheets[0].values)
    assert list(rows[0]) == list(shown.columns)
    assert [r[1] for r in rows[1:]] == shown["任务编号"].tolist()
    about = {r[0]: r[1] for r in book["筛选条件"].values}
    assert (about["街道"], about["统计期"]) == ("崇文街道", "2022年")
    csv = pd.read_csv(io.BytesIO(downloads["超期未办结任务_崇文街道_2022年.csv"]()), encoding="utf-8-sig")
    assert csv["任务编号"].tolist() == shown["任务编号"].tolist()


def test_the_styled_ranking_exports_its_numbers(demo, monkeypatch, downloads):
    open_page("pages/overview.py", demo[0], monkeypatch, street="崇文街道", start="2022-01-01", end="2022-12-31")
    sheet = openpyxl.load_workbook(io.BytesIO(downloads["社区排名_崇文街道_2022年.xlsx"]())).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["社区", "发布任务数", "办结率"]
    chongbei = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "崇北社区")
    assert chongbei[1].value == 61 and chongbei[2].number_format == "0.0%"
    import duckdb

    with duckdb.connect(str(demo[0]), read_only=True) as con:
        (rate,) = con.execute(
            "SELECT tasks_closure_rate FROM community_metrics(DATE '2022-01-01', DATE '2022-12-31')"
            " WHERE community = '崇北社区'"
        ).fetchall()[0]
    assert chongbei[2].value == pytest.approx(rate)  # 办结率 over the tasks due in 2022
