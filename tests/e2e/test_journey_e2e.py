"""The learner's whole journey in a real browser: enrol, read and mark modules done, pass the
quiz, get the certificate, download its PDF and open the public verification page."""

import pytest

from tests import factories
from tests.e2e.conftest import check_accessibility, log_in
from tests.e2e.test_quizzes_e2e import answer

pytestmark = pytest.mark.e2e


def test_enrol_modules_quiz_certificate_verification(page, app):
    trainer = factories.make_user(email="t@example.org", role=factories.Role.trainer)
    course = factories.make_course(slug="esm", title="ESM essentials", owner=trainer, modules=2)
    factories.make_quiz(course, max_attempts=0)
    factories.make_user(email="ama@example.org", name="Ама Owusu-Diallo")

    log_in(page, "ama@example.org", factories.PASSWORD)
    page.wait_for_selector("text=Log out")
    page.goto("/courses/esm")
    check_accessibility(page)
    page.get_by_role("button", name="Enrol", exact=True).click()
    page.wait_for_selector("text=Withdraw")

    for number in (1, 2):
        page.goto(f"/courses/esm/modules/module-{number}")
        check_accessibility(page)
        page.get_by_role("button", name="Mark as done").click()
        page.wait_for_selector(f"text=“Module {number}” is marked as done.")

    page.goto("/courses/esm/quizzes/basics")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_selector("#quiz-form")
    answer(page, right=True)
    page.get_by_role("button", name="Submit for grading").click()
    page.wait_for_selector("text=You have passed this quiz.")

    page.goto("/me/learning")
    check_accessibility(page)
    page.get_by_role("link", name="View and share").first.click()
    page.wait_for_selector("text=Download the PDF")
    check_accessibility(page)
    pdf_url = page.get_by_role("link", name="Download the PDF").get_attribute("href")
    pdf = page.request.get(pdf_url)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    page.get_by_role("link", name="Public verification page").click()
    page.wait_for_selector("text=Valid")
    assert "ESM essentials" in page.content() and "Ама Owusu-Diallo" in page.content()
    check_accessibility(page)
