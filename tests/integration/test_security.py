"""Regression tests for the holes of issue 11 (found by probing): reset-link poisoning and
trusted hosts, join links in shared calendars, API tokens after a password change, the login
limit, email change without re-authentication. (Course images: test_courses_views.py.)"""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from elearn import create_app
from elearn.accounts.models import User
from elearn.extensions import db
from elearn.reports import tokens
from elearn.webinars import registering
from tests import factories

# --- 1. reset poisoning, trusted hosts, proxies ---------------------------------------------


def test_reset_link_comes_from_base_url_not_the_host_header(app, client, learner, outbox):
    app.config["BASE_URL"] = "https://learn.example.org"
    try:
        response = client.post("/password/forgot", data={"email": learner.email},
                                headers={"Host": "evil.example"})
    finally:
        app.config["BASE_URL"] = "http://localhost"
    assert response.status_code == 302
    body = outbox[-1].get_body().get_content()
    assert "evil.example" not in body
    assert re.search(r"https://learn\.example\.org/password/reset/\S+", body)


def test_api_links_come_from_base_url(app, client, admin):
    factories.make_course(slug="one")
    factories.make_course(slug="two")
    _token, raw = tokens.create_token(admin, "t")
    db.session.commit()
    response = client.get("/api/v1/courses?limit=1", headers={
        "Authorization": f"Bearer {raw}", "Host": "evil.example"})
    assert response.status_code == 200
    assert response.get_json()["next"].startswith("http://localhost/api/v1/courses")
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert "evil.example" not in str(document)


def _settings_app(tmp_path, monkeypatch, **env):
    for key, value in env.items():
        monkeypatch.setenv("ELEARN_" + key, value)
    return create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "x",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite"})


def test_requests_for_other_hosts_are_refused(tmp_path, monkeypatch):
    app = _settings_app(tmp_path, monkeypatch, TRUSTED_HOSTS="learn.example.org, .example.net")
    client = app.test_client()
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/healthz", headers={"Host": "learn.example.org"}).status_code != 400
    assert client.get("/healthz", headers={"Host": "a.example.net"}).status_code != 400


def test_production_trusts_the_host_of_base_url_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_BASE_URL", "https://learn.example.org")
    app = create_app({"ENV": "production", "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/t.sqlite"})
    assert app.config["TRUSTED_HOSTS"] == ["learn.example.org"]


def _remote_addr_app(tmp_path, monkeypatch, **env):
    app = _settings_app(tmp_path, monkeypatch, **env)

    @app.get("/_addr")
    def _addr():
        from flask import request

        return request.remote_addr or ""

    return app


def test_forwarded_for_is_ignored_without_trusted_proxies(tmp_path, monkeypatch):
    app = _remote_addr_app(tmp_path, monkeypatch)
    response = app.test_client().get("/_addr", headers={"X-Forwarded-For": "203.0.113.9"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.get_data(as_text=True) == "10.0.0.1"


def test_one_trusted_proxy_gives_the_client_address(tmp_path, monkeypatch):
    app = _remote_addr_app(tmp_path, monkeypatch, PROXY_COUNT="1")
    response = app.test_client().get(
        "/_addr", headers={"X-Forwarded-For": "198.51.100.7, 203.0.113.9"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"})
    # only the last hop (added by our proxy) is believed, not what the client wrote
    assert response.get_data(as_text=True) == "203.0.113.9"


# --- 3. join links only for people with a place --------------------------------------------

JOIN = "https://meet.example.org/secret-room"


def _joins(data: bytes) -> bool:
    return b"secret-room" in data


@pytest.fixture
def webinar_setup(app, trainer, learner, make_user):
    course = factories.make_course(slug="customs", owner=trainer)
    factories.enrol(learner, course)
    webinar = factories.make_webinar(trainer, course=course, join_url=JOIN, capacity=1)
    return course, webinar


def test_shared_calendars_carry_no_join_link(app, client, as_user, learner, webinar_setup):
    course, webinar = webinar_setup
    for url in ["/webinars.ics", f"/webinars/{webinar.id}.ics",
                f"/courses/{course.slug}/calendar.ics"]:
        for who in (client, as_user(learner)):
            response = who.get(url)
            assert response.status_code == 200, url
            assert not _joins(response.data), url
            assert Calendar.from_ical(response.data).walk("VEVENT")


def test_join_link_only_for_a_place_and_managers(app, as_user, learner, trainer, make_user,
                                                 webinar_setup):
    from elearn.webinars.feeds import new_calendar_token

    course, webinar = webinar_setup
    waiting = make_user(email="waiting@example.org")
    registering.register(webinar.id, learner)
    registering.register(webinar.id, waiting)  # capacity 1: waiting list
    learner_token = new_calendar_token(learner)
    waiting_token = new_calendar_token(waiting)
    factories.enrol(waiting, course)
    db.session.commit()
    anonymous = app.test_client()

    assert _joins(anonymous.get(f"/calendar/{learner_token}.ics").data)
    assert not _joins(anonymous.get(f"/calendar/{waiting_token}.ics").data)
    single = as_user(learner).get(f"/webinars/{webinar.id}.ics")
    assert _joins(single.data) and "public" not in single.headers["Cache-Control"]
    assert not _joins(as_user(waiting).get(f"/webinars/{webinar.id}.ics").data)
    assert _joins(as_user(trainer).get(f"/webinars/{webinar.id}.ics").data)


def test_trainers_personal_feed_has_links_of_their_webinars(app, trainer, learner, webinar_setup):
    from elearn.webinars.feeds import new_calendar_token

    course, _webinar = webinar_setup
    factories.enrol(trainer, course)  # the feed lists webinars of one's courses
    token = new_calendar_token(trainer)
    db.session.commit()
    assert _joins(app.test_client().get(f"/calendar/{token}.ics").data)


# --- 4. API tokens die with a password change or reset --------------------------------------


def _api_ok(client, raw) -> bool:
    return client.get("/api/v1/courses",
                      headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_password_change_revokes_api_tokens(app, client, as_user, learner):
    _token, raw = tokens.create_token(learner, "t")
    db.session.commit()
    assert _api_ok(client, raw)
    response = as_user(learner).post("/profile/password", data={
        "current": factories.PASSWORD, "password": "a new long passphrase",
        "confirm": "a new long passphrase"})
    assert response.status_code == 302
    assert not _api_ok(client, raw)


def test_password_reset_revokes_api_tokens(app, client, learner):
    from elearn.accounts.services import make_reset_token

    _token, raw = tokens.create_token(learner, "t")
    db.session.commit()
    reset = make_reset_token(learner)
    response = client.post(f"/password/reset/{reset}", data={
        "password": "a new long passphrase", "confirm": "a new long passphrase"})
    assert response.status_code == 302
    assert not _api_ok(client, raw)


# --- 5. the login limit counts failures only -------------------------------------------------


def test_successful_logins_never_lock_the_owner_out(app, learner):
    client = app.test_client()
    for _ in range(15):
        response = client.post("/login", data={"email": learner.email,
                                               "password": factories.PASSWORD})
        assert response.status_code == 302
        client.post("/logout")


def test_failed_logins_are_limited_per_address_across_accounts(app, learner):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "5 per 15 minutes"
    try:
        client = app.test_client()
        for i in range(5):
            assert client.post("/login", data={"email": f"x{i}@example.org",
                                               "password": "wrong password!"}).status_code == 401
        assert client.post("/login", data={"email": learner.email,
                                           "password": factories.PASSWORD}).status_code == 429
        other = app.test_client()
        response = other.post("/login", data={"email": learner.email,
                                               "password": factories.PASSWORD},
                              environ_base={"REMOTE_ADDR": "192.0.2.50"})
        assert response.status_code == 302
    finally:
        app.config["LOGIN_LIMIT_PER_ADDRESS"] = "30 per 15 minutes"


# --- 6. changing the email needs the password, tells the old address, ends other sessions ---


def _profile(user, **changes):
    data = {"name": user.name, "email": user.email, "audience": str(user.audience_id),
            "country": user.country, "timezone": user.timezone,
            "centre": str(user.centre_id or ""), "locale": user.locale}
    data.update(changes)
    return data


def test_email_change_needs_the_current_password(app, as_user, learner, outbox):
    client = as_user(learner)
    response = client.post("/profile", data=_profile(learner, email="thief@example.net"))
    assert response.status_code == 400
    response = client.post("/profile", data=_profile(learner, email="thief@example.net",
                                                     current_password="wrong password!"))
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, learner.id).email == "learner@example.org"
    assert not outbox


def test_email_change_notifies_the_old_address_and_ends_other_sessions(app, as_user, learner,
                                                                       outbox):
    mine, stolen = as_user(learner), as_user(learner)
    response = mine.post("/profile", data=_profile(learner, email="new@example.org",
                                                   current_password=factories.PASSWORD))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(User.email).where(User.id == learner.id)) == \
        "new@example.org"
    assert outbox and outbox[-1]["To"] == "learner@example.org"
    assert "new@example.org" in outbox[-1].get_body().get_content()
    assert mine.get("/profile").status_code == 200
    assert stolen.get("/profile").status_code == 302  # sent to the login page


def test_other_profile_changes_need_no_password(app, as_user, learner, outbox):
    client = as_user(learner)
    response = client.post("/profile", data=_profile(learner, name="Lina L."))
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200
    assert not outbox
