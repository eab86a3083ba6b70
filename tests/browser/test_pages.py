"""The real app in headless Chromium: every page renders, with no exception box and no console error.
On the demo warehouse the app is in demo mode (signed in as the demo's street secretary, a banner on
every page); tests/browser/test_signin.py signs in through the form on a warehouse that is not the demo.

Screenshots land in test-output/screenshots/ (look at them).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.conftest import CHROMIUM, SHOTS, resize, wait_drawn

PAGES = {
    "overview": "",
    "assessment": "assessment",
    "tasks": "tasks",
    "mediation": "mediation",
    "employment": "employment",
    "campaigns": "campaigns",
    "party": "party",
    "grid_map": "grid_map",
    "upload": "upload",
    "data_status": "data_status",
    "explore": "explore",
    "report": "report",
}

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")]


@pytest.mark.parametrize("page_name", list(PAGES))
def test_page_renders(server, browser, page_name):
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    errors: list[str] = []
    failed: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 else None)
    page.on("requestfailed", lambda r: failed.append(f"{r.url} ({r.failure})"))
    page.goto(f"{server}/{PAGES[page_name]}", wait_until="networkidle")
    wait_drawn(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page_name}.png"))  # what a 1366x768 screen shows first
    # Streamlit scrolls inside its own container, so the whole page is taken on a tall viewport.
    resize(page, {"width": 1366, "height": 3600})
    page.screenshot(path=str(SHOTS / f"{page_name}_full.png"))
    assert page.locator('[data-testid="stException"]').count() == 0
    # Opened at a page's own URL, Streamlit's client first looks for its server under that path
    # (/data_status/_stcore/health), gets a 404 and falls back to the root: expected, and nothing else.
    probes = [u for u in failed if f"/{PAGES[page_name]}/_stcore/" in u and PAGES[page_name]]
    assert [u for u in failed if u not in probes] == []
    assert [e for e in errors if not (probes and e.startswith("Failed to load resource"))] == []
    assert page.locator("h1").first.inner_text().strip()
    if page_name not in PHONE_PAGES:  # those are opened on a phone by the test below
        # The same page on a phone, whole: nothing wider than the screen (tables scroll inside themselves).
        resize(page, {"width": PHONE["width"], "height": 3600})
        page.screenshot(path=str(SHOTS / f"{page_name}_390_full.png"))
        main = page.locator('[data-testid="stMain"]')
        assert main.evaluate("m => m.scrollWidth <= m.clientWidth + 1"), page_name
    page.close()


# Phone ---------------------------------------------------------------------------------------

PHONE = {"width": 390, "height": 844}
PHONE_PAGES = ["overview", "assessment", "tasks", "mediation", "employment", "party"]


@pytest.mark.parametrize("page_name", PHONE_PAGES)
def test_on_a_phone_cards_sit_two_to_a_row_and_legends_clear_titles(server, browser, page_name):
    page = browser.new_page(viewport=PHONE)
    page.goto(f"{server}/{PAGES[page_name]}", wait_until="networkidle")
    wait_drawn(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{page_name}_390.png"))
    resize(page, {"width": 390, "height": 3600})
    page.screenshot(path=str(SHOTS / f"{page_name}_390_full.png"))
    cards = page.evaluate(
        "[...document.querySelectorAll('[data-testid=\"stMetric\"]')].map(m => m.getBoundingClientRect())"
        ".map(r => [Math.round(r.x), Math.round(r.y), Math.round(r.width)])"
    )
    if page_name != "assessment":  # the ranking page has no cards
        assert len(cards) >= 4
        (x0, y0, w0), (x1, y1, w1) = cards[0], cards[1]
        assert y0 == y1 and x1 > x0 and max(w0, w1) < 390 / 2, cards[:2]
    overlaps = page.evaluate(
        """[...document.querySelectorAll('.stPlotlyChart')].filter(c => c.checkVisibility()).map(c => {
            const t = c.querySelector('.gtitle'), l = c.querySelector('.legend');
            if (!t || !l) return false;
            const a = t.getBoundingClientRect(), b = l.getBoundingClientRect();
            return !(a.right < b.left || b.right < a.left || a.bottom < b.top || b.bottom < a.top);
        })"""
    )
    assert not any(overlaps), overlaps
    page.close()


def test_a_fresh_browser_never_shows_the_pages_file_names(server, browser):
    """Streamlit's own menu would list the pages/ folder's file names in English until the entry script
    runs; it is off, and the Chinese page links are there from the first frame the app sends."""
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(f"{server}/", wait_until="commit")
    seen: list[list[str]] = []
    for _ in range(40):
        seen.append(
            page.evaluate(
                '[...document.querySelectorAll(\'[data-testid="stSidebarNav"] a, [data-testid="stPageLink"] a\')]'
                ".map(a => a.innerText.trim())"
            )
        )
        if seen[-1]:
            break
        page.wait_for_timeout(100)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "navigation_first_frame.png"))
    english = {
        "overview",
        "tasks",
        "mediation",
        "employment",
        "campaigns",
        "assessment",
        "report",
        "explore",
        "dashboard",
    }
    assert not any(english & {t.lower() for t in texts} for texts in seen)
    assert page.locator('[data-testid="stSidebarNav"]').count() == 0
    page.wait_for_selector('[data-testid="stPageLink"]', timeout=30_000)
    links = page.locator('[data-testid="stPageLink"] a').all_inner_texts()
    assert any("总览" in t for t in links) and any("考核排名" in t for t in links)
    page.close()


def test_a_click_on_the_ranking_opens_that_communitys_breakdown(server, browser):
    page = browser.new_page(viewport={"width": 1366, "height": 1000})
    page.goto(f"{server}/assessment?street=崇文街道&start=2024-12-01&end=2024-12-31", wait_until="networkidle")
    wait_drawn(page)
    heading = page.locator('[data-testid="stMain"] h3').first
    before = heading.inner_text()
    assert before.startswith("振兴社区")  # the last of the ranking, before any click
    grid = page.locator('[data-testid="stDataFrame"]').first
    box = grid.bounding_box()
    row_height = 35  # Streamlit's default row height; the header row is as tall
    page.mouse.click(box["x"] + 16, box["y"] + row_height * 1.5)  # the first row's selection box
    page.wait_for_function(
        f"document.querySelector('h3') && !document.querySelector('h3').innerText.startsWith({before[:4]!r})",
        timeout=30_000,
    )
    page.wait_for_timeout(2000)
    after = heading.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "assessment_clicked.png"), full_page=True)
    assert after != before and "分" in after
    page.close()


def _colour_counts(png: bytes) -> dict[str, int]:
    """Pixels of the map's colours in a screenshot: grid blues, the gap's red, the overlap's purple."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return {
        "grids": int(((b - r > 40) & (b > 150)).sum()),
        "gap": int(((r > 180) & (r - g > 80) & (r - b > 80)).sum()),
        "overlap": int(((b - g > 60) & (r - g > 30) & (g < 110)).sum()),
    }


def test_grid_map_draws_grids_gap_and_overlap_offline(server, browser):
    """The demo street's map, with nothing reachable but the app: grids, the planted gap and overlap."""
    page = browser.new_page(viewport={"width": 1366, "height": 1100})
    outside: list[str] = []
    # blob: and data: URLs (MapLibre's worker) never leave the browser.
    page.on("request", lambda r: None if r.url.startswith((server, "blob:", "data:")) else outside.append(r.url))
    page.goto(f"{server}/grid_map?street=崇文街道&start=2022-01-01&end=2022-12-31", wait_until="networkidle")
    chart = page.locator(".stPlotlyChart").first
    chart.wait_for(timeout=60_000)
    counts: dict[str, int] = {}
    deadline = time.monotonic() + 90  # MapLibre paints with software WebGL here: give it time
    while time.monotonic() < deadline:
        counts = _colour_counts(chart.screenshot())
        if counts["grids"] > 20_000 and counts["gap"] > 150 and counts["overlap"] > 150:
            break
        page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "grid_map_2022.png"))
    chart.screenshot(path=str(SHOTS / "grid_map_chart.png"))
    assert counts["grids"] > 20_000, counts
    assert counts["gap"] > 150, counts
    assert counts["overlap"] > 150, counts
    assert outside == []  # no tiles, no fonts, nothing from the internet
    page.close()
