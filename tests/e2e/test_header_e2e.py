"""The site header stays on one line at 1280 px for every role (issue 16)."""

import pytest

from elearn.extensions import db
from tests import factories
from tests.e2e.conftest import DESKTOP, check_accessibility, log_in

pytestmark = pytest.mark.e2e

ROWS = """() => {
  const tops = (selector) => Array.from(document.querySelectorAll(selector))
    .filter((e) => e.offsetParent !== null)
    .map((e) => Math.round(e.getBoundingClientRect().top));
  return {sizes: Array.from(document.querySelectorAll('.header-row > *')).map(
            (e) => Math.round(e.getBoundingClientRect().width)),
          items: tops('.site-header .nav > li'),
          parts: tops('.header-row > *'),
          width: document.documentElement.scrollWidth};
}"""


def one_line(page, who="") -> None:
    rows = page.evaluate(ROWS)
    rows["who"] = who
    assert len(set(rows["items"])) == 1, rows  # the menu does not wrap
    assert max(rows["parts"]) - min(rows["parts"]) < 20, rows  # brand, menu, account side by side
    assert rows["width"] <= DESKTOP["width"], rows


def test_header_does_not_wrap_at_1280_px(page, app, admin, trainer, coordinator, learner):
    # the longest names and menus: an admin with a long name, a trainer with waiting requests
    admin.name = "Maximilian Alexander Featherstonehaugh-Wolfeschlegel"
    db.session.commit()
    page.goto("/courses")
    one_line(page)
    for user in (learner, trainer, coordinator, admin):
        log_in(page, user.email, factories.PASSWORD)
        page.goto("/courses")
        one_line(page, user.role.value)
        check_accessibility(page)
        page.context.clear_cookies()


def test_admin_links_are_reachable_without_javascript(browser, live_server, app, admin):
    context = browser.new_context(base_url=live_server.url(), viewport=DESKTOP,
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, admin.email, factories.PASSWORD)
        page.goto("/courses")
        page.get_by_text("Administration").click()
        page.get_by_role("link", name="Certificates").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Certificates"
        one_line(page)
    finally:
        context.close()
