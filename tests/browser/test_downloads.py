"""Downloads in the real app (headless Chromium): a click on a table's 下载 Excel and a chart's PNG
delivers the file Streamlit generates on demand."""

from __future__ import annotations

import io

import openpyxl
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM

pytestmark = [pytest.mark.browser]


def test_table_and_chart_downloads_from_the_tasks_page(server, browser, tmp_path):
    if not CHROMIUM:
        pytest.skip("Debian chromium missing")
    page = browser.new_page(viewport={"width": 1366, "height": 3000}, accept_downloads=True)
    page.goto(f"{server}/tasks?street=崇文街道&start=2022-01-01&end=2022-12-31", wait_until="networkidle")
    page.wait_for_selector("h1", timeout=30_000)
    page.wait_for_function("document.querySelectorAll('.stPlotlyChart .main-svg').length > 0", timeout=60_000)

    # The page streams in: wait for both tables (按类别, then 超期未办结任务) before taking the last.
    excel_buttons = page.get_by_role("button", name="下载 Excel")
    expect(excel_buttons).to_have_count(2, timeout=60_000)
    with page.expect_download(timeout=60_000) as excel:
        excel_buttons.last.click()
    assert excel.value.suggested_filename == "超期未办结任务_崇文街道_2022年.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(excel.value.path().read_bytes()))
    assert book.sheetnames == ["超期未办结任务", "筛选条件"] and book.worksheets[0]["B1"].value == "任务编号"

    with page.expect_download(timeout=90_000) as png:
        page.get_by_role("button", name="PNG", exact=True).first.click()
    assert png.value.suggested_filename == "任务办结_月度趋势_崇文街道_2022年.png"
    image = Image.open(io.BytesIO(png.value.path().read_bytes()))
    assert image.size == (1920, 1080)
    image.save(tmp_path / "trend.png")
    page.close()
