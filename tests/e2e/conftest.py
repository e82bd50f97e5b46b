"""Browser tests: Playwright driving Debian's Chromium against the live server.

Every page a test visits should be checked with ``check_accessibility(page)`` (axe-core, WCAG
2.0/2.1/2.2 A and AA plus best practice) at 1280 px and at 320 px wide: no violation of moderate
impact or worse, and no sideways scrolling of the page at 320 px (reflow, WCAG 1.4.10). When Chromium or axe-core is missing the tests skip with
the reason, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from elearn.extensions import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[2]
DESKTOP = {"width": 1280, "height": 800}
#: WCAG 1.4.10: content reflows at 320 CSS px (1280 px at 400% zoom)
NARROW = {"width": 320, "height": 640}
#: axe impacts that fail a test
FAILING_IMPACTS = ("moderate", "serious", "critical")
AXE_CANDIDATES = [
    ROOT / "node_modules" / "axe-core" / "axe.min.js",
    Path(os.environ.get("AXE_CORE_JS", "/nonexistent")),
]


def _missing(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


@pytest.fixture(scope="session")
def axe_source() -> str:
    for candidate in AXE_CANDIDATES:
        if candidate.is_file():
            return candidate.read_text()
    _missing("axe-core not found (npm install axe-core, or set AXE_CORE_JS)")


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(app):
    """The app as the live server runs it: CSRF on as in production, and no pooled database
    connection shared with the forked server process. (Overrides the root ``app`` fixture so
    it applies before pytest-flask's live_server forks.)"""
    app.config["WTF_CSRF_ENABLED"] = True
    db.session.commit()
    db.engine.dispose()
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def page(browser, live_server, axe_source):
    # bypass_csp lets the test inject axe-core; the app's own CSP is checked in client tests
    context = browser.new_context(bypass_csp=True, base_url=live_server.url(), viewport=DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.axe_source = axe_source
    yield page
    context.close()


def _axe(page) -> list[dict]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=page.axe_source)
    result = page.evaluate("""async () => await axe.run(document, {runOnly: {type: 'tag', values:
        ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}})""")
    return [v for v in result["violations"] if v["impact"] in FAILING_IMPACTS]


_SIDEWAYS = """() => {
    const width = document.documentElement.scrollWidth;
    if (width <= window.innerWidth + 1) return null;
    const culprits = [...document.querySelectorAll('body *')].filter(e => {
        const r = e.getBoundingClientRect();
        return r.right > window.innerWidth + 1 && !e.closest('.table-wrap');
    }).slice(0, 3).map(e => e.tagName + '.' + e.className);
    return width + ' px wide: ' + culprits.join(', ');
}"""


def problems_at_this_size(page, sideways: bool = True) -> list[str]:
    """axe-core's violations of moderate impact or worse at the page's current viewport, and
    (``sideways``) whether the page scrolls sideways at this width (WCAG 1.4.10)."""
    width = page.viewport_size["width"] if page.viewport_size else "?"
    problems = [
        f"{width} px: {v['impact']}: {v['id']}: {v['help']} "
        f"({[n['target'] for n in v['nodes']][:3]})"
        for v in _axe(page)
    ]
    if sideways:
        wide = page.evaluate(_SIDEWAYS)
        if wide:
            problems.append(f"{width} px: the page scrolls sideways (WCAG 1.4.10): {wide}")
    return problems


def check_accessibility(page) -> None:
    """Run axe-core on the current page at 1280 px and at 320 px; fail on any violation of
    moderate impact or worse, and on a page that scrolls sideways at 320 px."""
    problems = []
    original = page.viewport_size or DESKTOP
    try:
        for size in (DESKTOP, NARROW):
            page.set_viewport_size(size)
            problems += problems_at_this_size(page, sideways=size is NARROW)
    finally:
        page.set_viewport_size(original)
    assert not problems, "\n".join(problems) + f"\non {page.url}"


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
