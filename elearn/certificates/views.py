"""Certificate pages: public verification (HTML, JSON), the PDF, and the private page with
sharing links, revocation and reissue.

The PDF is public like the verification page: anyone holding the code (printed on the
certificate, in its QR code, shared by the learner) may see it; it shows nothing more than the
verification page does. Failed look-ups are rate-limited per address (only 404s count), and
the code space (100 bits) is far too large to enumerate.
"""

from __future__ import annotations

import hashlib
import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, format_date, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn import caching
from elearn.accounts.models import Role
from elearn.certificates import issuing, keys, services
from elearn.certificates.forms import ReissueForm, RevokeForm, VerifyForm
from elearn.extensions import db, limiter
from elearn.i18n import text_direction
from elearn.inputs import page_arg
from elearn.loaders import load_certificate
from elearn.permissions import can_change_certificate, can_see_centre, ensure, require

bp = Blueprint("certificates", __name__)

DEFAULT_LOOKUP_LIMIT = "30 per 10 minutes;200 per day"


def _lookup_limit() -> str:
    return current_app.config.get("CERTIFICATE_LOOKUP_LIMIT", DEFAULT_LOOKUP_LIMIT)


def _failed(response) -> bool:
    return response.status_code == 404


#: failed look-ups (unknown codes) count against a per-address limit shared by the three URLs
failed_lookups = limiter.shared_limit(_lookup_limit, scope="certificate-lookup",
                                      deduct_when=_failed)


@bp.route("/certificates")
def lookup():
    """A form to look up a certificate by its code (the home page promises verification)."""
    raw = request.args.get("code")
    error = None
    if raw is not None:
        code = services.normalise_code(raw)
        if code:
            return redirect(url_for("certificates.verify", code=code))
        error = _("This is not a certificate code. Enter the code printed under the QR code on the certificate.")
    return render_template("certificates/lookup.html", code=raw or "", error=error,
                           error_page=error is not None), 400 if error else 200


@bp.route("/certificates/<code>")
@failed_lookups
def verify(code: str):
    result = services.verify(code)
    response = Response(render_template("certificates/verify.html", result=result),
                        status=404 if result.status == "unknown" else 200)
    # the page shell carries the visitor's session (name, CSRF token): browsers only
    response.headers["Cache-Control"] = "private, max-age=60"
    response.headers["X-Robots-Tag"] = "noindex"
    return caching.with_body_etag(response)  # visitors revalidate with If-None-Match


@bp.route("/certificates/<code>.json")
@failed_lookups
def verify_json(code: str):
    result = services.verify(code)
    response = current_app.json.response(result.as_json())
    response.status_code = 404 if result.status == "unknown" else 200
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    if response.status_code == 200:  # the same for everyone: revalidated with If-None-Match
        response.add_etag()
        response = response.make_conditional(request)
    return response


def pdf_labels():
    from elearn.certificates.pdf import Labels  # fpdf2 and fontTools load at PDF time

    return Labels(
        title=_("Certificate of completion"),
        certifies=_("This certifies that"),
        completed=_("has completed the course"),
        audience=_("Audience: %(audience)s", audience="{audience}"),
        date=_("Completed on %(date)s", date="{date}"),
        issued_by=_("Issued by"),
        code=_("Certificate code: %(code)s", code="{code}"),
        verify=_("Verify at"),
        revoked=_("REVOKED"),
        rtl=text_direction(get_locale()) == "rtl",
    )


def dated_labels(labels, certificate):
    """The labels with the certificate's date written in the current locale."""
    return labels.__class__(**{**labels.__dict__,
                               "date_text": format_date(certificate.issued_at, "long")})


def holder_labels(certificate):
    """The PDF's words and date in the language of the person it was issued to, whoever
    downloads it (the holder, a verifier, a coordinator's zip)."""
    with force_locale(certificate.user.locale or current_app.config["DEFAULT_LOCALE"]):
        return dated_labels(pdf_labels(), certificate)


@bp.route("/certificates/<code>.pdf")
@failed_lookups
def pdf(code: str):
    certificate = services.get_by_code(code)
    ensure(certificate is not None)
    labels = holder_labels(certificate)
    etag = hashlib.sha256("|".join([
        certificate.code, certificate.learner_name, str(certificate.revoked_at),
        certificate.course.title, certificate.audience.name, repr(labels),
        current_app.config["ISSUING_BODY"], current_app.config["BASE_URL"],
    ]).encode()).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        from elearn.certificates.fonts import MissingGlyphs  # loaded at PDF time

        try:
            body = services.certificate_pdf(certificate, labels)
        except MissingGlyphs:
            # never a PDF with a gap in a name: say so (the reason is logged for the operator)
            return render_template(
                "certificates/pdf_unavailable.html", certificate=certificate,
                verification_url=services.verification_url(certificate.code)), 503
        response = Response(body, mimetype="application/pdf")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"  # labels: locale
    # "Download the PDF" downloads, under a name that says what it is
    response.headers["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.course.slug}-{certificate.code}.pdf"')
    return response


@bp.route("/me/certificates/<code>")
@require()
def detail(code: str):
    certificate = load_certificate(code)
    can_change = can_change_certificate(current_user, certificate)
    return render_template(
        "certificates/detail.html", certificate=certificate,
        verification_url=services.verification_url(certificate.code),
        linkedin_url=services.linkedin_url(certificate),
        can_change=can_change,
        events=services.events(certificate) if can_change else [],
        revoke_form=RevokeForm(formdata=None, prefix="revoke"),
        reissue_form=ReissueForm(formdata=None, data={"name": certificate.user.name},
                                 current_name=certificate.learner_name, prefix="reissue"),
    )


@bp.route("/me/certificates/<code>/revoke", methods=["POST"])
@require()
def revoke(code: str):
    certificate = load_certificate(code, can_change_certificate)
    form = RevokeForm(prefix="revoke")
    if form.validate_on_submit():
        if request.form.get("confirmed") != "yes":
            # ask first (without JavaScript too): a revocation is public and cannot be undone
            return render_template(
                "confirm.html",
                question=_("Revoke the certificate of %(name)s for %(course)s?",
                           name=certificate.learner_name, course=certificate.course.title),
                explanation=_("The public verification page will say it is revoked, with "
                              "this reason: %(reason)s. This cannot be undone.",
                              reason=form.reason.data.strip()),
                action=url_for("certificates.revoke", code=certificate.code),
                hidden={form.reason.name: form.reason.data},
                confirm_label=_("Revoke the certificate"), cancel_label=_("Keep it valid"),
                cancel_url=url_for("certificates.detail", code=certificate.code))
        try:
            services.revoke(certificate, current_user, form.reason.data)
            flash(_("The certificate is revoked."), "success")
        except services.CertificateChangeRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
    else:
        for error in form.reason.errors:
            flash(str(error), "error")
    return redirect(url_for("certificates.detail", code=certificate.code))


@bp.route("/admin/certificates")
@require(Role.admin)
def admin_search():
    search = request.args.get("q", "").strip()[:200]
    certificates = db.paginate(services.search_query(search), page=page_arg(), per_page=50,
                               error_out=False)
    return render_template("certificates/admin_search.html", certificates=certificates,
                           search=search)


@bp.route("/me/certificates/<code>/reissue", methods=["POST"])
@require()
def reissue(code: str):
    certificate = load_certificate(code, can_change_certificate)
    form = ReissueForm(current_name=certificate.learner_name, prefix="reissue")
    if form.validate_on_submit():
        try:
            services.reissue(certificate, current_user, form.name.data, form.reason.data)
            flash(_("The certificate now reads %(name)s; its code is unchanged.",
                    name=certificate.learner_name), "success")
        except services.CertificateChangeRefused as refused:
            db.session.rollback()
            flash(str(refused), "error")
    else:
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    return redirect(url_for("certificates.detail", code=certificate.code))


# --- verifiable credentials -----------------------------------------------------------------

def _public_json(document: dict, content_type: str = "application/json"):
    body = json.dumps(document, ensure_ascii=False, indent=2)
    response = Response(body, mimetype=content_type)
    response.set_etag(hashlib.sha256(body.encode()).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, max-age=60"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response.make_conditional(request)


def _signed(build, *args):
    try:
        value = build(*args)
    except keys.NoSigningKey:
        current_app.logger.error("credential not signed: no issuer key configured")
        abort(503, _("Credentials cannot be signed yet: the issuer key is not configured."))
    # a certificate issued before credentials got its status entry: the request commits it
    return value


@bp.route("/certificates/<code>/credential.json")
@require()
def credential_json(code: str):
    certificate = load_certificate(code)
    document = _signed(issuing.signed_credential, certificate)
    response = Response(json.dumps(document, ensure_ascii=False, indent=2),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="credential-{certificate.code}.json"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/certificates/<code>/credential.jwt")
@require()
def credential_jwt(code: str):
    certificate = load_certificate(code)
    token = _signed(issuing.credential_jwt, certificate)
    response = Response(token, mimetype="application/vc+jwt")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="credential-{certificate.code}.jwt"')
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/credentials/issuer")
def issuer_profile():
    return _public_json(issuing.issuer_profile_document())


@bp.route("/credentials/issuer/jwks.json")
def issuer_jwks():
    return _public_json(issuing.jwks_document(), "application/jwk-set+json")


@bp.route("/credentials/status/<int:number>")
def status_list(number: int):
    ensure(1 <= number <= 1000)
    try:
        document = issuing.status_list_document(number)
    except keys.NoSigningKey:
        abort(503)
    return _public_json(document)


@bp.route("/certificates/verify", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config.get("CERTIFICATE_VERIFY_LIMIT", "60 per 10 minutes"),
               methods=["POST"])
def verify_any():
    """Verify a code, a credential file or a JWT, and say what it is in plain words."""
    form = VerifyForm()
    check = None
    if form.validate_on_submit():
        if form.text:
            check = issuing.check_credential(form.text)
        else:
            code = services.normalise_code(form.code.data)
            if code is None:
                form.code.errors.append(_("This is not a certificate code: it has 20 letters "
                                          "and digits, e.g. k7m2q-x4p9a-…"))
            else:
                return redirect(url_for("certificates.verify", code=code))
    response = Response(render_template("certificates/verify_any.html", form=form, check=check))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.route("/certificates/centre.zip")
@require(Role.coordinator)
def centre_zip():
    """Every certificate of the coordinator's centre (an admin names the centre): PDF and
    signed credential of each."""
    centre_id = (request.args.get("centre", type=int) if current_user.role is Role.admin
                 else current_user.centre_id)
    ensure(centre_id is not None and can_see_centre(current_user, centre_id), hide=False)
    certificates = issuing.centre_certificates(centre_id)
    data = _signed(issuing.certificates_zip, certificates,
                   lambda certificate: services.certificate_pdf(
                       certificate, holder_labels(certificate)))
    response = Response(data, mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="certificates.zip"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
