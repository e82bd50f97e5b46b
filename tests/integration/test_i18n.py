"""Interface languages: pages, mails, invitations, certificates and exports follow the
reader's language (the recipient's saved language for what is sent or printed)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess

import pytest

from elearn.extensions import db
from elearn.webinars import registering
from tests import factories
from tests.conftest import login_client


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_a_french_browser_reads_french_pages(client):
    page = _html(client.get("/login", headers={"Accept-Language": "fr-FR,fr;q=0.9"}))
    assert '<html lang="fr" dir="ltr">' in page
    assert "Se connecter" in page and "Log in" not in page


def test_arabic_pages_run_right_to_left_and_are_translated(client):
    page = _html(client.get("/login", headers={"Accept-Language": "ar"}))
    assert '<html lang="ar" dir="rtl">' in page
    assert "تسجيل الدخول" in page


def test_plural_forms_follow_the_language(app):
    from flask_babel import force_locale, ngettext

    with app.test_request_context():
        with force_locale("ar"):
            two = ngettext("%(num)s course", "%(num)s courses", 2)
            eleven = ngettext("%(num)s course", "%(num)s courses", 11)
            three = ngettext("%(num)s course", "%(num)s courses", 3)
        assert len({two, eleven, three}) == 3  # dual, 3-10 and 11-99 differ in Arabic
        with force_locale("fr"):
            assert ngettext("%(num)s person", "%(num)s people", 2) == "2 personnes"


def test_percentages_and_numbers_through_babel(app):
    from babel.numbers import format_decimal, format_percent
    from flask import render_template_string
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("fr"):
        text = render_template_string("{{ 0.5|percent }} {{ 1234.5|decimal }}")
    # Babel's French forms (comma decimals, spaced thousands), not the English "50% 1,234.5"
    assert text == f"{format_percent(0.5, locale='fr')} {format_decimal(1234.5, locale='fr')}"
    assert text != "50% 1,234.5"


def test_invitation_mail_and_ics_in_the_recipients_language(app, trainer, make_user):
    learner = make_user()
    learner.locale = "es"
    db.session.commit()
    webinar = factories.make_webinar(trainer)
    _registration, mails = registering.register(webinar.id, learner)
    mail = mails[0]
    assert mail.text.startswith("Hola, ")
    assert "Inscripción" in mail.subject
    ics = mail.attachments[0].content.decode()
    assert "Conectarse: " in ics


def test_password_reset_mail_in_the_users_language(app, client, outbox, make_user):
    user = make_user(email="ana@example.org")
    user.locale = "fr"
    db.session.commit()
    client.post("/password/forgot", data={"email": "ana@example.org"},
                headers={"Accept-Language": "en"})
    assert outbox and "mot de passe" in outbox[-1]["Subject"]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_certificate_pdf_in_the_holders_language_whoever_downloads_it(app, client, tmp_path):
    holder = factories.make_user(name="Amina Diallo")
    holder.locale = "fr"
    db.session.commit()
    certificate = factories.make_certificate(holder)
    response = client.get(f"/certificates/{certificate.code}.pdf",
                          headers={"Accept-Language": "en"})
    path = tmp_path / "c.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          check=True, text=True).stdout
    assert "Certificat de réussite" in text and "Amina Diallo" in text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_arabic_certificate_labels_are_shaped(app, client, tmp_path):
    holder = factories.make_user(name="Amina Diallo")
    holder.locale = "ar"
    db.session.commit()
    certificate = factories.make_certificate(holder)
    path = tmp_path / "c.pdf"
    path.write_bytes(client.get(f"/certificates/{certificate.code}.pdf").data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True,
                          text=True).stdout
    assert "شهادة إتمام" in text and "رمز الشهادة" in text


def test_webinar_registrations_export_headers_in_the_readers_language(client, trainer):
    webinar = factories.make_webinar(trainer)
    trainer.locale = "fr"
    db.session.commit()
    login_client(client, trainer)
    body = _html(client.get(f"/webinars/{webinar.id}/registrations.csv"))
    header = next(csv.reader(io.StringIO(body)))
    assert header[:3] == ["nom", "adresse_electronique", "pays"]
