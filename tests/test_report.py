"""The monthly report: its numbers are the metrics layer's, its comparisons only where the other
period has records, it opens in LibreOffice and converts to PDF (pages saved as PNG in
test-output/report/ to look at), and the command line says what went wrong in Chinese."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from docx import Document

from streetdash import export, report
from streetdash.db import connect_readonly
from streetdash.export_office import docx_to_pdf, libreoffice_path, pdf_to_pngs
from streetdash.metrics import format_value, load_catalogue, selection_metrics, street_metrics

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "test-output" / "report"
DECEMBER = (dt.date(2022, 12, 1), dt.date(2022, 12, 31))
NOVEMBER = (dt.date(2022, 11, 1), dt.date(2022, 11, 30))


@pytest.fixture(scope="module", autouse=True)
def close_the_chart_browser():
    yield
    export.shutdown()


def text_of(document: bytes) -> str:
    doc = Document(io.BytesIO(document))
    cells = [cell.text for table in doc.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_the_report_says_the_metrics_layer_numbers(demo):
    db = demo[0]
    document, data = report.monthly_report("崇文街道", "2022-12", db=db, images=False)
    text = text_of(document)
    with connect_readonly(db) as con:
        december = street_metrics(con, *DECEMBER, "崇文街道").iloc[0]
        november = street_metrics(con, *NOVEMBER, "崇文街道").iloc[0]
    assert text.startswith("崇文街道2022年12月工作月报")
    summary = report.summary(data)
    for key in ["tasks.published", "tasks.claims", "tasks.closed", "tasks.closure_rate", "mediation.cases"]:
        m = load_catalogue()[key]
        assert format_value(key, december[m.column]) in summary, key
    table_rows = {row[0]: row for row in _rows(document)}
    for topic in report.TOPICS:
        if not report.has_records(december, topic):  # 崇文街道 has no points ledger in 2022
            assert topic.nothing in text
            continue
        for key in topic.keys:
            m = load_catalogue()[key]
            assert table_rows[m.name][1].split(" ")[0] == format_value(key, december[m.column]), key
    # 环比 against the metrics layer's November, e.g. 办结率 +x.x 个百分点
    rate = load_catalogue()["tasks.closure_rate"]
    points = (december[rate.column] - november[rate.column]) * 100
    assert table_rows["办结率"][2] == format_value(rate.key, november[rate.column])
    assert table_rows["办结率"][3] == f"{'+' if points > 0 else '-'}{abs(points):.1f} 个百分点"
    assert f"办结率 {format_value(rate.key, december[rate.column])}（环比" in summary
    # the ranking and the attention items come from the same community figures as the overview
    assert "社区排名" in text and "振兴社区：超期未办结任务" in text


def _rows(document: bytes) -> list[list[str]]:
    doc = Document(io.BytesIO(document))
    return [[c.text for c in row.cells] for table in doc.tables for row in table.rows]


def test_no_comparison_where_the_other_period_has_no_records(demo):
    document, data = report.monthly_report("崇文街道", "2021-01", db=demo[0], images=False)
    assert "环比" not in report.summary(data) and "同比" not in report.summary(data)
    published = next(r for r in _rows(document) if r[0] == "发布任务数")
    assert published[2:] == [report.NO_COMPARISON, "—", report.NO_COMPARISON, "—"]


def test_a_community_report_is_narrowed_to_it(demo):
    db = demo[0]
    document, data = report.monthly_report("崇文街道", "2022-12", "崇北社区", db=db, images=False)
    with connect_readonly(db) as con:
        chongbei = selection_metrics(con, *DECEMBER, ["崇北社区"]).iloc[0]
    assert text_of(document).startswith("崇北社区2022年12月工作月报")
    assert f"发布任务数 {format_value('tasks.published', chongbei['tasks_published'], with_unit=True)}" in (
        report.summary(data)
    )
    assert set(data.scope_communities["community"]) == {"崇北社区"}


@pytest.mark.parametrize(
    "args,message",
    [
        (["--street", "不存在街道", "--month", "2022-12"], "数仓中没有街道「不存在街道」"),
        (["--street", "崇文街道", "--month", "2022/12"], "月份应写作 YYYY-MM"),
        (["--street", "崇文街道", "--month", "2022-12", "--community", "星河社区"], "崇文街道没有社区「星河社区」"),
        (["--street", "崇文街道", "--month", "2031-01"], "晚于数据截至日期"),
    ],
)
def test_the_command_line_explains_what_is_wrong(demo, tmp_path, args, message):
    done = subprocess.run(
        [sys.executable, "-m", "etl", "report", *args, "--db", str(demo[0]), "--out", str(tmp_path / "r.docx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and message in done.stderr and not (tmp_path / "r.docx").exists()


@pytest.mark.slow
@pytest.mark.skipif(libreoffice_path() is None, reason="LibreOffice not installed (make system-deps installs it)")
def test_the_report_for_chongwen_december_2022_opens_in_libreoffice_with_charts(demo):
    OUT.mkdir(parents=True, exist_ok=True)
    docx = OUT / "崇文街道_2022年12月_工作月报.docx"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl",
            "report",
            "--street",
            "崇文街道",
            "--month",
            "2022-12",
            "--out",
            str(docx),
            "--pdf",
            "--db",
            str(demo[0]),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    pdf = docx.with_suffix(".pdf")
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert (
        len(Document(docx).inline_shapes) == 11
    )  # two charts for each of five topics (党建引领 too), the grid map; no points kept
    pages = pdf_to_pngs(pdf, OUT, dpi=70)  # look at them: test-output/report/*.png
    assert len(pages) >= 5
    # The PDF's own text layer: Chinese came through LibreOffice as text, with the numbers.
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "崇文街道2022年12月工作月报" in re.sub(r"\s+", "", text)
    assert "办结率" in text and "社区排名" in text


def test_docx_to_pdf_says_when_libreoffice_is_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(export.ExportError, match="未安装 LibreOffice"):
        docx_to_pdf(tmp_path / "r.docx")


def test_the_report_has_the_months_assessment_as_the_ranking_page_shows_it(demo):
    from streetdash import assessment

    db = demo[0]
    document, data = report.monthly_report("崇文街道", "2024-12", "振兴社区", db=db, images=False)
    text = text_of(document)
    with connect_readonly(db) as con:
        ranking = assessment.read_assessment(con, "崇文街道", dt.date(2024, 12, 1)).ranking()
    assert "考核排名" in text and "崇文街道社区工作月度考核" in text
    rows = _rows(document)
    header = rows.index(["名次", "社区", "得分", "等级", "较上月", "无数据指标"])
    shown = rows[header + 1 : header + 1 + len(ranking)]
    assert [r[1] for r in shown] == ranking["社区"].tolist()
    assert [r[2] for r in shown] == [f"{v:.1f}" for v in ranking["得分"]]
    assert [r[4] for r in shown] == ranking["较上月"].tolist()
    # A community's report adds its indicators, the largest loss first.
    parts = rows.index(["指标", "完成值", "计分规则", "得分", "失分"])
    first = rows[parts + 1]
    breakdown = data.assessment.breakdown("振兴社区")
    assert first[0] == breakdown.iloc[0]["指标"] and first[4] == f"{breakdown.iloc[0]['失分']:.1f}"
