"""Accounts: registration, login, logout, sessions, profile, passwords, admin users."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.extensions import db
from tests import factories
from tests.conftest import login_client

GOOD = {
    "name": "Amina Diallo",
    "email": "Amina.Diallo@Example.org",
    "password": "long enough passphrase",
    "confirm": "long enough passphrase",
    "country": "SN",
    "timezone": "Africa/Dakar",
    "centre": "",
}


def register_data(**changes):
    data = dict(GOOD, audience=str(factories.audience("customs-officer").id))
    data.update(changes)
    return data


def test_register_creates_a_learner_and_logs_in(client):
    response = client.post("/register", data=register_data())
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User))
    assert user.email == "amina.diallo@example.org"
    assert user.role is Role.learner
    assert user.password_hash.startswith("$argon2id$")
    assert client.get("/profile").status_code == 200


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Invalid email"),
        ({"password": "short", "confirm": "short"}, "password", "at least 12"),
        ({"confirm": "something else entirely"}, "confirm", "differ"),
        ({"country": "XX"}, "country", "country from the list"),
        ({"timezone": "Mars/Olympus"}, "timezone", "time zone from the list"),
        ({"centre": "99999"}, "centre", "does not exist"),
        ({"audience": "99999"}, "audience", "audience from the list"),
        ({"audience": "<script>"}, "audience", "audience from the list"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_register_rejects_bad_input_next_to_the_field(client, changes, field, message):
    response = client.post("/register", data=register_data(**changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error"[^>]*>[^<]*{message}', html, re.IGNORECASE), html[-3000:]
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_register_refuses_duplicate_email_case_insensitively(client, learner):
    response = client.post("/register", data=register_data(email="LEARNER@example.org"))
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_login_and_bad_login(client, learner):
    bad = client.post("/login", data={"email": learner.email, "password": "wrong password!"})
    assert bad.status_code == 401
    assert "wrong" in bad.get_data(as_text=True)
    good = client.post("/login", data={"email": "LEARNER@example.org", "password": factories.PASSWORD})
    assert good.status_code == 302
    assert client.get("/profile").status_code == 200


def test_failed_logins_are_logged(client, learner, caplog):
    client.post("/login", data={"email": learner.email, "password": "wrong password!"})
    assert any("failed login" in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "javascript:alert(1)"])
def test_login_ignores_unsafe_next(client, learner, target):
    response = client.post(
        "/login", query_string={"next": target},
        data={"email": learner.email, "password": factories.PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_login_follows_safe_next(client, learner):
    response = client.post(
        "/login", query_string={"next": "/profile"},
        data={"email": learner.email, "password": factories.PASSWORD},
    )
    assert response.headers["Location"].endswith("/profile")


def test_login_is_rate_limited_per_account(client, learner, app):
    for _ in range(10):
        client.post("/login", data={"email": learner.email, "password": "wrong password!"})
    response = client.post("/login", data={"email": learner.email, "password": factories.PASSWORD})
    assert response.status_code == 429


def test_login_is_rate_limited_per_address(client, app):
    statuses = [
        client.post("/login", data={"email": f"nobody{i}@example.org", "password": "x" * 12}).status_code
        for i in range(31)
    ]
    assert statuses[-1] == 429
    assert 429 not in statuses[:30]


def test_logout_ends_the_session_for_a_copied_cookie(app, learner):
    client = app.test_client()
    client.post("/login", data={"email": learner.email, "password": factories.PASSWORD})
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    assert thief.get("/profile").status_code == 200
    client.post("/logout")
    assert thief.get("/profile").status_code == 302  # back to the login page


def test_password_change_ends_other_sessions_but_keeps_this_one(app, learner):
    mine = app.test_client()
    mine.post("/login", data={"email": learner.email, "password": factories.PASSWORD})
    other = app.test_client()
    other.post("/login", data={"email": learner.email, "password": factories.PASSWORD})
    response = mine.post("/profile/password", data={
        "current": factories.PASSWORD, "password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert mine.get("/profile").status_code == 200
    assert other.get("/profile").status_code == 302


def test_password_change_needs_the_current_password(learner_client):
    response = learner_client.post("/profile/password", data={
        "current": "not my password", "password": "a brand new passphrase",
        "confirm": "a brand new passphrase",
    })
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)


def test_password_reset_by_emailed_link(client, learner, outbox):
    response = client.post("/password/forgot", data={"email": learner.email})
    assert response.status_code == 302
    assert len(outbox) == 1
    link = re.search(r"http://\S+/password/reset/\S+", outbox[0].get_content()).group(0)
    path = link.split("localhost", 1)[1]
    response = client.post(path, data={"password": "my new passphrase!", "confirm": "my new passphrase!"})
    assert response.status_code == 302
    assert client.post("/login", data={"email": learner.email, "password": "my new passphrase!"}).status_code == 302
    # the link works once: the password change rotated the token it was bound to
    client.post("/logout")
    again = client.post(path, data={"password": "another passphrase", "confirm": "another passphrase"})
    assert again.status_code == 302 and "forgot" in again.headers["Location"]


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, outbox):
    response = client.post("/password/forgot", data={"email": "nobody@example.org"})
    assert response.status_code == 302
    assert outbox == []


def test_reset_with_a_forged_token_is_refused(client):
    response = client.get("/password/reset/forged.token.value")
    assert response.status_code == 302


def test_profile_edit_and_validation(learner_client, learner):
    data = {
        "name": "Lina L.", "email": "lina@example.org", "audience": str(learner.audience_id),
        "country": "FR", "timezone": "Europe/Paris", "centre": "", "locale": "en",
        "current_password": factories.PASSWORD,  # needed for the new email address
    }
    assert learner_client.post("/profile", data=data).status_code == 302
    db.session.refresh(learner)
    assert (learner.name, learner.email, learner.timezone) == ("Lina L.", "lina@example.org", "Europe/Paris")
    bad = learner_client.post("/profile", data=dict(data, timezone="Nowhere/Land"))
    assert bad.status_code == 400


def test_profile_requires_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/admin/users", "/admin/reference"])
def test_admin_pages_are_for_admins_only(url, client, learner_client, trainer_client,
                                         coordinator_client, admin_client):
    assert client.get(url).status_code == 302
    for other in (learner_client, trainer_client, coordinator_client):
        assert other.get(url).status_code == 403
    assert admin_client.get(url).status_code == 200


def test_admin_changes_role_and_centre(admin_client, learner):
    centre = factories.centre("bcrc-caribbean")
    response = admin_client.post(f"/admin/users/{learner.id}",
                                 data={"role": "coordinator", "centre": str(centre.id),
                                       "name": learner.name, "email": learner.email, "active": "y"})
    assert response.status_code == 302
    db.session.refresh(learner)
    assert learner.role is Role.coordinator and learner.centre_id == centre.id


def test_admin_cannot_make_a_coordinator_without_centre(admin_client, learner):
    response = admin_client.post(f"/admin/users/{learner.id}", data={
        "role": "coordinator", "centre": "", "name": learner.name, "email": learner.email, "active": "y"})
    assert response.status_code == 400
    db.session.refresh(learner)
    assert learner.role is Role.learner


def test_trainer_cannot_grant_themselves_admin(trainer_client, trainer):
    assert trainer_client.post(f"/admin/users/{trainer.id}", data={"role": "admin", "centre": ""}).status_code == 403
    # the profile form has no role field: a posted role is ignored
    trainer_client.post("/profile", data={"role": "admin", "name": "T", "email": trainer.email,
                                          "audience": str(trainer.audience_id), "country": "SN",
                                          "timezone": "UTC", "centre": "", "locale": "en"})
    db.session.refresh(trainer)
    assert trainer.role is Role.trainer


def test_admin_edits_reference_data(admin_client):
    response = admin_client.post("/admin/audiences/new", data={
        "slug": "port-authority", "name": "Port authority staff", "description": "Ports"})
    assert response.status_code == 302
    duplicate = admin_client.post("/admin/audiences/new", data={
        "slug": "port-authority", "name": "Again", "description": ""})
    assert duplicate.status_code == 400
    bad_centre = admin_client.post("/admin/centres/new", data={
        "slug": "new-centre", "name": "New", "conventions": ["basel"], "host_country": "QQ"})
    assert bad_centre.status_code == 400
    assert admin_client.get("/admin/audiences/999999").status_code == 404


def test_post_without_csrf_token_is_refused(csrf_enabled, client, learner):
    response = client.post("/login", data={"email": learner.email, "password": factories.PASSWORD})
    assert response.status_code == 400
    logged = app_client = client
    assert logged.get("/profile").status_code == 302
    assert app_client is client


def test_post_with_csrf_token_is_accepted(csrf_enabled, client, learner, csrf_token):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": learner.email, "password": factories.PASSWORD,
                                            "csrf_token": token})
    assert response.status_code == 302


def test_security_headers_and_cookie_flags(client, learner):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    login = client.post("/login", data={"email": learner.email, "password": factories.PASSWORD,
                                        "remember": "y"})
    cookies = login.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    remember_cookie = next(c for c in cookies if c.startswith("remember_token="))
    for cookie in (session_cookie, remember_cookie):
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_remember_cookie_stops_working_after_logout(app, learner):
    client = app.test_client()
    client.post("/login", data={"email": learner.email, "password": factories.PASSWORD, "remember": "y"})
    remember = client.get_cookie("remember_token").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("remember_token", remember)
    assert thief.get("/profile").status_code == 302


def test_error_pages_use_the_shell(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert 'class="site-header"' in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/", "/login"])
def test_light_pages(client, url):
    response = client.get(url)
    assert response.status_code == 200
    css = client.get("/static/css/app.css")
    total = len(response.data) + len(css.data)
    assert total < 60 * 1024


def test_language_choice(client):
    response = client.post("/language", data={"locale": "fr", "next": "/login"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    with client.session_transaction() as session:
        assert session["locale"] == "fr"


def test_login_session_uses_rotating_token(app, learner):
    client = app.test_client()
    login_client(client, learner)
    assert client.get("/profile").status_code == 200
    learner.rotate_session_token()
    db.session.commit()
    assert client.get("/profile").status_code == 302


def test_language_switch_is_a_plain_link(client):
    """The footer switch works without JavaScript or a CSRF token: a GET link per language."""
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/language?locale=fr&amp;next=/login"' in page
    response = client.get("/language?locale=ar&next=/login")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    arabic = client.get("/login")
    assert '<html lang="ar" dir="rtl">' in arabic.get_data(as_text=True)
    assert "Accept-Language" in arabic.headers["Vary"]


def test_language_switch_refuses_unknown_codes_and_foreign_next(client):
    response = client.get("/language?locale=xx&next=https://evil.example/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    with client.session_transaction() as session:
        assert "locale" not in session


def test_locale_order_saved_choice_then_accept_language(app, client, learner):
    """A visitor gets their browser's language; a logged-in user their saved one."""
    page = client.get("/login", headers={"Accept-Language": "es-AR,es;q=0.9,en;q=0.5"})
    assert '<html lang="es"' in page.get_data(as_text=True)
    learner.locale = "fr"
    db.session.commit()
    login_client(client, learner)
    page = client.get("/profile", headers={"Accept-Language": "es"})
    assert '<html lang="fr"' in page.get_data(as_text=True)


def test_switch_saves_the_users_language(app, client, learner):
    login_client(client, learner)
    client.get("/language?locale=ar&next=/profile")
    db.session.refresh(learner)
    assert learner.locale == "ar"


def test_time_zones_are_canonical_grouped_and_in_the_users_language(client, learner_client,
                                                                   learner):
    import re

    html = client.get("/register").get_data(as_text=True)
    zones = re.findall(r'<option[^>]*value="([^"]+/[^"]+)"', html)
    assert "Europe/Stockholm" in zones and "Asia/Kolkata" in zones and "America/Sao_Paulo" in zones
    for alias in ("Asia/Calcutta", "US/Eastern", "Europe/Kiev", "America/Buenos_Aires"):
        assert alias not in zones  # deprecated aliases are not offered
    assert len(zones) == len(set(zones))
    assert '<optgroup label="Europe">' in html and '<optgroup label="Africa">' in html
    assert re.search(r'value="Europe/Stockholm"[^>]*>Stockholm \(Sweden\)<', html)
    assert 'data-also="Asia/Calcutta"' in html  # what some browsers report, for app.js
    assert "data-browser-zone" in html  # a fresh form starts on the browser's zone
    french = client.get("/register", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert re.search(r'value="Europe/Vienna"[^>]*>Vienne \(Autriche\)<', french)
    assert '<optgroup label="Océan Indien">' in french
    # a deprecated zone saved before shows as its current id (the same zone)
    learner.timezone = "Europe/Kiev"
    db.session.commit()
    html = learner_client.get("/profile").get_data(as_text=True)
    assert re.search(r'<option[^>]* selected[^>]* value="Europe/Kyiv"|value="Europe/Kyiv"[^>]* selected',
                     html)
    assert "data-browser-zone" not in html
    # but nobody can pick one
    data = {"name": "N", "email": "x@example.org", "password": "a long passphrase here",
            "confirm": "a long passphrase here", "audience": "1", "country": "FR",
            "timezone": "Asia/Calcutta", "centre": ""}
    response = client.post("/register", data=data)
    assert response.status_code == 400 and "time zone from the list" in response.get_data(as_text=True)


def test_roles_are_named_in_the_users_language(admin, admin_client, learner):
    admin.locale = "fr"
    db.session.commit()
    html = admin_client.get("/admin/users").get_data(as_text=True)
    assert ">Apprenant<" in html and ">Administrateur<" in html and ">learner<" not in html
    html = admin_client.get(f"/admin/users/{learner.id}").get_data(as_text=True)
    assert 'value="coordinator">Coordinateur</option>' in html
    assert "<strong>Administrateur</strong>" in admin_client.get("/profile").get_data(as_text=True)
