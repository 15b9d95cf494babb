"""Headless Chromium for the editor's-view tests: Debian's /usr/bin/chromium driven by Playwright.

Never downloads a browser (no `playwright install`). Outside CI the browser tests skip, with the
reason, when /usr/bin/chromium is absent; in CI (.ci/run installs it) they must run.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Tests never write into the checkout: PARADUP_SCREENSHOTS=reports/screenshots refreshes the
# committed ones, otherwise they go to the temporary directory.
SCREENSHOTS = Path(
    os.environ.get("PARADUP_SCREENSHOTS") or Path(tempfile.gettempdir()) / "paradup-screenshots"
)
VIEWPORT = {"width": 1400, "height": 900}


def _require(ok: bool, reason: str) -> None:
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} — CI must run the browser tests (.ci/run installs chromium)")
    pytest.skip(reason)


def launch() -> Iterator[Browser]:
    """Yield a headless Chromium (for a module-scoped fixture), or skip/fail with the reason."""
    _require(CHROMIUM.exists(), f"{CHROMIUM} is absent (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _require(False, "playwright is not installed (pip install -e '.[test]')")
        raise
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / name


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport=VIEWPORT)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url)
    assert all(u.startswith(("file:", "http://127.0.0.1", "data:")) for u in requests), requests
    return page, errors


def check_view(page: Page, findings: list[dict[str, Any]], shot: str) -> None:
    """What the file and the served page share: highlights, click, n/p, sort, print."""
    n_total = len(findings)
    assert n_total > 0
    assert page.locator("body").get_attribute("data-findings") == str(n_total)
    for n, f in enumerate(findings, 1):
        for side in ("a", "b"):
            if f[side].get("doc"):
                continue
            got = page.evaluate(
                '([n, s]) => Array.from(document.querySelectorAll(`mark[data-${s}~="${n}"]`))'
                ".map(m => m.textContent).join('')",
                [n, side],
            )
            assert got == f[side]["text"], (n, side)
    assert page.locator("article.pair:visible").count() == 0
    # Clicking a highlight shows its pair, both passages and the word-level differences.
    target = next(n for n, f in enumerate(findings, 1) if f["changes"])
    page.locator(f'mark[data-b~="{target}"]').first.click()
    pair = page.locator(f"#pair-{target}")
    assert pair.is_visible()
    assert page.locator("article.pair:visible").count() == 1
    assert pair.locator(".side.a .passage").inner_text() == findings[target - 1]["a"]["text"]
    assert pair.locator(".side.b .passage").inner_text() == findings[target - 1]["b"]["text"]
    changed = findings[target - 1]["changes"]
    assert pair.locator(".changes li").count() == len(changed)
    assert pair.locator(".passage del, .passage ins").count() >= 1
    assert page.locator(f'mark.current[data-b~="{target}"]').count() >= 1
    assert page.locator(f'tbody tr.current[data-f="{target}"]').count() == 1
    page.screenshot(path=str(screenshot_path(shot)))
    # The earlier occurrence is linked: its jump link lands on the a-side highlight.
    if not findings[target - 1]["a"].get("doc"):
        pair.locator("a.jump[href$='-a']").click()
        assert page.evaluate("location.hash") == f"#f{target}-a"
    # n / p walk the findings in order and wrap around.
    page.locator("body").click(position={"x": 5, "y": 5})
    page.evaluate("document.activeElement && document.activeElement.blur()")
    seen = []
    for _ in range(n_total):
        page.keyboard.press("n")
        seen.append(page.evaluate("Number(document.body.dataset.current)"))
    assert sorted(seen) == list(range(1, n_total + 1))
    page.keyboard.press("n")
    assert page.evaluate("Number(document.body.dataset.current)") == seen[0]
    page.keyboard.press("p")
    assert page.evaluate("Number(document.body.dataset.current)") == seen[-1]
    current = seen[-1]
    assert page.locator(f"#pair-{current}").is_visible()
    assert page.locator(f"#f{current}-b").is_visible()
    # The table sorts by similarity, length and position.
    sims = sorted((f["similarity"] for f in findings), reverse=True)
    page.locator("th button[data-sort=sim]").click()
    got = [
        float(x)
        for x in page.locator("#findings tbody tr").evaluate_all(
            "rows => rows.map(r => r.dataset.sim)"
        )
    ]
    assert got == sims
    page.locator("th button[data-sort=len]").click()
    lens = page.locator("#findings tbody tr").evaluate_all("rows => rows.map(r => +r.dataset.len)")
    assert lens == sorted(lens, reverse=True)
    page.locator("th button[data-sort=pos]").click()
    pos = page.locator("#findings tbody tr").evaluate_all("rows => rows.map(r => +r.dataset.pos)")
    assert pos == sorted(pos)
    # Clicking a table row selects that finding.
    page.locator('#findings tbody tr[data-f="1"] td').nth(1).click()
    assert page.evaluate("Number(document.body.dataset.current)") == 1
    # Print: every pair is shown, the key help is not.
    page.emulate_media(media="print")
    assert page.locator("article.pair:visible").count() == n_total
    assert not page.locator(".help").is_visible()
    page.emulate_media(media="screen")
