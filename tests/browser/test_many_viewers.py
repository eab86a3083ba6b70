"""Many people at once, while a clerk loads: browser sessions (Playwright contexts against
``streamlit run``) switch the period on the overview and the tasks page over and over while a load of
December tasks runs. No page shows an error, and every figure a session sees is the old batch's or the
new batch's whole, never a mix; the re-render times are reported.

CI size: 10 sessions and 10,000 rows. ``make bench-viewers`` runs it with 100,000 rows
(``VIEWER_LOAD_ROWS``; ``VIEWER_SESSIONS`` sets the sessions) and prints the p95.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from tests.browser.conftest import CHROMIUM, ROOT, SHOTS, accounts_env, app_server, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing")]

SESSIONS = int(os.environ.get("VIEWER_SESSIONS", "10"))
LOAD_ROWS = int(os.environ.get("VIEWER_LOAD_ROWS", "10000"))
PAGES = ("", "tasks")  # the overview and the tasks page, half the sessions each
PERIODS = ("本年", "本月")  # each click changes the period: 本月 is where the sessions start
STREET_USER = "崇文街道书记"
RUN_STATE = "document.querySelector('[data-testid=\"stApp\"]')?.dataset.testScriptState"
CARDS = '[...document.querySelectorAll(\'[data-testid="stMain"] [data-testid="stMetricValue"]\')].map(m => m.innerText)'


def december_tasks(path: Path, communities: list[str], rows: int) -> Path:
    """``rows`` tasks of the street's communities published in December 2024 (the demo's last month)."""
    header = "任务编号,所属社区,任务类别,任务内容,任务来源,发布时间,状态,办结时间\n"
    lines = (
        f"VW{i:07d},{communities[i % len(communities)]},环境卫生,清理楼道第{i}处,小程序,"
        f"2024-12-{1 + i % 28:02d} 08:30,{'已办结' if i % 3 else '办理中'},"
        f"{f'2024-12-{1 + i % 28:02d} 17:00' if i % 3 else ''}\n"
        for i in range(rows)
    )
    path.write_text(header + "".join(lines), encoding="utf-8")
    return path


class Viewer:
    """One browser session on one page, clicking through the periods."""

    def __init__(self, browser, url: str, page: str):
        self.kind = page or "overview"
        self.page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Not waiting for the page to settle: the form is filled as soon as it is drawn, and the first
        # page renders while the next session opens.
        self.page.goto(f"{url}/{page}", wait_until="commit")
        sign_in(self.page, STREET_USER)
        self.period = "本月"
        self.clicked_at = 0.0
        self.seen_running = False
        self.before: list[str] = []

    def wait_drawn(self) -> None:
        self.page.wait_for_selector('[data-testid="stMetricValue"]', timeout=120_000)
        self.page.wait_for_function(f"{RUN_STATE} !== 'running'", timeout=120_000)

    def click(self, period: str) -> None:
        self.before = self.page.evaluate(CARDS)
        self.period = period
        self.seen_running = False
        self.clicked_at = time.monotonic()
        self.page.locator('[data-testid="stSidebar"]').get_by_text(period, exact=True).click()

    def finished(self) -> bool:
        """Whether the run the click started is over (it has been seen running, or its cards changed)."""
        state = self.page.evaluate(RUN_STATE)
        if state == "running":
            self.seen_running = True
            return False
        return self.seen_running or self.page.evaluate(CARDS) != self.before

    def cards(self) -> tuple[str, ...]:
        return tuple(self.page.evaluate(CARDS))

    def close(self) -> None:
        assert self.page.locator('[data-testid="stException"]').count() == 0, self.kind
        self.page.context.close()


def one_round(viewers: list[Viewer], period: str, seen: list, times: list[float]) -> None:
    """Every session clicks ``period`` at once; wait for all of them, then note what each shows."""
    for v in viewers:
        v.click(period)
    waiting = set(range(len(viewers)))
    deadline = time.monotonic() + 180
    while waiting and time.monotonic() < deadline:
        for i in sorted(waiting):
            if viewers[i].finished():
                times.append(time.monotonic() - viewers[i].clicked_at)
                waiting.discard(i)
        time.sleep(0.05)
    assert not waiting, f"{len(waiting)} sessions never finished their re-render"
    for v in viewers:
        v.page.wait_for_timeout(200)  # the last deltas of the run reach the page
        seen.append((v.kind, period, v.cards()))


def test_many_sessions_switch_filters_while_a_load_runs(plain, browser, tmp_path):
    db = tmp_path / "warehouse.duckdb"
    shutil.copyfile(plain, db)  # not the demo: a load would end demo mode under the sessions' feet
    env = accounts_env(
        tmp_path, ["管理员", "--role", "admin"], [STREET_USER, "--role", "street", "--scope", "崇文街道"]
    )
    with duckdb.connect(str(db), read_only=True) as con:
        communities = [r[0] for r in con.execute("SELECT name FROM communities WHERE street = '崇文街道'").fetchall()]
    ledger = december_tasks(tmp_path / "十二月任务.csv", communities, LOAD_ROWS)

    with app_server(db, **env) as url:
        viewers = [Viewer(browser, url, PAGES[i % len(PAGES)]) for i in range(SESSIONS)]
        for v in viewers:
            v.wait_drawn()
        viewers[-1].page.wait_for_timeout(200)  # the last deltas of the first runs reach the pages
        # Every click changes the period: click k chooses PERIODS[k % 2], and the sessions start on
        # PERIODS[-1]. A click on the period already chosen would start no run to wait for.
        clicks = iter(PERIODS[k % len(PERIODS)] for k in range(10_000))
        # What the old batch shows: the first page, then one click.
        before = [(v.kind, PERIODS[-1], v.cards()) for v in viewers]
        one_round(viewers, next(clicks), before, [])
        load = subprocess.Popen(
            [sys.executable, "-m", "etl", "load", str(ledger), "--db", str(db), "--quiet"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        during: list = []
        times: list[float] = []
        rounds = 0
        while load.poll() is None or rounds < len(PERIODS):
            one_round(viewers, next(clicks), during, times)
            rounds += 1
        assert load.wait(timeout=600) == 0, load.stderr.read()
        after: list = []
        for _ in PERIODS:  # what the new batch shows (each session's next run reads it)
            one_round(viewers, next(clicks), after, [])
        SHOTS.mkdir(parents=True, exist_ok=True)
        viewers[0].page.screenshot(path=str(SHOTS / "many_viewers_overview.png"))
        errors = [e for v in viewers for e in v.errors]
        for v in viewers:
            v.close()

    old = {(kind, period): cards for kind, period, cards in before}
    new = {(kind, period): cards for kind, period, cards in after}
    # Every session of a page agreed on each batch, and the load did change what the pages show.
    assert len(old) == len(new) == len(PAGES) * len(PERIODS)
    assert {(k, p) for k, p, _ in before} == set(old) and len(set(before)) == len(old)
    assert len(set(after)) == len(new)
    assert old[("overview", "本月")] != new[("overview", "本月")]
    mixed = [
        (kind, period, cards) for kind, period, cards in during if cards not in (old[kind, period], new[kind, period])
    ]
    assert mixed == [], mixed[:3]
    assert errors == []
    p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
    print(
        f"{SESSIONS} sessions, a load of {LOAD_ROWS:,} rows: {rounds} rounds of clicks during the load, "
        f"re-render p50 {statistics.median(times):.2f} s, p95 {p95:.2f} s"
    )
