"""Loading a ledger from the browser (the real app in headless Chromium): upload a workbook as a
community keeps it, see the preview, load, and find its figures on the tasks page of the same running
app. On a copy of the demo warehouse, so the other browser tests see the demo as it is."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, SHOTS, app_process
from tests.messy_ledgers import FOOTER_NAMES

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")]
PERIOD = "street=崇文街道&community=崇北社区&start=2025-02-01&end=2025-02-28"  # after the demo's data


@pytest.fixture(scope="module")
def upload_server(demo, tmp_path_factory):
    db = tmp_path_factory.mktemp("upload") / "warehouse.duckdb"
    shutil.copyfile(demo[0], db)
    with app_process(db) as (url, proc):
        yield url, db, proc


def february_workbook(path: Path) -> Path:
    """Five tasks of 崇北社区 in February 2025 under a two-row header, the community merged over the block,
    a total and a signed footer under them; one row with an impossible date."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "二月任务"
    ws["A1"] = "崇北社区任务台账（2025年2月）"
    ws.merge_cells("A1:G1")
    for col, text in zip("ABCD", ["任务编号", "所属社区", "任务类别", "任务内容"], strict=True):
        ws[f"{col}2"] = text
        ws.merge_cells(f"{col}2:{col}3")
    ws["E2"] = "办理情况"
    ws.merge_cells("E2:G2")
    ws["E3"], ws["F3"], ws["G3"] = "发布时间", "状态", "办结时间"
    tasks = [
        ("B2501", "环境卫生", "清理楼道", dt.datetime(2025, 2, 3, 9), "已办结", dt.datetime(2025, 2, 4, 10)),
        ("B2502", "便民服务", "代缴水费", dt.datetime(2025, 2, 5, 9), "已办结", dt.datetime(2025, 2, 6, 15)),
        ("B2503", "安全隐患", "消防通道", dt.datetime(2025, 2, 10, 14), "办理中", None),
        ("B2504", "微心愿", "圆梦助学", dt.datetime(2025, 2, 12, 8), "待接单", None),
        ("B2505", "政策宣传", "防诈宣传", dt.datetime(2025, 2, 20, 16), "已办结", dt.datetime(2025, 2, 21, 9)),
        ("B2506", "环境卫生", "清理杂物", "2025-02-30", "待接单", None),
    ]
    for r, (task_id, category, title, published, status, closed) in enumerate(tasks, start=4):
        ws.cell(r, 1, task_id)
        ws.cell(r, 3, category)
        ws.cell(r, 4, title)
        ws.cell(r, 5, published)
        ws.cell(r, 6, status)
        if closed:
            ws.cell(r, 7, closed)
    ws["B4"] = "崇北"
    ws.merge_cells("B4:B9")
    ws["A10"] = "合计"
    ws["C10"] = "6件"
    ws["A11"] = f"填表人：{FOOTER_NAMES[0]}"
    ws["E11"] = f"审核人：{FOOTER_NAMES[1]}"
    wb.save(path)
    return path


# The text a user sees in each of the drop zone's lines: a line drawn by CSS (``::after``) instead of its
# own text, whose letters are 0 px tall, shows the CSS text.
DROPZONE_TEXT = """zone => [...zone.querySelectorAll('button p, [data-testid="stFileUploaderDropzoneInstructions"] span')]
    .map(e => {
        const after = getComputedStyle(e, '::after').content;
        const own = parseFloat(getComputedStyle(e).fontSize) > 0 ? e.innerText.trim() : '';
        return (own + (after && after !== 'none' ? JSON.parse(after) : '')).trim();
    })"""


def metric(page, label: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text(label, exact=True)).first
    return card.locator('[data-testid="stMetricValue"]').inner_text().strip()


def test_upload_preview_load_and_the_new_figures_on_the_tasks_page(upload_server, browser, tmp_path):  # noqa: F811
    server, db, proc = upload_server
    page = browser.new_page(viewport={"width": 1366, "height": 2400})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(f"{server}/tasks?{PERIOD}", wait_until="networkidle")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    assert metric(page, "发布任务数") == "0"

    before = hashlib.sha256(db.read_bytes()).hexdigest()
    page.goto(f"{server}/upload", wait_until="networkidle")
    expect(page.locator("h1").first).to_have_text("导入台账", timeout=30_000)
    expect(page.get_by_text("每个文件不超过 50 MB")).to_be_visible(timeout=30_000)
    # What the drop zone draws: Chinese, not Streamlit's "Upload" and "50MB per file • XLSX, …".
    drawn = page.locator('[data-testid="stFileUploaderDropzone"]').evaluate(DROPZONE_TEXT)
    assert drawn == ["选择文件", "或把文件拖到这里"], drawn
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.locator('[data-testid="stFileUploader"]').screenshot(path=str(SHOTS / "upload_dropzone.png"))
    workbook = february_workbook(tmp_path / "崇北二月任务.xlsx")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(workbook))

    expect(page.get_by_text("预览（尚未写入）")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("将被拒绝的行（1）")).to_be_visible()
    expect(page.get_by_text("跳过的行（3）")).to_be_visible()
    expect(page.get_by_text("崇北二月任务.xlsx「二月任务」 · 任务台账")).to_be_visible()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before  # a preview writes nothing
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SHOTS / "upload_preview.png"), full_page=True)

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_text("已导入：新增 5 行，更新 0 行；跳过 3 行，拒绝 1 行", exact=False)).to_be_visible(
        timeout=120_000
    )
    expect(page.get_by_role("button", name="下载被拒绝和跳过的行（Excel）")).to_be_visible()
    page.wait_for_timeout(1000)
    page.screenshot(path=str(SHOTS / "upload_done.png"), full_page=True)
    assert hashlib.sha256(db.read_bytes()).hexdigest() != before

    # The same server process, not restarted: the next page run reads the new warehouse version.
    assert proc.poll() is None
    page.goto(f"{server}/tasks?{PERIOD}", wait_until="networkidle")
    page.wait_for_selector('[data-testid="stMetricValue"]', timeout=60_000)
    expect(
        page.locator('[data-testid="stMetric"]').filter(has=page.get_by_text("发布任务数", exact=True))
    ).to_contain_text("5", timeout=30_000)
    assert metric(page, "发布任务数") == "5"
    assert metric(page, "办结任务数") == "3"
    page.screenshot(path=str(SHOTS / "upload_tasks_after.png"))
    assert errors == []
    page.close()
