"""Enrol, complete, certificate, verification, revocation and bulk enrolment in a real browser.

The module reader belongs to the courses feature; here modules are completed through the
enrolment services, as the reader would. The full cross-feature journey is tested at
integration.
"""

import re
import shutil
import subprocess

import pytest

from elearn.accounts.models import Role
from elearn.enrolments import services
from elearn.extensions import db
from tests import factories
from tests.e2e.conftest import check_accessibility, log_in

pytestmark = pytest.mark.e2e


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def test_enrol_complete_certificate_verify_and_revoke(page, app, tmp_path):
    trainer = factories.make_user(email="tomas@example.org", name="Tomás Trainer",
                                  role=Role.trainer)
    learner = factories.make_user(email="lea@example.org", name="Léa Ngoné Diop")
    course = factories.make_course(owner=trainer, modules=2, title="Customs and the conventions")

    log_in(page, "lea@example.org", factories.PASSWORD)
    page.goto("/me/learning")
    page.wait_for_selector("text=You are not taking any course")
    check_accessibility(page)

    page.goto(f"/courses/{course.slug}")
    check_accessibility(page)
    page.get_by_role("button", name="Enrol", exact=True).click()
    page.wait_for_selector("text=You are enrolled in Customs and the conventions")
    page.wait_for_selector("text=0% of the course done")
    check_accessibility(page)

    # the module reader (courses feature) marks modules done; here the service does
    enrolment = services.get_enrolment(learner.id, course.id)
    services.mark_module_done(enrolment, course.modules[0])
    db.session.commit()
    page.goto("/me/learning")
    page.wait_for_selector("text=50% done")
    check_accessibility(page)
    services.mark_module_done(enrolment, course.modules[1])
    db.session.commit()

    page.goto("/me/learning")
    check_accessibility(page)
    page.get_by_role("link", name="View and share").click()
    page.wait_for_selector("h1:has-text('Certificate: Customs and the conventions')")
    check_accessibility(page)
    code = re.search(r"/me/certificates/([a-z2-9-]+)", page.url).group(1)
    assert page.get_by_role("link", name="Add to your LinkedIn profile").get_attribute(
        "href").startswith("https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME")

    pdf = page.request.get(page.get_by_role("link", name="Download the PDF").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    if shutil.which("pdftotext"):
        path = tmp_path / "certificate.pdf"
        path.write_bytes(pdf.body())
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Léa Ngoné Diop" in text and code in text

    # the verifiable credential: downloaded by the holder, checked on the verification page
    credential = page.request.get(page.get_by_role(
        "link", name="Download the verifiable credential (Open Badges 3.0, for a digital wallet)"
    ).get_attribute("href"))
    assert credential.status == 200
    credential_path = tmp_path / "credential.json"
    credential_path.write_bytes(credential.body())

    page.get_by_role("link", name="Public verification page").click()
    page.wait_for_selector("text=Valid certificate")
    check_accessibility(page)
    log_out(page)
    page.goto("/certificates/verify")
    page.get_by_label("Credential file (.json or .jwt)").set_input_files(str(credential_path))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("text=Valid: this credential was issued by")
    check_accessibility(page)

    # the trainer revokes it; the public page then says so, without a login
    log_in(page, "tomas@example.org", factories.PASSWORD)
    page.goto(f"/me/certificates/{code}")
    check_accessibility(page)
    page.get_by_label("Reason for revoking").fill("Enrolled under another person's name")
    page.get_by_role("button", name="Revoke this certificate").click()
    # asked first: the confirmation names the learner and the reason
    page.wait_for_selector("text=Enrolled under another person's name")
    check_accessibility(page)
    page.get_by_role("button", name="Revoke the certificate").click()
    page.wait_for_selector("text=The certificate is revoked.")
    check_accessibility(page)
    log_out(page)
    page.goto(f"/certificates/{code}")
    page.wait_for_selector("text=Revoked certificate")
    page.wait_for_selector("text=Enrolled under another person's name")
    check_accessibility(page)
    page.goto("/certificates/verify")
    page.get_by_label("Credential file (.json or .jwt)").set_input_files(str(credential_path))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_selector("text=Revoked: the issuer withdrew this credential")
    page.goto("/certificates/k7m2q-x9tzp-a4bcd-efghj")
    page.wait_for_selector("text=Unknown certificate")
    check_accessibility(page)


def test_restricted_course_request_and_approval(page, app):
    trainer = factories.make_user(email="tomas@example.org", name="Tomás Trainer",
                                  role=Role.trainer)
    factories.make_user(email="lea@example.org", name="Léa Diop")
    course = factories.make_course(owner=trainer, restricted=True, audiences=("nip-official",),
                                   title="NIP review")
    log_in(page, "lea@example.org", factories.PASSWORD)
    page.goto(f"/courses/{course.slug}")
    page.wait_for_selector("text=This course is reserved for")
    check_accessibility(page)
    page.get_by_role("link", name="Request a place").click()
    check_accessibility(page)
    page.get_by_label("Why you would like a place").fill("I inventory PCBs at the port.")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_selector("text=Your request is sent")
    page.wait_for_selector("text=Place requested")
    log_out(page)

    log_in(page, "tomas@example.org", factories.PASSWORD)
    page.goto("/enrolments/requests")
    page.wait_for_selector("text=I inventory PCBs at the port.")
    check_accessibility(page)
    page.get_by_role("button", name="Approve").click()
    page.wait_for_selector("text=Léa Diop is enrolled in NIP review")
    check_accessibility(page)


def test_bulk_enrolment_preview_and_confirm(page, app):
    trainer = factories.make_user(email="tomas@example.org", role=Role.trainer)
    course = factories.make_course(owner=trainer, title="ESM of wastes")
    log_in(page, "tomas@example.org", factories.PASSWORD)
    page.goto(f"/courses/{course.slug}/bulk-enrol")
    check_accessibility(page)
    csv = ("\ufeffemail;name;audience;country\n"
           "amina@example.org;Amina Diallo;customs-officer;SN\n"
           "not-an-email;X;customs-officer;SN\n")
    page.get_by_label("CSV file").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": csv.encode("utf-8")})
    page.get_by_role("button", name="Preview").click()
    page.wait_for_selector("text=Nothing is saved yet.")
    page.wait_for_selector("text=Bad email address.")
    check_accessibility(page)
    page.get_by_role("button", name=re.compile("Confirm the 1 valid row ")).click()
    page.wait_for_selector("text=1 account created. 1 person enrolled.")
    check_accessibility(page)
