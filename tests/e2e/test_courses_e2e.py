"""A learner finds a course, opens a module, reads it and marks it done, in a real browser."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elearn.courses.sync import sync_tree
from elearn.enrolments.models import ModuleProgress
from elearn.extensions import db
from tests import factories
from tests.courses_helpers import GOOD
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def imported(app):
    sync_tree(GOOD)
    db.session.commit()
    from elearn.courses.models import Course

    return db.session.scalar(sa.select(Course).where(Course.slug == "intro-course"))


def test_learner_reads_a_module_and_marks_it_done(page, app, imported):
    learner = factories.make_user(email="reader@example.org", audience_slug="customs-officer")
    factories.enrol(learner, imported)
    db.session.commit()
    db.engine.dispose()

    log_in(page, "reader@example.org", factories.PASSWORD)
    page.goto("/courses")
    page.wait_for_selector("text=Introduction to the conventions")
    check_accessibility(page)

    page.get_by_label("Search").fill("introduction")
    page.get_by_role("button", name="Show courses").click()
    page.get_by_role("link", name="Introduction to the conventions").click()
    page.wait_for_selector("text=Who it is for")
    check_accessibility(page)

    page.get_by_role("link", name="The basics").click()
    page.wait_for_selector("h1:has-text('The basics')")
    assert page.locator(".module-body table").count() == 1
    image = page.locator(".module-body img")
    assert image.get_attribute("alt") == "A map of the regions"
    assert page.evaluate("document.querySelector('.module-body img').naturalWidth") == 1
    check_accessibility(page)

    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_selector("text=“The basics” is marked as done.")
    assert "/modules/basics" in page.url  # stays on the module that was marked
    assert page.evaluate("() => document.activeElement.id") == "flashes"  # announced
    page.wait_for_selector("text=You have marked this module as done.")
    check_accessibility(page)
    page.locator("a[rel=next]").click()  # "Next: <the following module>"
    page.wait_for_url("**/modules/details")
    page.goto("/courses/intro-course")
    page.wait_for_selector("text=1 of 3 modules done")
    check_accessibility(page)
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1


def test_a_learner_not_enrolled_is_sent_to_the_course_page(page, app, imported):
    factories.make_user(email="visitor@example.org")
    db.engine.dispose()
    log_in(page, "visitor@example.org", factories.PASSWORD)
    page.goto("/courses/intro-course/modules/basics")
    page.wait_for_selector("text=Enrol in this course to read its modules.")
    assert page.url.endswith("/courses/intro-course")
    check_accessibility(page)
