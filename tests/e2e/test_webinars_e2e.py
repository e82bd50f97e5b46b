"""A trainer schedules a webinar; a learner registers and subscribes to their calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.accounts.models import Role
from elearn.db_types import utcnow
from tests import factories
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


def test_trainer_schedules_and_learner_registers(page, app):
    factories.make_user(email="tomas@example.org", name="Tomás Trainer", role=Role.trainer,
                        timezone="America/Montevideo", country="UY")
    factories.make_user(email="lea@example.org", name="Léa Learner", timezone="Africa/Nairobi",
                        country="KE")
    day = (utcnow() + timedelta(days=10)).date().isoformat()

    log_in(page, "tomas@example.org", factories.PASSWORD)
    page.goto("/webinars")
    check_accessibility(page)
    page.get_by_role("link", name="Schedule a webinar").click()
    check_accessibility(page)
    page.get_by_label("Title").fill("Basel procedures at the border")
    page.get_by_label("Date", exact=True).fill(day)
    page.get_by_label("Start time").fill("10:00")
    assert page.get_by_label("Time zone").input_value() == "America/Montevideo"
    page.get_by_label("Join link").fill("http://insecure.example.org")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_selector("#join_url-error")
    check_accessibility(page)
    page.get_by_label("Join link").fill("https://meet.example.org/basel")
    page.get_by_label("Places").fill("10")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_selector("text=The webinar is scheduled.")
    check_accessibility(page)
    webinar_url = page.url
    page.get_by_role("button", name="Log out").click()

    log_in(page, "lea@example.org", factories.PASSWORD)
    page.goto(webinar_url)
    # 10:00 in Montevideo (UTC-3) is 16:00 in Nairobi (UTC+3)
    page.wait_for_selector("text=Montevideo (4:00")
    check_accessibility(page)
    page.get_by_role("button", name="Register").click()
    page.wait_for_selector("text=You are registered.")
    check_accessibility(page)
    page.goto("/webinars")
    page.wait_for_selector("text=Basel procedures at the border")
    check_accessibility(page)
    page.goto("/me/calendar")
    check_accessibility(page)
    page.get_by_role("button", name="Create my calendar address").click()
    feed = page.locator("#feed-url").input_value()
    assert "/calendar/" in feed and feed.endswith(".ics")
    check_accessibility(page)
    response = page.request.get(feed.replace("http://localhost", page.url.split("/me")[0]))
    assert response.status == 200
    assert "Basel procedures at the border" in response.text()
    page.get_by_role("button", name="Log out").click()

    # the session begins; the trainer sees the registration and records attendance by hand
    import sqlalchemy as sa

    from elearn.extensions import db
    from elearn.webinars.models import Webinar

    db.session.execute(sa.update(Webinar).values(start_utc=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    log_in(page, "tomas@example.org", factories.PASSWORD)
    page.goto(webinar_url + "/registrations")
    page.wait_for_selector("text=Léa Learner")
    check_accessibility(page)
    page.goto(webinar_url + "/attendance")
    check_accessibility(page)
    page.get_by_label("Léa Learner").check()
    page.get_by_role("button", name="Save attendance").click()
    page.wait_for_selector("text=Attendance saved (1 change).")
    check_accessibility(page)
