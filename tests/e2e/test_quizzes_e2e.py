"""A learner takes a quiz in a real browser: fails, retries and passes (answers autosaved)."""

import pytest

from tests import factories
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


def answer(page, right: bool) -> None:
    def question(text):
        return page.locator("fieldset", has_text=text)

    question("Which convention controls").get_by_label("Basel" if right else "Rotterdam", exact=True).check()
    obligations = question("Which are Basel obligations?")
    if right:
        obligations.get_by_label("Prior informed consent").check()
        obligations.get_by_label("Sound management").check()
    else:
        obligations.get_by_label("Free trade").check()
    question("PIC belongs").get_by_label("True" if right else "False", exact=True).check()
    question("Name the document").get_by_label("Your answer").fill("movement  document" if right else "nothing")
    question("In which year").get_by_label("Your answer").fill("1989" if right else "1900")
    question("between 10 and 20").get_by_label("Your answer").fill("15" if right else "99")


def test_learner_fails_retries_and_passes(page, app):
    trainer = factories.make_user(email="t@example.org", role=factories.Role.trainer)
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    factories.make_quiz(course, shuffle_questions=True, shuffle_choices=True)
    learner = factories.make_user(email="ama@example.org", name="Ama Owusu")
    factories.enrol(learner, course)

    log_in(page, "ama@example.org", factories.PASSWORD)
    page.wait_for_selector("text=Ama Owusu")
    page.goto("/courses/esm/quizzes/basics")
    check_accessibility(page)
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_selector("#quiz-form")
    check_accessibility(page)
    answer(page, right=False)
    # the autosave script posted the answers: the form is clean once the last change is saved
    page.wait_for_selector('#quiz-form[data-dirty="false"]')
    page.wait_for_selector("text=Answers saved.")
    page.reload()  # what was saved comes back, in the same order
    assert page.locator("fieldset", has_text="PIC belongs").get_by_label("False", exact=True).is_checked()
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_selector("text=Not passed")
    check_accessibility(page)
    page.get_by_role("link", name="Back to the quiz").click()
    page.wait_for_selector("text=Your attempts")
    check_accessibility(page)

    page.get_by_role("button", name="Start a new attempt").click()
    page.wait_for_selector("#quiz-form")
    answer(page, right=True)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_selector("text=You have passed this quiz.")
    assert page.locator("text=Right answer:").count() == 6  # review policy: correct answers
    check_accessibility(page)
    page.get_by_role("link", name="Back to the quiz").click()
    page.wait_for_selector("text=You have used all your attempts at this quiz.")
    check_accessibility(page)

    # the course's trainer reads the item analysis of these two attempts
    page.get_by_role("button", name="Log out").click()
    log_in(page, "t@example.org", factories.PASSWORD)
    page.wait_for_selector("text=Log out")
    page.goto("/trainer/courses/esm/quizzes/basics/analysis")
    page.wait_for_selector("text=Most chosen wrong answer")
    assert page.locator("text=50.0%").count() >= 1
    check_accessibility(page)
