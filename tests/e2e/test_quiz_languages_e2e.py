"""A learner takes a quiz in their language (French, Arabic right to left), axe-clean: the
attempt and the review show the translated texts; the score is the source's."""

from __future__ import annotations

import shutil

import pytest

from elearn.extensions import db
from elearn.quizzes.importer import import_quiz_file
from tests import factories
from tests.e2e.conftest import check_accessibility
from tests.e2e.test_languages_e2e import _translator, page_in  # noqa: F401 (fixture)
from tests.integration.test_quizzes_translations import FRENCH, translate

pytestmark = pytest.mark.e2e

ARABIC = (FRENCH.replace("Les bases des conventions", "أساسيات الاتفاقيات")
          .replace("Quelle convention contrôle", "أي اتفاقية تنظم").replace("Bâle", "بازل"))


@pytest.mark.parametrize("lang, direction, title, question, choice", [
    ("fr", "ltr", "Les bases des conventions", "Quelle convention contrôle", "Bâle"),
    ("ar", "rtl", "أساسيات الاتفاقيات", "أي اتفاقية تنظم", "بازل"),
])
def test_a_translated_quiz_in_the_learners_language(page_in, app, tmp_path, lang, direction,  # noqa: F811
                                                    title, question, choice):
    t = _translator(lang)
    tree = tmp_path / "demo-course"
    shutil.copytree(factories.QUIZ_FIXTURES, tree)
    translate(tree, lang, FRENCH if lang == "fr" else ARABIC)
    trainer = factories.make_user(email="t@example.org", role=factories.Role.trainer)
    course = factories.make_course(slug="esm", title="ESM essentials", owner=trainer, modules=0)
    import_quiz_file(course, tree, {"slug": "basics", "title": "Basics",
                                    "file": "quizzes/basics.yaml", "max_attempts": 0})
    learner = factories.make_user(email="ama@example.org", name="Ama Owusu")
    learner.locale = lang
    db.session.commit()
    factories.enrol(learner, course)
    db.engine.dispose()

    page = page_in(lang)
    page.goto("/login")
    page.get_by_label(t("Email")).fill("ama@example.org")
    page.get_by_label(t("Password")).fill(factories.PASSWORD)
    page.get_by_role("button", name=t("Log in")).click()
    page.wait_for_selector(f"text={t('Log out')}")

    page.goto("/courses/esm/quizzes/basics")
    assert page.locator("h1").inner_text() == title
    check_accessibility(page)
    page.get_by_role("button", name=t("Start the quiz")).click()
    page.wait_for_selector("#quiz-form")
    assert page.locator("html").get_attribute("dir") == direction
    assert page.locator(".question-text div").first.get_attribute("lang") == lang
    check_accessibility(page)
    page.locator("fieldset", has_text=question).get_by_label(choice, exact=True).check()
    page.get_by_role("button", name=t("Submit for grading")).click()
    page.wait_for_selector(".result-summary")
    check_accessibility(page)
    review = page.locator(".review-item").first
    assert review.get_attribute("aria-labelledby")
    assert "SECRET-JUSTE-bale" in review.inner_text()  # the translated feedback of the choice
    assert "GENERALFEEDBACK" not in page.content()
