"""Hostile ledger text in the real app (headless Chromium, issue 13): names and titles made of Markdown,
HTML and LaTeX (tests/hostile.py) show as the characters typed; none becomes a link or an image, and
no page asks anything of any server but the app's own. Screenshots: test-output/screenshots/hostile_*.png.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from tests.browser.conftest import CHROMIUM, SHOTS, app_server, wait_drawn
from tests.hostile import CAMPAIGNS, COMMUNITIES, GRIDS, STREET
from tests.signin import PASSWORD, USERS, ensure_account

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")]

CAPTION = f"{STREET}全部社区 · 2024年11月"
NAMES = list(COMMUNITIES.values())
# page -> (path, extra query parameters, texts the page shows as typed, texts its charts draw as typed)
PAGES = {
    "overview": (
        "",
        {},
        [CAPTION, f"{COMMUNITIES['H1']}：超期未办结任务 1 件", f"{COMMUNITIES['H4']} 失分最多的：办结率失 25.0 分"],
        [],
    ),
    "tasks": ("tasks", {}, [CAPTION], NAMES),
    "mediation": ("mediation", {}, [CAPTION], NAMES),
    "employment": ("employment", {}, [CAPTION], NAMES),
    "campaigns": (
        "campaigns",
        {},
        [CAPTION, f"{COMMUNITIES['H1']} · {CAMPAIGNS[0][1]}", CAMPAIGNS[0][2], f"3 / 10{CAMPAIGNS[0][3]}"],
        [],
    ),
    "grid_map": (
        "grid_map",
        {"grid": "G1"},
        [CAPTION, f"{COMMUNITIES['H1']} · {GRIDS['G2']}", f"与{GRIDS['G2']}（G2）重叠", f"{GRIDS['G1']}（G1）"],
        [f"{GRIDS['G1']}每月任务与纠纷（近12个月）"],
    ),
    "explore": ("explore", {}, [], []),  # the pivot chart is on the second tab: opened below
    "report": ("report", {}, [f"街道：{STREET}（在左侧筛选中更换）"], []),
    "data_status": ("data_status", {}, [], []),
}


@pytest.fixture(scope="module")
def hostile_server(hostile):
    # Not the demo: the app asks for sign-in, as a district user who sees every street.
    ensure_account("admin")
    ensure_account("district")
    with app_server(hostile) as url:
        yield url


def sign_in(page) -> None:
    page.get_by_label("用户名").fill(USERS["district"][0])
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录", exact=True).click()
    page.get_by_role("button", name="登录", exact=True).wait_for(state="detached", timeout=60_000)


SHOWN = "() => document.body.innerText.replaceAll('\\u2060', '')"  # word joiners are invisible
DRAWN = "() => [...document.querySelectorAll('.stPlotlyChart .main-svg text')].map(t => t.textContent).join('\\n')"


def wait_until_shown(page, script: str, texts: list[str]) -> str:
    """The page's text once it holds all of ``texts`` (it streams in); what it holds after 60 s otherwise."""
    try:
        page.wait_for_function(f"texts => texts.every(x => ({script})().includes(x))", arg=texts, timeout=60_000)
    except Exception:  # the assertion below names what is missing
        pass
    return page.evaluate(script)


LINKS_AND_IMAGES = """() => ({
  links: [...document.querySelectorAll('a')].map(a =>
      a.getAttribute('href') || a.getAttribute('xlink:href') || (a.href && a.href.baseVal) || ''),
  images: [...document.querySelectorAll('img, image, source, video, audio, iframe, object, embed')].map(i =>
      i.getAttribute('src') || i.getAttribute('href') || i.getAttribute('xlink:href') || i.getAttribute('data') || ''),
  styled: [...document.querySelectorAll('[style*="url("]')].map(e => e.getAttribute('style')),
})"""


@pytest.mark.parametrize("name", list(PAGES))
def test_hostile_ledger_text_is_shown_as_text_and_fetches_nothing(hostile_server, browser, name):
    path, extra, texts, chart_texts = PAGES[name]
    context = browser.new_context(viewport={"width": 1366, "height": 1800})
    outside: list[str] = []

    def only_the_app(route):
        url = urlsplit(route.request.url)
        if url.scheme in ("data", "blob") or url.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:  # recorded, and never let out
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_app)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    query = urlencode({"street": STREET, "start": "2024-11-01", "end": "2024-11-30", **extra})
    page.goto(f"{hostile_server}/{path}?{query}", wait_until="networkidle")
    sign_in(page)  # then the page the link asked for
    wait_drawn(page)
    if name == "explore":
        page.get_by_role("tab", name="透视分析").click()
        wait_drawn(page)
        chart_texts = NAMES
    if name == "report":
        page.get_by_role("button", name="生成报告").click()
        page.get_by_text("已生成：", exact=False).wait_for(timeout=120_000)
        wait_drawn(page)
        texts = texts + [f"2024年11月，{STREET}", f"{COMMUNITIES['H1']}：超期未办结任务 1 件"]
    shown = wait_until_shown(page, SHOWN, texts)
    drawn = wait_until_shown(page, DRAWN, chart_texts)
    wait_drawn(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hostile_{name}.png"), full_page=True)

    assert page.locator('[data-testid="stException"]').count() == 0
    assert outside == []
    assert [u for u in requests if not u.startswith((hostile_server, "data:", "blob:"))] == []
    found = page.evaluate(LINKS_AND_IMAGES)
    assert [h for h in found["links"] if "example.invalid" in h] == []
    assert [s for s in found["images"] if "example.invalid" in s] == []
    assert [s for s in found["styled"] if "example.invalid" in s] == []
    for expected in texts:
        assert expected in shown, expected
    for expected in chart_texts:
        assert expected in drawn, expected
    context.close()
