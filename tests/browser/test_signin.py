"""Signing in and out through the real form in Chromium, on a warehouse that is not the demo (accounts made
with the command line, as an administrator would); and the demo mode's start page with its banner, on a
desktop and on a phone. Screenshots in test-output/screenshots/."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM, SHOTS, accounts_env, app_server, resize, sign_in, wait_drawn

pytestmark = [pytest.mark.browser]


@pytest.fixture(scope="module")
def signed_server(plain, tmp_path_factory):
    if not CHROMIUM:
        pytest.skip("Debian chromium missing")
    env = accounts_env(
        tmp_path_factory.mktemp("signin"),
        ["管理员", "--role", "admin"],
        ["崇文街道书记", "--role", "street", "--scope", "崇文街道"],
    )
    with app_server(plain, **env) as url:
        yield url


def test_sign_in_through_the_form_then_sign_out(signed_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{signed_server}/tasks?street=崇文街道&start=2022-01-01&end=2022-12-31", wait_until="networkidle")
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible(timeout=30_000)
    assert page.locator(".st-key-page_links").count() == 0  # no navigation before signing in
    expect(page.get_by_text("用户名", exact=True)).to_be_visible()
    page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "sign_in.png"))

    page.get_by_label("用户名").fill("崇文街道书记")
    page.get_by_label("密码").fill("不是这个密码-0000")
    page.get_by_role("button", name="登录", exact=True).click()
    expect(page.get_by_text("用户名或密码不正确。")).to_be_visible(timeout=30_000)

    sign_in(page, "崇文街道书记")
    expect(page.locator("h1").first).to_have_text("任务办结", timeout=60_000)  # the page the link asked for
    expect(page.get_by_text("崇文街道全部社区 · 2022年").first).to_be_visible()
    nav = page.locator(".st-key-page_links")
    expect(nav).to_contain_text("总览")
    assert "审计日志" not in nav.inner_text() and "账号管理" not in nav.inner_text()
    wait_drawn(page)
    page.screenshot(path=str(SHOTS / "signed_in_tasks.png"))

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible(timeout=30_000)
    expect(page.get_by_text("已退出登录。")).to_be_visible()
    assert errors == []
    page.close()


def test_an_administrator_sees_accounts_and_audit_but_no_data(signed_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(signed_server, wait_until="networkidle")
    sign_in(page, "管理员")
    expect(page.locator("h1").first).to_have_text("账号管理", timeout=60_000)
    nav = page.locator(".st-key-page_links")
    expect(nav).to_contain_text("审计日志")
    assert "总览" not in nav.inner_text()
    wait_drawn(page)
    page.screenshot(path=str(SHOTS / "accounts.png"))
    nav.get_by_text("审计日志").click()
    expect(page.locator("h1").first).to_have_text("审计日志", timeout=60_000)
    wait_drawn(page)
    page.screenshot(path=str(SHOTS / "audit.png"))
    page.goto(f"{signed_server}/overview", wait_until="networkidle")  # a new tab must sign in again
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible(timeout=30_000)
    page.close()


def test_the_demo_starts_signed_in_with_its_banner(server, browser):  # noqa: F811
    if not CHROMIUM:
        pytest.skip("Debian chromium missing")
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    page.goto(server, wait_until="networkidle")
    banner = page.get_by_text("演示模式", exact=False).first
    expect(banner).to_be_visible(timeout=60_000)
    expect(page.locator("h1").first).to_have_text("街道治理数据驾驶舱")
    assert page.get_by_role("button", name="登录", exact=True).count() == 0
    page.wait_for_function("!document.querySelector('[data-testid=\"stSkeleton\"]')", timeout=30_000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width, height, name in ((1366, 768, "demo_start"), (390, 844, "demo_start_390")):
        resize(page, {"width": width, "height": height})
        assert banner.is_visible() and banner.bounding_box()["y"] < height  # on the first screen, unscrolled
        page.screenshot(path=str(SHOTS / f"{name}.png"))
    # A link forged to another street, with a Markdown link and bare addresses in it: refused, shown as text.
    forged = quote("[请重新登录](https://evil.example) www.evil.example x@evil.example")
    page.goto(f"{server}/tasks?street=许庄街道&community={forged}", wait_until="networkidle")
    expect(page.get_by_text("不在您的数据范围", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text("崇文街道全部社区", exact=False).first).to_be_visible()
    assert page.locator("a[href*='evil']").count() == 0
    page.close()
