"""Verifiable credentials: downloads, the independent verifier (node), tampering, revocation,
reissue, expiry and renewal, reminders, the verification page, the centre zip, keys."""

import io
import json
import zipfile
from datetime import timedelta

import pytest
import sqlalchemy as sa

from elearn.accounts.models import Role
from elearn.certificates import issuing, keys, renewal, services
from elearn.certificates.models import Certificate
from elearn.db_types import utcnow
from elearn.extensions import db, limiter
from tests import factories
from tests.vcjs import vcjs_verify


@pytest.fixture
def setting(app, trainer):
    owner = factories.make_user(email="holder@example.org", name="Amina Diallo",
                                centre="bcrc-caribbean")
    course = factories.make_course(owner=trainer, modules=1, title="ESM of wastes")
    return factories.make_certificate(user=owner, course=course)


def published(client, credential=None) -> dict:
    """The documents a verifier fetches, as the app serves them."""
    documents = {"http://localhost/credentials/issuer": client.get("/credentials/issuer").get_json()}
    urls = {"http://localhost/credentials/status/1"}
    if credential:
        urls.add(credential["credentialStatus"]["statusListCredential"])
    for url in urls:
        documents[url] = client.get(url.removeprefix("http://localhost")).get_json()
    return documents


def download(as_user, certificate):
    holder = as_user(certificate.user)
    credential = holder.get(f"/certificates/{certificate.code}/credential.json").get_json()
    jwt = holder.get(f"/certificates/{certificate.code}/credential.jwt").get_data(as_text=True)
    return credential, jwt


def test_credential_is_an_open_badge(setting, as_user):
    credential, _ = download(as_user, setting)
    assert credential["@context"] == ["https://www.w3.org/ns/credentials/v2",
                                      "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["name"] == "ESM of wastes"
    assert subject["achievement"]["criteria"]["narrative"]
    identity = subject["identifier"][0]
    assert identity["hashed"] is True and "holder@example.org" not in json.dumps(credential)
    assert identity["identityHash"].startswith("sha256$")
    assert "validUntil" not in credential  # the course sets no validity
    assert credential["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    assert credential["credentialStatus"]["type"] == "BitstringStatusListEntry"


def test_independent_verifier_accepts_then_refuses_tampering_and_revocation(
        setting, as_user, client, trainer):
    credential, jwt = download(as_user, setting)
    jwks = client.get("/credentials/issuer/jwks.json").get_json()
    result = vcjs_verify(credential, jwt, published(client, credential), jwks)
    assert result["di"]["verified"] is True, result["di"]
    assert result["di"]["revoked"] is False
    assert result["jwt"]["verified"] is True
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    assert result["jwt"]["payload"] == unsigned

    # one character changed in the name: both forms fail
    tampered = json.loads(json.dumps(credential))
    tampered["credentialSubject"]["name"] = "Amina Diallp"
    header, payload, signature = jwt.split(".")
    bad_jwt = ".".join([header, payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1],
                        signature])
    result = vcjs_verify(tampered, bad_jwt, published(client, credential), jwks)
    assert result["di"]["verified"] is False
    assert result["jwt"]["verified"] is False

    services.revoke(setting, trainer, "Identity could not be confirmed")
    db.session.commit()
    result = vcjs_verify(credential, None, published(client, credential), jwks)
    # the proof still verifies; the library reports the bit in the signed list: set = revoked
    assert result["di"]["statusVerified"] is True and result["di"]["revoked"] is True


def test_our_verifier_says_valid_tampered_revoked(setting, as_user, trainer):
    credential, jwt = download(as_user, setting)
    assert issuing.check_credential(json.dumps(credential)).status == "valid"
    assert issuing.check_credential(jwt).status == "valid"
    text = json.dumps(credential)
    assert issuing.check_credential(text.replace("Amina", "Anina")).status == "tampered"
    assert issuing.check_credential(jwt[:-3] + ("x" if jwt[-3] != "x" else "y") + jwt[-2:]).status \
        == "tampered"
    foreign = json.loads(text)
    foreign["proof"]["verificationMethod"] = "https://evil.example/issuer#key-1"
    assert issuing.check_credential(json.dumps(foreign)).status == "unknown_issuer"
    assert issuing.check_credential("not a credential").status == "unreadable"
    assert issuing.check_credential("{]").status == "unreadable"

    services.revoke(setting, trainer, "Wrong person")
    db.session.commit()
    check = issuing.check_credential(text)
    assert check.status == "revoked" and not check.replaced
    assert issuing.check_credential(jwt).status == "revoked"


def test_reissue_sets_the_old_version_in_the_list(setting, as_user, trainer, client):
    old, _ = download(as_user, setting)
    services.reissue(setting, trainer, "Amina B. Diallo", "spelling")
    db.session.commit()
    new, _ = download(as_user, setting)
    assert new["credentialSubject"]["name"] == "Amina B. Diallo"
    assert new["credentialStatus"]["statusListIndex"] != old["credentialStatus"]["statusListIndex"]
    check = issuing.check_credential(json.dumps(old))
    assert check.status == "revoked" and check.replaced
    assert issuing.check_credential(json.dumps(new)).status == "valid"
    status = client.get("/credentials/status/1").get_json()
    assert issuing.bit_is_set(status, int(old["credentialStatus"]["statusListIndex"]))
    assert not issuing.bit_is_set(status, int(new["credentialStatus"]["statusListIndex"]))


def test_downloads_are_for_the_holder_and_linked(setting, as_user, client):
    assert as_user(factories.make_user()).get(
        f"/certificates/{setting.code}/credential.json").status_code == 404
    assert client.get(f"/certificates/{setting.code}/credential.jwt").status_code == 302
    html = as_user(setting.user).get(f"/me/certificates/{setting.code}").get_data(as_text=True)
    assert f"/certificates/{setting.code}/credential.json" in html


def test_issuer_profile_publishes_multikey_and_jwk(client, app):
    profile = client.get("/credentials/issuer").get_json()
    jwks = client.get("/credentials/issuer/jwks.json").get_json()
    method = profile["verificationMethod"][-1]
    assert method["type"] == "Multikey" and method["publicKeyMultibase"].startswith("z6Mk")
    assert profile["assertionMethod"] == [m["id"] for m in profile["verificationMethod"]]
    assert jwks["keys"][-1]["kid"] == method["id"] and jwks["keys"][-1]["crv"] == "Ed25519"
    assert "d" not in jwks["keys"][-1]


def test_rotation_keeps_old_credentials_verifiable(setting, as_user, client, app):
    before, _ = download(as_user, setting)
    keys.generate_key(keys.key_dir())
    profile = client.get("/credentials/issuer").get_json()
    assert len(profile["verificationMethod"]) >= 2
    after, _ = download(as_user, setting)
    assert after["proof"]["verificationMethod"] != before["proof"]["verificationMethod"]
    assert issuing.check_credential(json.dumps(before)).status == "valid"
    result = vcjs_verify(before, None, published(client, before))
    assert result["di"]["verified"] is True, result


def test_production_refuses_to_sign_without_a_key(setting, as_user, app, tmp_path):
    app.config.update(ENV="production", CREDENTIALS_KEY_DIR=str(tmp_path / "none"))
    try:
        response = as_user(setting.user).get(f"/certificates/{setting.code}/credential.json")
        assert response.status_code == 503
        assert not (tmp_path / "none").exists()
    finally:
        app.config.update(ENV="testing")


def test_expiry_shown_and_renewal(app, as_user, client, trainer):
    course = factories.make_course(owner=trainer, modules=1, title="Customs")
    course.certificate_validity_months = 12
    db.session.commit()
    certificate = factories.make_certificate(course=course)
    assert certificate.valid_until is not None
    credential, _ = download(as_user, certificate)
    assert credential["validUntil"] == credential["validFrom"].replace(
        credential["validFrom"][:4], str(int(credential["validFrom"][:4]) + 1), 1)
    earlier = certificate.starts_at - timedelta(days=1)
    assert issuing.check_credential(json.dumps(credential), now=earlier).status == "not_yet_valid"
    later = certificate.valid_until + timedelta(days=1)
    assert issuing.check_credential(json.dumps(credential), now=later).status == "expired"
    result = vcjs_verify(credential, None, published(client, credential),
                         now=later.isoformat())
    assert result["di"]["verified"] is False

    certificate.valid_until = utcnow() - timedelta(days=1)
    db.session.commit()
    html = client.get(f"/certificates/{certificate.code}").get_data(as_text=True)
    assert "Expired certificate" in html
    data = client.get(f"/certificates/{certificate.code}.json").get_json()
    assert data["status"] == "expired" and data["valid_until"]
    assert renewal.renew(certificate) is True
    db.session.commit()
    assert certificate.valid_until > utcnow() + timedelta(days=300)
    assert "Valid certificate" in client.get(f"/certificates/{certificate.code}").get_data(
        as_text=True)
    assert renewal.renew(certificate) is False  # not due again yet


def test_reminders_once_before_expiry(app, outbox, trainer):
    course = factories.make_course(owner=trainer, modules=1, title="NIP review")
    course.certificate_validity_months = 6
    db.session.commit()
    certificate = factories.make_certificate(course=course)
    assert renewal.send_expiry_reminders() == 0
    certificate.valid_until = utcnow() + timedelta(days=10)
    db.session.commit()
    assert renewal.send_expiry_reminders() == 1
    db.session.commit()
    assert renewal.send_expiry_reminders() == 0
    assert "NIP review" in outbox[-1]["Subject"]
    certificate.expiry_reminded_at = None
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["credentials", "reminders"])
    assert result.exit_code == 0 and "reminders sent: 1" in result.output


@pytest.mark.parametrize("kind", ["file", "text"])
def test_verification_page(setting, as_user, client, trainer, kind):
    credential, jwt = download(as_user, setting)

    def post(value):
        if kind == "file":
            data = {"credential_file": (io.BytesIO(value.encode()), "credential.json")}
        else:
            data = {"credential_text": value}
        return client.post("/certificates/verify", data=data,
                           content_type="multipart/form-data").get_data(as_text=True)

    assert "Valid:" in post(json.dumps(credential))
    assert "Valid:" in post(jwt)
    assert "Changed:" in post(json.dumps(credential).replace("Amina", "Amino"))
    assert "Not readable" in post("hello")
    services.revoke(setting, trainer, "Wrong person")
    db.session.commit()
    assert "Revoked:" in post(json.dumps(credential))


def test_verification_page_code_and_empty(setting, client):
    response = client.post("/certificates/verify", data={"code": setting.code.upper()})
    assert response.status_code == 302 and setting.code in response.headers["Location"]
    html = client.post("/certificates/verify", data={"code": "nope"}).get_data(as_text=True)
    assert "not a certificate code" in html
    html = client.post("/certificates/verify", data={}).get_data(as_text=True)
    assert "Give a certificate code" in html
    assert client.get("/certificates/verify").status_code == 200


def test_centre_zip_for_coordinators(setting, as_user, coordinator, trainer):
    other = factories.make_certificate(user=factories.make_user(centre="bcrc-pacific"))
    coordinator.centre_id = setting.user.centre_id
    db.session.commit()
    response = as_user(coordinator).get("/certificates/centre.zip")
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert any(setting.code in name and name.endswith(".pdf") for name in names)
    assert any(setting.code in name and name.endswith(".credential.json") for name in names)
    assert not any(other.code in name for name in names)
    assert as_user(trainer).get("/certificates/centre.zip").status_code == 403
    dashboard = as_user(coordinator).get("/centre").get_data(as_text=True)
    assert "/certificates/centre.zip" in dashboard
    assert as_user(setting.user).get("/certificates/centre.zip").status_code == 403


def test_keygen_command(app, tmp_path):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["credentials", "keygen", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(keys.load_keys(tmp_path)) == 1
    runner.invoke(args=["credentials", "keygen", "--dir", str(tmp_path)])
    assert len(keys.load_keys(tmp_path)) == 2
    assert oct((tmp_path / f"{keys.load_keys(tmp_path)[0].key_id}.pem").stat().st_mode)[-3:] == "600"




def test_passing_the_final_assessment_again_renews(app, learner, trainer):
    from elearn.enrolments import services as enrolments
    from elearn.quizzes import services as quizzes
    from elearn.quizzes import summaries

    course = factories.make_course(owner=trainer, modules=1, title="Renewable")
    course.certificate_validity_months = 24
    db.session.commit()
    quiz = factories.make_quiz(course, pass_mark=0, max_attempts=1)
    enrolment = enrolments.enrol(learner, course)
    enrolments.mark_module_done(enrolment, course.modules[0])
    quizzes.submit_attempt(quiz, quizzes.start_attempt(quiz, learner), {})
    db.session.commit()
    certificate = db.session.scalar(sa.select(Certificate).where(Certificate.user_id == learner.id))
    first_until, first_index = certificate.valid_until, certificate.status_index
    assert first_until is not None

    with pytest.raises(quizzes.QuizRefused):  # the one attempt is used
        quizzes.start_attempt(quiz, learner)
    certificate.valid_until = utcnow() - timedelta(days=3)  # expired: a fresh attempt
    db.session.commit()
    attempts = quizzes.user_attempts(quiz.id, learner.id)
    assert summaries.summary(quiz, attempts, learner.id).left == 1
    quizzes.submit_attempt(quiz, quizzes.start_attempt(quiz, learner), {})
    db.session.commit()
    db.session.refresh(certificate)
    assert certificate.valid_until > utcnow() + timedelta(days=700)
    assert certificate.status_index != first_index
    with pytest.raises(quizzes.QuizRefused):  # renewed: the limit counts again
        quizzes.start_attempt(quiz, learner)


@pytest.mark.parametrize("who", ["anonymous", "owner", "trainer", "coordinator", "admin",
                                 "other_learner", "other_coordinator"])
def test_access_matrix(setting, as_user, client, trainer, coordinator, admin, who):
    coordinator.centre_id = setting.user.centre_id
    db.session.commit()
    people = {"owner": setting.user, "trainer": trainer, "coordinator": coordinator,
              "admin": admin, "other_learner": factories.make_user(),
              "other_coordinator": factories.make_user(role=Role.coordinator,
                                                       centre="bcrc-pacific")}
    browser = client if who == "anonymous" else as_user(people[who])
    code = setting.code
    holder = {"anonymous": 302, "owner": 200, "trainer": 200, "coordinator": 200, "admin": 200,
              "other_learner": 404, "other_coordinator": 404}[who]
    zip_status = {"anonymous": 302, "owner": 403, "trainer": 403, "coordinator": 200,
                  "admin": 403,  # an admin names the centre: ?centre=<id>
                  "other_learner": 403, "other_coordinator": 200}[who]
    expected = {
        f"/certificates/{code}/credential.json": holder,
        f"/certificates/{code}/credential.jwt": holder,
        "/certificates/centre.zip": zip_status,
        "/credentials/issuer": 200, "/credentials/issuer/jwks.json": 200,
        "/credentials/status/1": 200, "/certificates/verify": 200,
    }
    got = {url: browser.get(url).status_code for url in expected}
    assert got == expected
    if who == "admin":
        url = f"/certificates/centre.zip?centre={setting.user.centre_id}"
        assert browser.get(url).status_code == 200


def test_credential_checks_are_rate_limited(app, client):
    app.config["CERTIFICATE_VERIFY_LIMIT"] = "3 per minute"
    limiter.reset()
    try:
        codes = [client.post("/certificates/verify", data={"credential_text": "x"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client.get("/certificates/verify").status_code == 200  # reading the form is free
    finally:
        app.config["CERTIFICATE_VERIFY_LIMIT"] = "60 per 10 minutes"
        limiter.reset()
