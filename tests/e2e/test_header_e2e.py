"""The site header stays on one line at 1280 px for every role, in every language of the
interface, and mirrors in Arabic (issue 16)."""

import json

import pytest

from elearn.enrolments.place_requests import request_place
from elearn.extensions import db
from tests import factories
from tests.e2e.conftest import DESKTOP, check_accessibility, log_in

pytestmark = pytest.mark.e2e

ROWS = """() => {
  const tops = (selector) => Array.from(document.querySelectorAll(selector))
    .filter((e) => e.offsetParent !== null)
    .map((e) => Math.round(e.getBoundingClientRect().top));
  const box = (selector) => {
    const e = document.querySelector(selector);
    return e ? Math.round(e.getBoundingClientRect().left) : null;
  };
  return {brand: box('.site-header .brand'), account: box('.site-header .account'),
          dir: document.documentElement.dir, lang: document.documentElement.lang,
          sizes: Array.from(document.querySelectorAll('.header-row > *')).map(
            (e) => Math.round(e.getBoundingClientRect().width)),
          items: tops('.site-header .nav > li'),
          parts: tops('.header-row > *'),
          width: document.documentElement.scrollWidth};
}"""


def one_line(page, who="", language="en") -> None:
    rows = page.evaluate(ROWS)
    rows["who"] = who
    info = json.dumps(rows)
    assert rows["lang"] == language, info
    assert len(set(rows["items"])) == 1, info  # the menu does not wrap
    assert max(rows["parts"]) - min(rows["parts"]) < 20, info  # brand, menu, account side by side
    assert rows["width"] <= DESKTOP["width"], info
    if language == "ar":  # right to left: the brand on the right, the account on the left
        assert rows["dir"] == "rtl" and rows["brand"] > rows["account"], info
    else:
        assert rows["dir"] == "ltr" and rows["brand"] < rows["account"], info


def log_in_by_ids(page, email: str) -> None:
    """Log in whatever the interface language (the fields by id, the form's one button)."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".site-header .account form")


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_header_does_not_wrap_at_1280_px(page, app, admin, trainer, coordinator, learner,
                                         language):
    # the longest names and menus: an admin with a long name, a trainer with waiting requests
    admin.name = "Maximilian Alexander Featherstonehaugh-Wolfeschlegel"
    course = factories.make_course(owner=trainer, restricted=True, audiences=("nip-official",))
    request_place(learner, course)
    for user in (admin, trainer, coordinator, learner):
        user.locale = language
    db.session.commit()
    page.goto(f"/language?locale={language}&next=/courses")
    one_line(page, "anonymous", language)
    for user in (learner, trainer, coordinator, admin):
        log_in_by_ids(page, user.email)
        page.goto("/courses")
        one_line(page, user.role.value, language)
        check_accessibility(page)
        page.context.clear_cookies()
        page.goto(f"/language?locale={language}&next=/courses")


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
