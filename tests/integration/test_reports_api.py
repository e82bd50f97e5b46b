"""The read-only API: tokens (profile page, hashed, shown once, revoked at once), scoping,
cursor pagination, CSRF exemption, rate limit."""

import hashlib
import re

import pytest

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.reports import tokens
from elearn.reports.models import ApiToken
from tests import factories, reports_data


@pytest.fixture
def population(app, trainer):
    return reports_data.build(trainer)


def bearer(raw):
    return {"Authorization": f"Bearer {raw}"}


def new_token(user, name="test"):
    _token, raw = tokens.create_token(user, name)
    db.session.commit()
    return raw


# -- tokens on the profile page -----------------------------------------------------------------


def test_token_created_on_profile_page_shown_once_and_stored_hashed(
    coordinator_client, coordinator, csrf_enabled, csrf_token
):
    profile = coordinator_client.get("/profile").get_data(as_text=True)
    assert "/profile/tokens" in profile
    token = csrf_token(coordinator_client, "/profile/tokens")
    response = coordinator_client.post("/profile/tokens", data={"name": "national system",
                                                                "csrf_token": token})
    assert response.status_code == 201
    assert response.headers["Cache-Control"] == "no-store"
    raw = re.search(r'value="(elr_[A-Za-z0-9_-]{43})"', response.get_data(as_text=True)).group(1)
    stored = db.session.query(ApiToken).one()
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:12] and stored.scope == "read"
    assert raw not in str(stored.__dict__)
    listing = coordinator_client.get("/profile/tokens").get_data(as_text=True)
    assert raw not in listing and stored.prefix in listing  # shown once


def test_token_form_needs_csrf_and_a_name(coordinator_client, csrf_enabled):
    assert coordinator_client.post("/profile/tokens", data={"name": "x"}).status_code == 400
    assert db.session.query(ApiToken).count() == 0


def test_empty_token_name_is_refused(coordinator_client):
    response = coordinator_client.post("/profile/tokens", data={"name": ""})
    assert response.status_code == 400 and db.session.query(ApiToken).count() == 0


def test_revoked_token_stops_working_at_once(coordinator_client, coordinator, population):
    raw = new_token(coordinator)
    assert coordinator_client.get("/api/v1/enrolments", headers=bearer(raw)).status_code == 200
    token_id = db.session.query(ApiToken).one().id
    assert coordinator_client.post(f"/profile/tokens/{token_id}/revoke").status_code == 302
    response = coordinator_client.get("/api/v1/enrolments", headers=bearer(raw))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_cannot_revoke_someone_elses_token(as_user, coordinator, learner):
    new_token(coordinator)
    token_id = db.session.query(ApiToken).one().id
    assert as_user(learner).post(f"/profile/tokens/{token_id}/revoke").status_code == 404
    assert db.session.query(ApiToken).one().revoked_at is None


def test_disabled_user_token_stops_working(client, coordinator, population):
    raw = new_token(coordinator)
    coordinator.active = False
    db.session.commit()
    assert client.get("/api/v1/courses", headers=bearer(raw)).status_code == 401


@pytest.mark.parametrize("header", [
    None, "Bearer", "Bearer nope", "Bearer elr_" + "x" * 43, "Basic dXNlcjpwYXNz", "Token elr_x",
])
def test_bad_credentials_get_401(client, population, header):
    headers = {"Authorization": header} if header else {}
    response = client.get("/api/v1/enrolments", headers=headers)
    assert response.status_code == 401 and response.is_json


def test_a_session_cookie_is_not_enough(coordinator_client, population):
    assert coordinator_client.get("/api/v1/enrolments").status_code == 401


# -- scoping -------------------------------------------------------------------------------------


def emails(response):
    return {item["user"]["email"] for item in response.get_json()["data"]}


def test_coordinator_sees_their_centre_only(client, coordinator, population):
    raw = new_token(coordinator)
    response = client.get("/api/v1/enrolments", headers=bearer(raw))
    assert emails(response) == {"a1@example.org", "a2@example.org", "a3@example.org"}
    assert len(response.get_json()["data"]) == 6
    other = population.b1.centre_id
    for path in ("enrolments", "certificates"):
        response = client.get(f"/api/v1/{path}?centre={other}", headers=bearer(raw))
        assert response.status_code == 404, path
    response = client.get("/api/v1/certificates", headers=bearer(raw))
    assert {c["code"] for c in response.get_json()["data"]} == {
        "code-a1-c1", "code-a2-c1", "code-a3-c1", "code-a1-c2"}


def test_completed_filter(client, coordinator, population):
    raw = new_token(coordinator)
    data = client.get("/api/v1/enrolments?status=completed", headers=bearer(raw)).get_json()["data"]
    assert len(data) == 4 and all(item["completed_at"] for item in data)
    assert client.get("/api/v1/enrolments?status=done", headers=bearer(raw)).status_code == 400


def test_admin_picks_any_centre(client, admin, population):
    raw = new_token(admin)
    response = client.get(f"/api/v1/enrolments?centre={population.b1.centre_id}", headers=bearer(raw))
    assert emails(response) == {"b1@example.org"}
    assert len(client.get("/api/v1/enrolments", headers=bearer(raw)).get_json()["data"]) == 7
    assert client.get("/api/v1/enrolments?centre=99999", headers=bearer(raw)).status_code == 404


def test_trainer_sees_their_courses_only(client, trainer, population):
    raw = new_token(trainer)
    data = client.get("/api/v1/enrolments", headers=bearer(raw)).get_json()["data"]
    assert {item["course"]["slug"] for item in data} == {"course-one"} and len(data) == 4
    data = client.get("/api/v1/certificates", headers=bearer(raw)).get_json()["data"]
    assert {item["course"]["slug"] for item in data} == {"course-one"}


def test_learner_sees_themselves(client, population):
    raw = new_token(population.a2)
    assert emails(client.get("/api/v1/enrolments", headers=bearer(raw))) == {"a2@example.org"}
    other = population.b1.centre_id
    assert client.get(f"/api/v1/enrolments?centre={other}", headers=bearer(raw)).status_code == 404


def test_courses_and_webinars(client, coordinator, population):
    factories.make_course(slug="hidden", published=False)
    raw = new_token(coordinator)
    slugs = {c["slug"] for c in client.get("/api/v1/courses", headers=bearer(raw)).get_json()["data"]}
    assert slugs == {"course-one", "course-two"}
    webinars = client.get("/api/v1/webinars", headers=bearer(raw)).get_json()["data"]
    assert [w["title"] for w in webinars] == ["Live one"]
    assert webinars[0]["start"] == "2026-01-15T09:00:00Z"


# -- pagination, CSRF, limits --------------------------------------------------------------------


def test_cursor_pagination_walks_every_row_once(client, coordinator, population):
    raw = new_token(coordinator)
    url, seen = "/api/v1/enrolments?limit=4", []
    while url:
        body = client.get(url, headers=bearer(raw)).get_json()
        seen += [item["id"] for item in body["data"]]
        url = body["next"]
    assert len(seen) == 6 and len(set(seen)) == 6 and seen == sorted(seen)


@pytest.mark.parametrize("query", ["cursor=!!!", "cursor=eyJ4IjoxfQ", "cursor=WzFd", "limit=0",
                                   "limit=1000", "limit=-1", "centre=x", "course=1.5"])
def test_bad_arguments_get_400(client, coordinator, population, query):
    raw = new_token(coordinator)
    response = client.get(f"/api/v1/enrolments?{query}", headers=bearer(raw))
    assert response.status_code == 400 and response.is_json


def test_api_needs_no_csrf_token_but_is_read_only(client, coordinator, csrf_enabled, population):
    raw = new_token(coordinator)
    assert client.get("/api/v1/courses", headers=bearer(raw)).status_code == 200
    assert client.post("/api/v1/courses", headers=bearer(raw)).status_code == 405


def test_rate_limit(app, client, coordinator, population):
    app.config["API_RATE_LIMIT"] = "3 per minute"
    try:
        raw = new_token(coordinator)
        codes = [client.get("/api/v1/courses", headers=bearer(raw)).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    finally:
        app.config.pop("API_RATE_LIMIT")


def test_last_used_is_recorded(client, coordinator, population):
    raw = new_token(coordinator)
    client.get("/api/v1/courses", headers=bearer(raw))
    db.session.expire_all()
    assert db.session.query(ApiToken).one().last_used_at is not None


def test_admin_role_check_uses_the_token_owner(client, population):
    learner = reports_data.make_person(email="l@example.org", role=Role.learner)
    raw = new_token(learner)
    assert client.get("/api/v1/enrolments", headers=bearer(raw)).get_json()["data"] == []
