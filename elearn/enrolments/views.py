"""Enrolment pages: enrol, withdraw, request a place, answer requests, bulk enrolment, My learning."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from elearn.accounts.models import Role
from elearn.certificates.services import certificate_of
from elearn.courses.models import Course
from elearn.courses.sections import course_section, done_modules, quiz_rows
from elearn.csvsafe import csv_response
from elearn.enrolments import bulk, bulk_file, completion, learning, place_requests, services
from elearn.enrolments.forms import (
    BulkConfirmForm,
    BulkUploadForm,
    DecisionForm,
    EnrolForm,
    RequestPlaceForm,
    WithdrawForm,
)
from elearn.enrolments.models import EnrolmentRequest, EnrolmentStatus
from elearn.extensions import db
from elearn.loaders import load_course
from elearn.permissions import can_manage_course, ensure, require

bp = Blueprint("enrolments", __name__)

def course_url(slug: str) -> str:
    """The course page, which holds the enrolment box."""
    return url_for("courses.show", slug=slug)


def course_page_url(course: Course) -> str:
    return course_url(course.slug)


def _back(form, course: Course):
    return redirect(form.safe_next() or course_page_url(course))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@require()
def enrol(slug: str):
    course = load_course(slug)
    form = EnrolForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.enrol_self(current_user, course)
        db.session.flush()
    except services.EnrolmentRefused as refused:
        db.session.rollback()
        flash(services.block_message(refused.reason, course), "error")
        return _back(form, course)
    except IntegrityError:
        # two clicks raced: the other request created the enrolment; that's the outcome wanted
        db.session.rollback()
        if services.active_enrolment(current_user.id, course.id) is None:
            raise
    flash(_("You are enrolled in %(course)s.", course=course.title), "success")
    return _back(form, course)


@bp.route("/courses/<slug>/withdraw", methods=["POST"])
@require()
def withdraw(slug: str):
    course = load_course(slug)
    form = WithdrawForm()
    if not form.validate_on_submit():
        abort(400)
    enrolment = services.get_enrolment(current_user.id, course.id)
    ensure(enrolment is not None)
    if not form.is_confirmed:
        # ask first (without JavaScript too): withdrawing is one click away from enrolling
        return render_template(
            "confirm.html", question=_("Withdraw from %(course)s?", course=course.title),
            explanation=_("You can enrol again later and continue where you stopped."),
            action=url_for("enrolments.withdraw", slug=course.slug),
            hidden={"next": form.safe_next() or ""},
            confirm_label=_("Withdraw"), cancel_label=_("Keep my enrolment"),
            cancel_url=form.safe_next() or course_page_url(course))
    if services.withdraw(enrolment):
        db.session.flush()
        flash(_("You withdrew from %(course)s. Your progress is kept if you enrol again.",
                course=course.title), "info")
    else:
        flash(_("There is no active enrolment to withdraw from."), "info")
    return _back(form, course)


@bp.route("/courses/<slug>/request", methods=["GET", "POST"])
@require()
def request_place(slug: str):
    course = load_course(slug)
    form = RequestPlaceForm()
    reason = services.enrolment_block(current_user, course)
    if form.validate_on_submit():
        try:
            place_requests.request_place(current_user, course, form.message.data or "")
            db.session.flush()
        except place_requests.RequestRefused as refused:
            db.session.rollback()
            flash(str(refused), "info")
            return _back(form, course)
        except IntegrityError:  # a double click: the first request stands
            db.session.rollback()
            flash(_("You already asked for a place; the trainers will answer soon."), "info")
            return _back(form, course)
        flash(_("Your request is sent. You will get an email with the answer."), "success")
        return _back(form, course)
    return render_template(
        "enrolments/request.html", course=course, form=form,
        reason=services.block_message(reason, course),
        pending=place_requests.pending_request(current_user.id, course.id),
    ), (400 if form.errors else 200)


@bp.route("/enrolments/requests")
@require(Role.trainer, Role.coordinator)
def requests():
    items = place_requests.requests_for_decider(current_user)
    return render_template("enrolments/requests.html", items=items, form=DecisionForm())


@bp.route("/enrolments/requests/<int:request_id>", methods=["POST"])
@require(Role.trainer, Role.coordinator)
def decide(request_id: int):
    item = db.session.get(EnrolmentRequest, request_id)
    ensure(item is not None and place_requests.can_decide(current_user, item))
    form = DecisionForm()
    if not form.validate_on_submit() or not (form.approve.data or form.decline.data):
        flash(_("Choose approve or decline."), "error")
        return redirect(url_for("enrolments.requests"))
    approve = bool(form.approve.data)
    if place_requests.decide(item, current_user, approve, form.note.data or ""):
        db.session.flush()
        message = (_("%(name)s is enrolled in %(course)s.", name=item.user.name,
                     course=item.course.title) if approve else
                   _("The request of %(name)s is declined.", name=item.user.name))
        flash(message, "success")
    else:
        db.session.rollback()
        flash(_("This request was already answered."), "info")
    return redirect(url_for("enrolments.requests"))


@bp.route("/me/learning")
@require()
def my_learning():
    rows = learning.my_learning(current_user.id)
    return render_template("enrolments/my_learning.html", learning=rows)


# --- bulk enrolment --------------------------------------------------------------------------


@bp.route("/courses/<slug>/bulk-enrol", methods=["GET", "POST"])
@require(Role.trainer, Role.coordinator)
def bulk_enrol(slug: str):
    course = load_course(slug, bulk.may_bulk_enrol, hide=False)
    form = BulkUploadForm()
    if form.validate_on_submit():
        records, text = form.read()
        if records is not None:
            checked = bulk.preview(records, course, current_user)
            confirm = BulkConfirmForm(course_id=course.id, actor_id=current_user.id,
                                      formdata=None)
            confirm.payload.data = bulk_file.sign_file(text, course.id, current_user.id)
            return render_template("enrolments/bulk_preview.html", course=course,
                                   preview=checked, confirm=confirm, bulk=bulk)
    return render_template("enrolments/bulk_upload.html", course=course, form=form,
                           coordinator=current_user.role is Role.coordinator
                           and not can_manage_course(current_user, course)), (
        400 if form.errors else 200)


@bp.route("/courses/<slug>/bulk-enrol/confirm", methods=["POST"])
@require(Role.trainer, Role.coordinator)
def bulk_confirm(slug: str):
    course = load_course(slug, bulk.may_bulk_enrol, hide=False)
    form = BulkConfirmForm(course_id=course.id, actor_id=current_user.id)
    if not form.validate_on_submit():
        for error in form.payload.errors or [_("The form expired. Upload the file again.")]:
            flash(str(error), "error")
        return redirect(url_for("enrolments.bulk_enrol", slug=course.slug))
    records = bulk_file.read_rows(form.text)
    try:
        result = bulk.apply(records, course, current_user)
        bulk.send_welcome_mail(result.new_accounts, course)
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        flash(_("Someone changed these accounts or enrolments at the same time. Nothing was "
                "written; upload the file again to see the new preview."), "error")
        return redirect(url_for("enrolments.bulk_enrol", slug=course.slug))
    # one sentence per figure, each with its plural forms
    flash(" ".join([
        ngettext("%(num)s account created.", "%(num)s accounts created.", result.created),
        ngettext("%(num)s person enrolled.", "%(num)s people enrolled.", result.enrolled),
        ngettext("%(num)s enrolled again.", "%(num)s enrolled again.", result.reenrolled),
        ngettext("%(num)s already enrolled.", "%(num)s already enrolled.", result.already),
        ngettext("%(num)s row skipped with errors.", "%(num)s rows skipped with errors.",
                 result.errors),
    ]), "success")
    return redirect(url_for("enrolments.bulk_enrol", slug=course.slug))


@bp.route("/courses/<slug>/bulk-enrol/report.csv", methods=["POST"])
@require(Role.trainer, Role.coordinator)
def bulk_report(slug: str):
    """The preview as CSV (to fix the errors in a spreadsheet); cells are formula-safe."""
    course = load_course(slug, bulk.may_bulk_enrol, hide=False)
    form = BulkConfirmForm(course_id=course.id, actor_id=current_user.id)
    if not form.validate_on_submit():
        flash(_("This preview has expired or was changed. Upload the file again."), "error")
        return redirect(url_for("enrolments.bulk_enrol", slug=course.slug))
    checked = bulk.preview(bulk_file.read_rows(form.text), course, current_user)
    labels = outcome_labels()
    rows = ([r.line, r.email, r.name, r.audience, r.country, r.centre, labels[r.outcome], r.error]
            for r in checked.rows)
    return csv_response(f"{course.slug}-bulk-enrolment-preview.csv",
                        ["line", "email", "name", "audience", "country", "centre", "result",
                         "error"], rows, stream=False)


@bp.route("/courses/<slug>/bulk-enrol/example.csv")
@require(Role.trainer, Role.coordinator)
def bulk_example(slug: str):
    course = load_course(slug, bulk.may_bulk_enrol, hide=False)
    audience = course.audiences[0].slug if course.audiences else "customs-officer"
    return csv_response("bulk-enrolment-example.csv",
                        ["email", "name", "audience", "country", "centre"],
                        [["amina.diallo@example.org", "Amina Diallo", audience, "SN", ""]],
                        stream=False)


def outcome_labels() -> dict[str, str]:
    return {
        bulk.CREATE: _("will create account and enrol"),
        bulk.ENROL: _("will enrol"),
        bulk.REENROL: _("will enrol again (withdrawn earlier)"),
        bulk.ALREADY: _("already enrolled"),
        bulk.ERROR: _("error"),
    }


@dataclass
class EnrolmentBox:
    """What templates/enrolments/_course_enrolment.html shows besides the enrolment itself."""

    #: the enrolment whatever its status (a withdrawn one offers to enrol again)
    enrolment: object | None = None
    certificate: object | None = None
    parts: completion.CompletionBreakdown | None = None
    #: why the user cannot enrol in one click (``services.enrolment_block``), and the message
    reason: str | None = None
    reason_message: str = ""
    place_requested: bool = False
    may_bulk_enrol: bool = False


@course_section("enrolment")
def enrolment_box(course: Course, user, enrolment=None, record=None) -> EnrolmentBox:
    """The enrolment box of the course page: only the queries its branch needs."""
    box = EnrolmentBox(enrolment=record)
    if not getattr(user, "is_authenticated", False):
        return box
    if record is not None and record.status is EnrolmentStatus.completed:
        box.certificate = certificate_of(record.user_id, course.id)
    elif record is not None and record.status is EnrolmentStatus.active:
        # the page's sections share the learner's progress and attempts (read once)
        box.parts = completion.completion_breakdown(
            record, done_modules(record),
            {row["quiz"].id for row in quiz_rows(course.id, user) if row["summary"].passed})
    elif not (record is None and course.is_trainer(user)):
        box.reason = services.enrolment_block(user, course)
        if box.reason is not None:
            box.reason_message = services.block_message(box.reason, course)
        if box.reason == services.BLOCK_AUDIENCE:
            box.place_requested = place_requests.pending_request(user.id, course.id) is not None
    box.may_bulk_enrol = bulk.may_bulk_enrol(user, course)
    return box


@bp.app_context_processor
def enrolment_helpers():
    return {"bulk_outcome_labels": outcome_labels, "course_url": course_url}
