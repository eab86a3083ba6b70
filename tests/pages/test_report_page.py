"""报告导出 page: pick a month and a scope, generate, download Word (and PDF), preview the summary."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from docx import Document

from streetdash import export
from streetdash.db import connect_readonly
from streetdash.export_office import libreoffice_path
from streetdash.metrics import format_value, street_metrics
from streetdash.text import markdown
from tests.pages.test_pages import open_page


@pytest.fixture(scope="module", autouse=True)
def close_the_chart_browser():
    yield
    export.shutdown()


def test_the_report_page_makes_the_monthly_report_of_the_filtered_month(demo, monkeypatch):
    at = open_page("pages/report.py", demo[0], monkeypatch, street="崇文街道", start="2022-12-01", end="2022-12-31")
    assert at.selectbox(key="report_month").value == dt.date(2022, 12, 1)
    assert at.selectbox(key="report_community").value == "（整个街道）"
    at.button[0].click().run()
    assert not at.exception and not at.error, at.error
    assert markdown("崇文街道_2022年12月_工作月报") in at.success[0].value  # names are escaped Markdown
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载 Word" in labels
    assert ("下载 PDF" in labels) == (libreoffice_path() is not None)
    with connect_readonly(demo[0]) as con:
        december = street_metrics(con, dt.date(2022, 12, 1), dt.date(2022, 12, 31), "崇文街道").iloc[0]
    published = format_value("tasks.published", december["tasks_published"], with_unit=True)
    assert any(f"发布任务数 {published}" in m.value for m in at.markdown)
    _, document, _ = at.session_state["report"]
    assert len(Document(io.BytesIO(document)).inline_shapes) == 11  # the charts were drawn


def test_a_community_report_from_the_page(demo, monkeypatch):
    at = open_page("pages/report.py", demo[0], monkeypatch, street="崇文街道", start="2022-12-01", end="2022-12-31")
    at.selectbox(key="report_community").set_value("崇北社区").run()
    at.button[0].click().run()
    assert markdown("崇北社区_2022年12月_工作月报") in at.success[0].value


def test_without_a_warehouse_the_page_says_what_to_do(tmp_path, monkeypatch):
    from tests.pages.test_smoke import run_page

    at = run_page("pages/report.py", tmp_path / "missing.duckdb", monkeypatch)
    assert "尚未建立数仓" in at.warning[0].value
