"""Each role's main journey, walked on a phone (390 x 844, touch) and at 1280 px (issue 16).

Every step is a tap or click on a control the person can see (a menu behind a disclosure is
opened first), and every page is checked where it is shown: axe-core clean and no sideways
scrolling at that width. One live server per test; the browser is shared by the session.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from elearn.db_types import utcnow
from elearn.enrolments.place_requests import request_place
from elearn.extensions import db
from elearn.webinars.models import Webinar
from elearn.webinars.registering import register
from tests import factories, reports_data
from tests.e2e.conftest import DESKTOP, problems_at_this_size
from tests.e2e.test_quizzes_e2e import answer

pytestmark = pytest.mark.e2e

DEVICES = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
              "device_scale_factor": 2},
    "desktop": {"viewport": DESKTOP},
}


class Walk:
    """One person's browser on one device: taps on a phone, clicks on a desktop."""

    def __init__(self, page, device: str):
        self.page = page
        self.device = device
        self.checked: list[str] = []

    def press(self, locator, navigates: bool | None = None) -> None:
        """Tap or click ``locator`` and wait for the page it leads to (``navigates=False``:
        stay, e.g. a download)."""
        locator = locator.first if locator.count() > 1 else locator
        assert locator.is_visible(), f"not visible on the {self.device}: {locator}"
        # reachable by scrolling down only: not beside the screen in a table scrolled sideways
        inside = locator.evaluate("""e => { const r = e.getBoundingClientRect();
            window.scrollTo(0, window.scrollY + r.top - 100);
            const s = e.getBoundingClientRect();
            return s.left >= 0 && s.right <= window.innerWidth; }""")
        assert inside, f"on the {self.device}, {locator} is off the screen sideways"
        locator.scroll_into_view_if_needed()
        if navigates is None:
            navigates = self._navigates(locator)
        try:
            with self.page.expect_navigation(wait_until="load") if navigates else _nothing():
                if self.device == "phone":
                    locator.tap()
                else:
                    locator.click()
        except Exception as error:
            raise AssertionError(f"{self.device}: pressing {locator} on {self.page.url}: "
                                 f"{error}") from error

    @staticmethod
    def _navigates(locator) -> bool:
        return locator.evaluate("""e => (e.tagName.toUpperCase() === 'A' && !!e.getAttribute('href')
            && !e.hasAttribute('download') && !e.getAttribute('href').startsWith('#'))
            || (e.type === 'submit' && !!e.form)""")

    def link(self, name: str, navigates: bool | None = None, **kwargs) -> None:
        self.press(self.page.get_by_role("link", name=name, **kwargs), navigates)

    def button(self, name: str, **kwargs) -> None:
        self.press(self.page.get_by_role("button", name=name, **kwargs))

    def nav(self, name: str) -> None:
        """A link of the site header's main menu."""
        self.press(self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name))

    def admin(self, name: str) -> None:
        """A page of the Administration menu (a disclosure in the header)."""
        menu = self.page.get_by_role("navigation", name="Main").locator("details")
        if not menu.evaluate("e => e.open"):
            self.press(menu.locator("summary"))
        self.press(menu.get_by_role("link", name=name))

    def see(self, text: str) -> None:
        self.page.get_by_text(text).first.wait_for()

    def check(self) -> None:
        problems = problems_at_this_size(self.page)
        assert not problems, "\n".join(problems) + f"\non {self.page.url} ({self.device})"
        self.checked.append(self.page.url)

    def log_in(self, email: str) -> None:
        self.page.goto("/login")
        self.check()
        self.page.get_by_label("Email").fill(email)
        self.page.get_by_label("Password").fill(factories.PASSWORD)
        self.button("Log in")
        self.page.get_by_role("button", name="Log out").wait_for(state="attached")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture(params=list(DEVICES))
def walk(request, browser, live_server, axe_source):
    context = browser.new_context(bypass_csp=True, base_url=live_server.url(),
                                  **DEVICES[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.axe_source = axe_source
    yield Walk(page, request.param)
    context.close()


def test_learner_finds_studies_passes_and_subscribes(walk, app, trainer, learner):
    course = factories.make_course(slug="pic", title="Customs and the PIC procedure",
                                   owner=trainer, modules=1)
    factories.make_quiz(course, max_attempts=0)
    factories.make_course(slug="other", title="Waste statistics")
    factories.make_webinar(trainer, course=course, title="PIC questions and answers")
    page = walk.page

    walk.log_in(learner.email)
    walk.nav("Courses")
    walk.check()
    page.get_by_label("Search").fill("PIC procedure")
    walk.button("Show courses")
    assert page.get_by_role("link", name="Waste statistics").count() == 0
    walk.check()
    walk.link("Customs and the PIC procedure")
    walk.check()
    walk.button("Enrol", exact=True)
    walk.see("0% of the course done")
    walk.check()
    walk.link("Start the course")
    walk.check()
    walk.button("Mark as done")
    walk.see("is marked as done")
    walk.check()
    walk.link("Next: the quiz Basics")
    walk.check()
    walk.button("Start the quiz")
    page.wait_for_selector("#quiz-form")
    walk.check()
    answer(page, right=True)
    walk.button("Submit for grading")
    walk.see("You have passed this quiz.")
    walk.check()
    walk.link("View your certificate")
    walk.see("Download the PDF")
    walk.check()

    walk.nav("Webinars")
    walk.see("PIC questions and answers")
    walk.check()
    walk.link("Subscribe to my calendar")
    walk.check()
    walk.button("Create my calendar address")
    assert page.locator("#feed-url").input_value().endswith(".ics")
    walk.check()


def test_trainer_course_webinar_requests_attendance_analysis(walk, app, trainer, learner):
    course = factories.make_course(slug="nip", title="Updating your NIP", owner=trainer,
                                   modules=2, restricted=True, audiences=("nip-official",))
    factories.make_quiz(course, max_attempts=0)
    request_place(learner, course, "I update our NIP next year.")
    past = factories.make_webinar(trainer, course=course, title="NIP clinic")
    register(past.id, learner)
    db.session.commit()
    db.session.execute(sa.update(Webinar).where(Webinar.id == past.id)
                       .values(start_utc=utcnow() - timedelta(hours=3)))
    db.session.commit()
    page = walk.page
    day = (utcnow() + timedelta(days=12)).date().isoformat()

    walk.log_in(trainer.email)
    walk.nav("Courses")
    walk.link("Updating your NIP")
    walk.see("You are a trainer of this course")
    walk.check()
    walk.link("Basics")
    walk.check()
    walk.link("Item analysis of this quiz")
    walk.check()

    walk.nav("1 request waiting")
    walk.see("I update our NIP next year.")
    walk.check()
    page.get_by_label("Note to the learner (optional)").fill("Welcome.")
    walk.button("Approve")
    walk.check()

    walk.nav("Webinars")
    walk.check()
    walk.link("Schedule a webinar")
    walk.check()
    page.get_by_label("Title").fill("NIP review: inventories")
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Start time").fill("14:00")
    page.get_by_label("Join link").fill("https://meet.example.org/nip")
    walk.button("Schedule")
    walk.see("The webinar is scheduled.")
    walk.check()

    page.goto(f"/webinars/{past.id}")
    walk.check()
    walk.link("Attendance")
    walk.check()
    page.get_by_label(learner.name).check()
    walk.button("Save attendance")
    walk.see("Attendance saved (1 change).")
    walk.check()


def test_coordinator_dashboard_participants_person_export(walk, app, trainer, coordinator):
    reports_data.build(trainer)
    page = walk.page

    walk.log_in(coordinator.email)
    walk.nav("Centre")
    walk.check()
    walk.press(page.locator("#chart-country a").first)
    assert "country=TT" in page.url
    walk.check()
    walk.link("Anna Alpha")
    assert page.get_by_role("heading", level=1).inner_text() == "Anna Alpha"
    walk.check()
    walk.press(page.get_by_role("navigation", name="Report pages").get_by_role(
        "link", name="Participants"))
    walk.check()
    with page.expect_download() as download:
        walk.link("Download XLSX", navigates=False)
    assert download.value.suggested_filename.endswith(".xlsx")


def test_admin_users_certificates_revocation_mail(walk, app, admin, learner):
    certificate = factories.make_certificate(learner)
    factories.make_user(email="kofi@example.org", name="Kofi Mensah")
    page = walk.page

    walk.log_in(admin.email)
    walk.admin("Users")
    walk.check()
    page.get_by_label("Search by name or email").fill("kofi")
    walk.button("Search")
    walk.check()
    walk.link("Edit kofi@example.org")
    walk.check()
    page.get_by_label("Name", exact=True).fill("Kofi A. Mensah")
    walk.button("Save")
    walk.see("Saved the account of kofi@example.org.")
    assert page.get_by_label("Search by name or email").input_value() == "kofi"
    walk.check()

    walk.admin("Certificates")
    walk.check()
    page.get_by_label("Search by code, name, email or course").fill(learner.name)
    walk.button("Search")
    walk.check()
    walk.link(certificate.code)
    walk.check()
    page.get_by_label("Reason").fill("Issued in error")
    walk.button("Revoke this certificate")
    walk.check()  # the question before revoking
    walk.button("Revoke the certificate")
    walk.see("Revoked")
    walk.check()

    walk.admin("Mail")
    walk.check()
