"""The real app on a warehouse, and headless Chromium to drive it: shared by the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# Nothing of Chromium's own goes to the network either (updates, sync, safe browsing, QUIC probes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def app_server(db: Path, **settings: str) -> Iterator[str]:
    """``streamlit run dashboard.py`` on ``db`` (with extra settings) at a free local port; yields its URL."""
    with app_process(db, **settings) as (url, _):
        yield url


@contextmanager
def app_process(db: Path, **settings: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """As ``app_server``, yielding the URL and the server's process (to tell it was not restarted)."""
    port = free_port()
    env = {**os.environ, "WAREHOUSE_DB": str(db), **settings}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard.py",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        proc.terminate()
        proc.wait(timeout=20)


BROWSER_PASSWORD = "浏览器测试的密码-2024"


def accounts_env(folder: Path, *accounts: list[str]) -> dict[str, str]:
    """An accounts file and audit trail in ``folder`` with ``accounts`` (the arguments of
    ``python -m etl user add``, each with :data:`BROWSER_PASSWORD`), as settings for :func:`app_server`."""
    env = {"STREETDASH_ACCOUNTS": str(folder / "accounts.json"), "STREETDASH_AUDIT": str(folder / "audit.sqlite")}
    for argv in accounts:
        subprocess.run(
            [sys.executable, "-m", "etl", "user", "add", *argv],
            input=BROWSER_PASSWORD + "\n",
            text=True,
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
    return env


def sign_in(page, name: str, password: str = BROWSER_PASSWORD) -> None:
    """Fill in and send the sign-in form."""
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录", exact=True).click()


# Waiting for what the screenshots show, not for a fixed time: every visible table's canvas has ink
# (Glide paints its cells a moment after the canvas appears) and every visible chart has its SVG.
# Those in a collapsed expander or an inactive tab draw only when opened.
PAINTED = """() => {
    const inked = c => {
        if (!c || !c.width || !c.height) return false;
        const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < data.length; i += 4 * 7) if (data[i + 3] > 200 && data[i] < 120) return true;
        return false;
    };
    return ![...document.querySelectorAll('[data-testid="stSkeleton"], [data-testid="stSpinner"]')].length
        && [...document.querySelectorAll('[data-testid="stDataFrame"]')]
            .every(d => !d.checkVisibility() || inked(d.querySelector('canvas')))
        && [...document.querySelectorAll('.stPlotlyChart')]
            .every(c => !c.checkVisibility() || c.querySelector('.main-svg'));
}"""
SETTLED = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => done(true))))"


def wait_drawn(page) -> None:
    page.wait_for_selector("h1", timeout=30_000)
    page.wait_for_function(PAINTED, timeout=60_000, polling=100)
    page.wait_for_timeout(300)  # fonts and the last paint of the frame
    page.evaluate(SETTLED)


def resize(page, viewport: dict) -> None:
    """A new viewport, and what it lays out drawn again (charts redraw at their new width)."""
    page.set_viewport_size(viewport)
    page.wait_for_timeout(500)  # Plotly's resize handler is debounced
    page.wait_for_function(PAINTED, timeout=60_000, polling=100)
    page.evaluate(SETTLED)


@pytest.fixture(scope="module")
def server(demo):
    """The app on the demo warehouse: demo mode, signed in as the demo's street secretary."""
    with app_server(demo[0]) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
