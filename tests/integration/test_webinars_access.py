"""Every webinar route against every kind of visitor: who gets the page, who is sent to log in,
who is refused (403) and who is told nothing exists (404)."""

from __future__ import annotations

import pytest

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.webinars import services
from elearn.webinars.forms import session_stamp
from elearn.webinars.schedule import build_rrule
from tests import factories

ROLES = ["anonymous", "learner", "other_trainer", "organiser", "admin"]

# route (formatted with w = webinar id, s = session stamp), method, expected status per role
CASES = [
    ("/webinars", "GET", [200, 200, 200, 200, 200]),
    ("/webinars/{w}", "GET", [200, 200, 200, 200, 200]),
    ("/webinars/{w}.ics", "GET", [200, 200, 200, 200, 200]),
    ("/webinars/{p}", "GET", [404, 404, 404, 200, 200]),
    ("/webinars/{p}.ics", "GET", [404, 404, 404, 200, 200]),
    ("/webinars/new", "GET", [302, 403, 200, 200, 200]),
    ("/webinars/{w}/edit", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/cancel", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/sessions/{s}/move", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/sessions/{s}/cancel", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/registrations", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/registrations.csv", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/attendance", "GET", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/attendance?session={s}", "GET", [302, 403, 404, 200, 200]),
    # the series has not begun: the organiser is sent back with a message
    ("/webinars/{w}/attendance?session={s}", "POST", [302, 403, 404, 302, 302]),
    ("/webinars/{w}/attendance?session=20000101T000000Z", "GET", [302, 403, 404, 404, 404]),
    ("/webinars/{w}/attendance/upload", "POST", [302, 403, 404, 200, 200]),
    ("/webinars/{w}/attendance/confirm", "POST", [302, 403, 404, 400, 400]),
    ("/webinars/{w}/register", "POST", [302, 302, 302, 302, 302]),
    ("/webinars/{p}/register", "POST", [302, 404, 404, 302, 302]),
    ("/me/calendar", "GET", [302, 200, 200, 200, 200]),
    ("/webinars.ics", "GET", [200, 200, 200, 200, 200]),
    ("/calendar/nothing-here.ics", "GET", [404, 404, 404, 404, 404]),
]


@pytest.fixture
def world(app, trainer, learner, admin, as_user):
    other = factories.make_user(email="other@example.org", role=Role.trainer)
    webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=3))
    private = factories.make_webinar(trainer, is_public=False)
    db.session.commit()
    clients = {
        "anonymous": app.test_client(), "learner": as_user(learner),
        "other_trainer": as_user(other), "organiser": as_user(trainer), "admin": as_user(admin),
    }
    return webinar, private, clients


def test_access_of_every_route_for_every_role(world):
    """One world for all cases (users are slow to make: argon2); every mismatch is reported."""
    webinar, private, clients = world
    wrong = []
    for route, method, expected in CASES:
        url = route.format(w=webinar.id, p=private.id, s=session_stamp(webinar.start_utc))
        for role, status in zip(ROLES, expected, strict=True):
            client = clients[role]
            response = client.get(url) if method == "GET" else client.post(url, data={})
            if response.status_code != status:
                wrong.append(f"{role} {method} {url}: {response.status_code}, expected {status}")
    assert not wrong, "\n".join(wrong)


def test_webinar_in_a_course_is_managed_by_its_trainers_only(app, trainer, as_user):
    colleague = factories.make_user(email="colleague@example.org", role=Role.trainer)
    outsider = factories.make_user(email="outsider@example.org", role=Role.trainer)
    course = factories.make_course(owner=colleague)
    course.trainers.append(trainer)
    db.session.commit()
    webinar = factories.make_webinar(colleague, course=course)
    assert as_user(trainer).get(f"/webinars/{webinar.id}/edit").status_code == 200
    assert as_user(outsider).get(f"/webinars/{webinar.id}/edit").status_code == 404
    services.cancel_webinar(webinar)
    db.session.commit()
    # a cancelled webinar cannot be edited any more, even by its organiser
    assert as_user(colleague).get(f"/webinars/{webinar.id}/edit").status_code == 302


def test_every_post_needs_a_csrf_token(csrf_enabled, trainer_client, trainer, learner,
                                       learner_client):
    webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=3))
    stamp = session_stamp(webinar.start_utc)
    for url in ("/webinars/new", f"/webinars/{webinar.id}/edit", f"/webinars/{webinar.id}/cancel",
                f"/webinars/{webinar.id}/sessions/{stamp}/cancel",
                f"/webinars/{webinar.id}/sessions/{stamp}/move",
                f"/webinars/{webinar.id}/attendance", f"/webinars/{webinar.id}/attendance/upload",
                f"/webinars/{webinar.id}/attendance/confirm"):
        assert trainer_client.post(url, data={"title": "x"}).status_code == 400, url
    for url in (f"/webinars/{webinar.id}/register", f"/webinars/{webinar.id}/unregister",
                "/me/calendar"):
        assert learner_client.post(url).status_code == 400, url
    db.session.expire_all()
    assert webinar.status.value == "scheduled" and webinar.overrides == []
    assert learner.calendar_token_hash is None


def test_a_password_reset_kills_the_calendar_feed(app, learner):
    from elearn.accounts.services import set_password
    from elearn.webinars.feeds import new_calendar_token

    token = new_calendar_token(learner)
    db.session.commit()
    client = app.test_client()
    assert client.get(f"/calendar/{token}.ics").status_code == 200
    db.session.expire_all()  # as in a new request: the old hash is not loaded yet
    set_password(learner, "a brand new long passphrase")
    db.session.commit()
    assert client.get(f"/calendar/{token}.ics").status_code == 404
