"""The learner's journey in French and in Arabic (right to left), axe-clean on every page:
a visitor's browser language picks the interface, the footer links switch it without
JavaScript, and a logged-in learner works in their saved language."""

from __future__ import annotations

import pytest
from babel.support import Translations

from elearn.config import TRANSLATIONS_DIR
from elearn.extensions import db
from tests import factories
from tests.e2e.conftest import check_accessibility

pytestmark = pytest.mark.e2e


@pytest.fixture
def page_in(browser, live_server, axe_source):
    contexts = []

    def make(browser_locale: str):
        context = browser.new_context(bypass_csp=True, base_url=live_server.url(),
                                      locale=browser_locale, java_script_enabled=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.axe_source = axe_source
        return page

    yield make
    for context in contexts:
        context.close()


def _translator(lang: str):
    translations = Translations.load(str(TRANSLATIONS_DIR), [lang])
    return translations.gettext


def _answer(page, t) -> None:
    def question(text):
        return page.locator("fieldset", has_text=text)

    question("Which convention controls").get_by_label("Basel", exact=True).check()
    obligations = question("Which are Basel obligations?")
    obligations.get_by_label("Prior informed consent").check()
    obligations.get_by_label("Sound management").check()
    question("PIC belongs").get_by_label(t("True"), exact=True).check()
    question("Name the document").get_by_label(t("Your answer")).fill("movement document")
    question("In which year").get_by_label(t("Your answer")).fill("1989")
    question("between 10 and 20").get_by_label(t("Your answer")).fill("15")


@pytest.mark.parametrize("lang, direction", [("fr", "ltr"), ("ar", "rtl")])
def test_learner_journey_in_the_users_language(page_in, app, lang, direction):
    t = _translator(lang)
    trainer = factories.make_user(email="t@example.org", role=factories.Role.trainer)
    course = factories.make_course(slug="esm", title="ESM essentials", owner=trainer, modules=2)
    factories.make_quiz(course, max_attempts=0)
    learner = factories.make_user(email="ama@example.org", name="Ama Owusu")
    learner.locale = lang
    db.session.commit()
    db.engine.dispose()

    page = page_in(lang)  # a visitor whose browser asks for this language
    page.goto("/courses")
    html = page.locator("html")
    assert html.get_attribute("lang") == lang and html.get_attribute("dir") == direction
    check_accessibility(page)

    page.goto("/login")
    check_accessibility(page)
    page.get_by_label(t("Email")).fill("ama@example.org")
    page.get_by_label(t("Password")).fill(factories.PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_selector(f"text={t('Log out')}")

    page.goto("/courses/esm")
    check_accessibility(page)
    page.get_by_role("button", name=t("Enrol"), exact=True).click()
    page.wait_for_selector(f"text={t('Withdraw')}")

    for number in (1, 2):
        page.goto(f"/courses/esm/modules/module-{number}")
        check_accessibility(page)
        page.get_by_role("button", name=t("Mark as done")).click()
        done = t("“%(title)s” is marked as done.") % {"title": f"Module {number}"}
        page.wait_for_selector(f"text={done}")

    page.goto("/courses/esm/quizzes/basics")
    check_accessibility(page)
    page.get_by_role("button", name=t("Start the quiz")).click()
    page.wait_for_selector("#quiz-form")
    check_accessibility(page)
    _answer(page, t)
    page.get_by_role("button", name=t("Submit for grading")).click()
    page.wait_for_selector(f"text={t('You have passed this quiz.')}")
    check_accessibility(page)

    page.goto("/me/learning")
    check_accessibility(page)
    page.get_by_role("link", name=t("View and share")).first.click()
    page.wait_for_selector(f"text={t('Download the PDF')}")
    check_accessibility(page)
    page.get_by_role("link", name=t("Public verification page")).click()
    page.wait_for_selector(f"text={t('Valid certificate')}")
    assert page.locator("html").get_attribute("dir") == direction
    check_accessibility(page)


def test_visitor_switches_language_with_a_plain_link(page_in, app):
    page = page_in("en-GB")
    page.context.set_extra_http_headers({})
    page.goto("/courses")
    assert page.locator("html").get_attribute("lang") == "en"
    page.context.clear_cookies()
    page.get_by_role("link", name="العربية").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.url.endswith("/courses")
    check_accessibility(page)
