"""Accessibility in a real browser (issue 20): a keyboard-only learner with extra time takes a
timed quiz, hears the 5- and 1-minute warnings from the alert region and has the attempt
submitted at zero; a failed form focuses its error summary; a confirmation is focused."""

import pytest

from tests import factories
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


def tab_to(page, description: str, test_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element passes ``test_js`` (a function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => ({test_js})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {description}")


def focused_label(page) -> str:
    return page.evaluate("""() => { const e = document.activeElement;
        const l = e && e.id ? document.querySelector(`label[for="${e.id}"]`) : null;
        return l ? l.textContent.trim() : (e ? e.textContent.trim() : ''); }""")


def test_keyboard_only_timed_quiz_with_extra_time(page, app):
    trainer = factories.make_user(email="t@example.org", role=factories.Role.trainer)
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    factories.make_quiz(course, time_limit_minutes=4)
    learner = factories.make_user(email="ama@example.org", name="Ama Owusu")
    factories.enrol(learner, course)

    # the trainer grants the learner half as much time again (4 min -> 6 min)
    log_in(page, "t@example.org", factories.PASSWORD)
    page.wait_for_selector("text=Log out")
    page.goto("/trainer/courses/esm/quiz-time")
    check_accessibility(page)
    page.get_by_label("Learner's email").fill("ama@example.org")
    page.get_by_label("Time on timed quizzes", exact=True).select_option("150")
    page.get_by_role("button", name="Save for this learner").click()
    page.wait_for_selector("text=The time allowed for Ama Owusu was saved.")
    # the confirmation is focused, so a screen reader announces it
    assert page.evaluate("() => document.activeElement.id") == "flashes"
    check_accessibility(page)
    page.get_by_role("button", name="Log out").click()

    log_in(page, "ama@example.org", factories.PASSWORD)
    page.wait_for_selector("text=Ama Owusu")
    page.clock.install()
    page.goto("/courses/esm/quizzes/basics")
    page.wait_for_selector("text=6 minutes for you")
    check_accessibility(page)

    # keyboard only from here: start, answer, wait
    tab_to(page, "the start button", "e => e.textContent.trim() === 'Start the quiz'")
    page.keyboard.press("Enter")
    page.wait_for_selector("#quiz-form")
    assert page.locator("#quiz-timer-label").text_content() == "Time left:"
    assert page.locator("#quiz-timer").text_content().strip() == "6 min"
    check_accessibility(page)

    tab_to(page, "the first question", "e => e.type === 'radio'")
    while focused_label(page) != "Basel":
        page.keyboard.press("ArrowDown")  # arrows move and check within a radio group
    tab_to(page, "a text answer", "e => e.type === 'text'")
    page.keyboard.type("movement document")
    page.wait_for_selector('#quiz-form[data-dirty="false"]')  # autosaved

    alert = page.locator("#quiz-time-alert")
    assert alert.get_attribute("role") == "alert" and alert.text_content() == ""
    page.clock.fast_forward("01:05")  # 4:55 left
    page.wait_for_function("() => document.getElementById('quiz-time-alert').textContent.startsWith('5 minutes left')")
    assert page.locator("#quiz-timer").text_content().strip() in ("5 min", "4 min")
    page.clock.fast_forward("04:00")  # 0:55 left
    page.wait_for_function("() => document.getElementById('quiz-time-alert').textContent.startsWith('1 minute left')")
    assert page.locator("#quiz-timer").text_content().strip().endswith(" s")  # seconds now
    # at zero the attempt is submitted for the learner, with the answers given
    with page.expect_navigation():
        page.clock.fast_forward("01:00")
    page.wait_for_selector("text=Attempt 1:")
    assert "/result" in page.url
    assert page.title().startswith("Result of attempt 1")
    check_accessibility(page)


def test_a_failed_form_focuses_its_error_summary(page, app):
    page.goto("/register")
    check_accessibility(page)
    page.get_by_label("Email").fill("not an email")
    page.get_by_role("button", name="Create the account").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("() => document.activeElement.id") == "error-summary"
    assert page.title().startswith("Error:")
    check_accessibility(page)
    page.locator("#error-summary a").first.click()
    assert page.evaluate("() => document.activeElement.tagName") in ("INPUT", "SELECT")


def test_the_focused_skip_link_covers_no_other_target(page, app):
    """The first Tab shows "Skip to content"; it must not sit on top of the brand and the first
    links (axe target-size failed a page whose skip link had the focus), and it still skips."""
    page.goto("/courses")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    box = page.locator(".skip-link").bounding_box()
    brand = page.locator(".brand").bounding_box()
    assert box["y"] + box["height"] <= brand["y"] + 0.5, (box, brand)
    check_accessibility(page)
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
