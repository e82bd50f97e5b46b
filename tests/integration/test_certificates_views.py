"""Certificate pages: who sees the private page, public verification, PDF, revoke, reissue."""

import pytest

from elearn.accounts.models import Role
from elearn.certificates import services
from elearn.extensions import db, limiter
from tests import factories


@pytest.fixture
def setting(app, trainer):
    """A certificate of a learner of centre bcrc-caribbean, for a course of ``trainer``."""
    owner = factories.make_user(email="owner@example.org", name="Олена Шевченко",
                                centre="bcrc-caribbean")
    course = factories.make_course(owner=trainer, modules=1, title="ESM of wastes")
    return factories.make_certificate(user=owner, course=course)


@pytest.mark.parametrize("who, status", [
    ("owner", 200), ("trainer", 200), ("coordinator", 200), ("admin", 200),
    ("other_learner", 404), ("other_trainer", 404), ("other_coordinator", 404),
])
def test_private_page_access(setting, as_user, trainer, coordinator, admin, who, status):
    people = {
        "owner": setting.user, "trainer": trainer, "coordinator": coordinator, "admin": admin,
        "other_learner": factories.make_user(),
        "other_trainer": factories.make_user(role=Role.trainer),
        "other_coordinator": factories.make_user(role=Role.coordinator, centre="bcrc-pacific"),
    }
    response = as_user(people[who]).get(f"/me/certificates/{setting.code}")
    assert response.status_code == status
    if status == 200:
        html = response.get_data(as_text=True)
        assert "Олена Шевченко" in html
        assert f"/certificates/{setting.code}.pdf" in html
        assert "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME" in html
        assert f"http://localhost/certificates/{setting.code}" in html
        # only the course's trainers and admins get the revoke and reissue forms
        assert ("Revoke this certificate" in html) is (who in ("trainer", "admin"))


def test_private_page_needs_a_login(client, setting):
    response = client.get(f"/me/certificates/{setting.code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_public_verification_valid_revoked_unknown(client, setting, trainer):
    response = client.get(f"/certificates/{setting.code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Valid certificate" in html
    assert "Олена Шевченко" in html and "ESM of wastes" in html and "Customs officer" in html
    assert "owner@example.org" not in html
    assert response.headers["Cache-Control"].startswith("private")

    services.revoke(setting, trainer, "Identity could not be confirmed")
    db.session.commit()
    html = client.get(f"/certificates/{setting.code}").get_data(as_text=True)
    assert "Revoked certificate" in html and "Identity could not be confirmed" in html
    data = client.get(f"/certificates/{setting.code}.json").get_json()
    assert data["status"] == "revoked" and data["revoked_reason"] == "Identity could not be confirmed"

    response = client.get("/certificates/k7m2q-x9tzp-a4bcd-efghj")
    assert response.status_code == 404 and "Unknown certificate" in response.get_data(as_text=True)
    response = client.get("/certificates/k7m2q-x9tzp-a4bcd-efghj.json")
    assert response.status_code == 404 and response.get_json()["status"] == "unknown"


def test_json_for_machines(client, setting):
    response = client.get(f"/certificates/{setting.code.upper()}.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["status"] == "valid" and data["code"] == setting.code
    assert data["learner_name"] == "Олена Шевченко" and data["course"] == "ESM of wastes"


def test_pdf_is_public_by_code_and_cached_by_etag(client, setting):
    response = client.get(f"/certificates/{setting.code}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    etag = response.headers["ETag"]
    again = client.get(f"/certificates/{setting.code}.pdf", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert client.get("/certificates/k7m2q-x9tzp-a4bcd-efghj.pdf").status_code == 404


def test_failed_lookups_are_rate_limited_but_valid_ones_do_not_count(app, client, setting):
    app.config["CERTIFICATE_LOOKUP_LIMIT"] = "5 per minute"
    limiter.reset()
    try:
        for _ in range(10):  # successes are not deducted
            assert client.get(f"/certificates/{setting.code}.json").status_code == 200
        codes = [client.get(f"/certificates/k7m2q-x9tzp-a4bcd-efg{n}{n}.json").status_code
                 for n in "23456789"]
        assert codes[:5] == [404] * 5 and codes[5:] == [429] * 3
        # the limit is shared by the page, the JSON and the PDF
        assert client.get("/certificates/k7m2q-x9tzp-a4bcd-efghj").status_code == 429
    finally:
        app.config.pop("CERTIFICATE_LOOKUP_LIMIT")
        limiter.reset()


def test_revoke_by_trainer_of_the_course(as_user, setting, trainer, outbox):
    client = as_user(trainer)
    response = client.post(f"/me/certificates/{setting.code}/revoke", data={"revoke-reason": ""})
    assert response.status_code == 302 and setting.revoked_at is None
    client.post(f"/me/certificates/{setting.code}/revoke",
                data={"revoke-reason": "Shared answers", "confirmed": "yes"})
    db.session.refresh(setting)
    assert setting.revoked_at is not None and setting.revoked_reason == "Shared answers"
    html = client.get(f"/me/certificates/{setting.code}").get_data(as_text=True)
    assert "Shared answers" in html and "Tariq Trainer" in html  # the history names who


def test_revoking_asks_first_without_javascript(as_user, setting, admin):
    client = as_user(admin)
    response = client.post(f"/me/certificates/{setting.code}/revoke",
                           data={"revoke-reason": "Shared answers"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Олена Шевченко" in html and "ESM of wastes" in html and "Shared answers" in html
    # the confirmation posts the reason again, confirmed; or goes back to the certificate
    assert 'name="revoke-reason" value="Shared answers"' in html
    assert 'name="confirmed" value="yes"' in html
    assert f'href="/me/certificates/{setting.code}"' in html
    db.session.refresh(setting)
    assert setting.revoked_at is None
    client.post(f"/me/certificates/{setting.code}/revoke",
                data={"revoke-reason": "Shared answers", "confirmed": "yes"})
    db.session.refresh(setting)
    assert setting.revoked_at is not None


def test_admin_certificate_search(as_user, setting, admin, trainer):
    other = factories.make_certificate(
        user=factories.make_user(email="karim@example.org", name="Karim Benali"),
        course=factories.make_course(slug="pops", title="POPs inventories", owner=trainer))
    client = as_user(admin)
    assert "/admin/certificates" in client.get("/courses").get_data(as_text=True)  # in the nav

    def found(term):
        response = client.get("/admin/certificates", query_string={"q": term})
        assert response.status_code == 200, term
        html = response.get_data(as_text=True)
        return {c.code for c in (setting, other) if f'href="/me/certificates/{c.code}"' in html}

    assert found("") == {setting.code, other.code}
    assert found(setting.code.upper().replace("-", " ")) == {setting.code}  # typed loosely
    assert found(setting.code[6:17]) == {setting.code}  # a part of it
    assert found("Шевченко") == {setting.code}  # the learner's name
    assert found("karim") == {other.code}  # the email's local part
    assert found("example.org") == set()  # not everyone's domain
    assert found("karim@example.org") == {other.code}
    assert found("pops inventories") == {other.code}  # the course title
    assert found("esm of") == {setting.code}
    assert found("%") == set() and found("nobody at all") == set()
    assert "No certificate matches" in client.get("/admin/certificates?q=zzz").get_data(as_text=True)
    assert as_user(trainer).get("/admin/certificates").status_code == 403


@pytest.mark.parametrize("who", ["owner", "coordinator"])
def test_owner_and_coordinator_cannot_revoke_or_reissue(as_user, setting, coordinator, who):
    client = as_user(setting.user if who == "owner" else coordinator)
    assert client.post(f"/me/certificates/{setting.code}/revoke",
                       data={"revoke-reason": "x"}).status_code == 403
    assert client.post(f"/me/certificates/{setting.code}/reissue",
                       data={"reissue-name": "X", "reissue-reason": "x"}).status_code == 403
    db.session.refresh(setting)
    assert setting.revoked_at is None and setting.learner_name == "Олена Шевченко"


def test_strangers_get_404_on_changes(as_user, setting):
    client = as_user(factories.make_user(role=Role.trainer))
    assert client.post(f"/me/certificates/{setting.code}/revoke",
                       data={"revoke-reason": "x"}).status_code == 404


def test_reissue_after_name_correction_keeps_the_code(as_user, setting, admin, client):
    code = setting.code
    response = as_user(admin).post(f"/me/certificates/{code}/reissue",
                                   data={"reissue-name": "Olena Shevchenko", "reissue-reason": "Latin spelling"})
    assert response.status_code == 302
    db.session.refresh(setting)
    assert setting.code == code and setting.learner_name == "Olena Shevchenko"
    assert client.get(f"/certificates/{code}.json").get_json()["learner_name"] == "Olena Shevchenko"


def test_revoke_needs_csrf(csrf_enabled, as_user, setting, trainer):
    response = as_user(trainer).post(f"/me/certificates/{setting.code}/revoke",
                                     data={"revoke-reason": "x"})
    assert response.status_code == 400
    db.session.refresh(setting)
    assert setting.revoked_at is None


def test_a_name_no_font_can_print_is_refused_with_a_page_not_a_gapped_pdf(app, client, trainer):
    owner = factories.make_user(email="wang@example.org", name="王小明")
    course = factories.make_course(owner=trainer, modules=1, title="ESM of wastes")
    certificate = factories.make_certificate(user=owner, course=course)
    app.config["CERTIFICATE_FALLBACK_FONTS"] = ""  # as on a machine without the CJK font
    try:
        response = client.get(f"/certificates/{certificate.code}.pdf")
    finally:
        app.config["CERTIFICATE_FALLBACK_FONTS"] = __import__(
            "elearn.config", fromlist=["DEFAULTS"]).DEFAULTS["CERTIFICATE_FALLBACK_FONTS"]
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "%PDF" not in response.get_data(as_text=True)
    assert certificate.code in response.get_data(as_text=True)  # the verification link
