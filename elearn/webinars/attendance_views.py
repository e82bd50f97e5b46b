"""Attendance pages of a webinar: the manual list, the upload of a meeting report and its
confirmation.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from itsdangerous import BadSignature, URLSafeSerializer

from elearn.accounts.models import Role
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.loaders import load_webinar
from elearn.pagination import PageNavigation
from elearn.permissions import (
    can_manage_webinar,
    require,
)
from elearn.webinars import attendance as attendance_service
from elearn.webinars import attendance_cells, attendance_records, registering, services
from elearn.webinars.blueprint import _when, bp
from elearn.webinars.forms import (
    AttendanceConfirmForm,
    AttendanceForm,
    AttendanceUploadForm,
    parse_session_stamp,
    session_stamp,
)
from elearn.webinars.models import RegistrationStatus, Webinar
from elearn.webinars.schedule import sessions


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="webinar-attendance")


#: people per page of the manual attendance list
ATTENDANCE_PAGE = 50


@dataclass
class AttendancePage(PageNavigation):
    page: int
    pages: int
    total: int
    search: str
    #: for a series: the session the manual list is about (``?session=``, its stamp)
    session: str | None = None
    #: for a series: (stamp, label) of each session to choose from
    session_choices: list | None = None
    #: for a series: the chosen session (a schedule.Session) and its date and time as shown
    chosen: object = None
    session_label: str = ""


def _attendance_forms(webinar: Webinar):
    """The manual list: registered people sorted by name then email, filtered by ``?q=`` (name
    or the email's local part), 50 a page; the form covers the shown page only, so saving a
    page never touches the people on other pages. For a series the list is about one session
    (``?session=``, by default the latest that has begun, as for a report): its ticks are that
    session's marks."""
    search = request.args.get("q", "").strip()
    everyone = sorted(((r, u) for r, u in registering.registrations(webinar.id)
                       if r.status is RegistrationStatus.registered),
                      key=lambda pair: (pair[1].name.casefold(), pair[1].email))
    if search:
        term = search.casefold()
        everyone = [(r, u) for r, u in everyone if term in u.name.casefold() or (
            term in u.email if "@" in term else term in u.email.split("@")[0])]
    pages = max(1, -(-len(everyone) // ATTENDANCE_PAGE))
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    rows = everyone[(page - 1) * ATTENDANCE_PAGE:page * ATTENDANCE_PAGE]
    plan = [s for s in sessions(webinar) if not s.cancelled] or sessions(webinar)
    now = utcnow()
    started = [s for s in plan if s.start_utc <= now]
    default = started[-1] if started else plan[0]
    choices = [(session_stamp(s.recurrence_utc), _when(s.start_utc, webinar)) for s in plan]
    upload = AttendanceUploadForm(prefix="upload", session=session_stamp(default.recurrence_utc))
    upload.session.choices = choices
    form = AttendanceForm(prefix="manual")
    form.attended.choices = [(u.id, f"{u.name} ({u.email})") for _r, u in rows]
    form.paging = AttendancePage(page=page, pages=pages, total=len(everyone), search=search)
    if webinar.rrule:
        chosen = default
        if request.args.get("session"):
            wanted = parse_session_stamp(request.args["session"])
            chosen = next((s for s in plan if s.recurrence_utc == wanted), None)
            if chosen is None:
                abort(404)  # no such session (or a cancelled one) in this series
        form.paging.chosen = chosen
        form.paging.session = session_stamp(chosen.recurrence_utc)
        form.paging.session_choices = choices
        form.paging.session_label = _when(chosen.start_utc, webinar)
    if not form.is_submitted():
        if webinar.rrule:
            marked = attendance_records.session_marks(webinar, form.paging.chosen.recurrence_utc)
            form.attended.data = [u.id for _r, u in rows if u.id in marked]
        else:
            form.attended.data = [u.id for r, u in rows if r.attended]
    return rows, form, upload


def _not_started(webinar) -> bool:
    """Attendance waits for the session: True while no session of the webinar has begun."""
    now = utcnow()
    return not any(s.start_utc <= now for s in sessions(webinar))


def _refuse_early(webinar):
    flash(_("This webinar has not started yet: record attendance once its first session has begun."),
          "error")
    return redirect(url_for("webinars.attendance", webinar_id=webinar.id))


@bp.route("/webinars/<int:webinar_id>/attendance", methods=["GET", "POST"])
@require(Role.trainer)
def attendance(webinar_id: int):
    webinar = load_webinar(webinar_id, can_manage_webinar)
    rows, form, upload = _attendance_forms(webinar)
    if form.validate_on_submit():
        if _not_started(webinar):
            return _refuse_early(webinar)
        session_utc = None
        if form.paging.chosen is not None:  # a series: the ticks are about one session
            if form.paging.chosen.start_utc > utcnow():
                flash(_("This session has not started yet: record its attendance once it has "
                        "begun."), "error")
                return redirect(url_for("webinars.attendance", webinar_id=webinar.id,
                                        session=form.paging.session))
            session_utc = form.paging.chosen.recurrence_utc
        chosen = set(form.attended.data or [])
        marks = {u.id: (u.id in chosen, None) for _r, u in rows}
        changed = attendance_records.record_attendance(webinar, marks, session_utc=session_utc)
        db.session.flush()
        flash(ngettext("Attendance saved (%(num)s change).",
                       "Attendance saved (%(num)s changes).", changed), "success")
        return redirect(url_for("webinars.attendance", webinar_id=webinar.id,
                                session=form.paging.session,
                                q=form.paging.search or None,
                                page=form.paging.page if form.paging.page > 1 else None))
    return render_template("webinars/attendance.html", webinar=webinar, rows=rows, form=form,
                           upload=upload, preview=None, confirm=None,
                           not_started=_not_started(webinar))


@bp.route("/webinars/<int:webinar_id>/attendance/upload", methods=["POST"])
@require(Role.trainer)
def attendance_upload(webinar_id: int):
    webinar = load_webinar(webinar_id, can_manage_webinar)
    rows, form, upload = _attendance_forms(webinar)
    preview = confirm = None
    if upload.validate_on_submit():
        if _not_started(webinar):
            return _refuse_early(webinar)
        data = upload.report.data.read()
        try:
            parsed = attendance_service.parse_report(data)
        except attendance_cells.ReportError as error:
            upload.report.errors = [str(error)]
        else:
            preview = attendance_service.match_report(webinar, parsed)
            marks = [[p.user_id, p.minutes, p.attended] for p in preview if p.user_id]
            confirm = AttendanceConfirmForm(prefix="confirm")
            confirm.payload.data = _serializer().dumps({
                "webinar": webinar.id, "marks": marks,
                # a report of a series is about one session (attendance per session)
                "session": upload.session.data if webinar.rrule else None,
            })
    return render_template("webinars/attendance.html", webinar=webinar, rows=rows, form=form,
                           upload=upload, preview=preview, confirm=confirm)


@bp.route("/webinars/<int:webinar_id>/attendance/confirm", methods=["POST"])
@require(Role.trainer)
def attendance_confirm(webinar_id: int):
    webinar = load_webinar(webinar_id, can_manage_webinar)
    confirm = AttendanceConfirmForm(prefix="confirm")
    if not confirm.validate_on_submit():
        abort(400)
    if _not_started(webinar):
        return _refuse_early(webinar)
    try:
        payload = _serializer().loads(confirm.payload.data)
    except BadSignature:
        abort(400)
    if payload.get("webinar") != webinar.id:
        abort(400)
    marks = {int(uid): (bool(attended), int(minutes)) for uid, minutes, attended in payload["marks"]}
    session_utc = None
    if payload.get("session"):
        session_utc = parse_session_stamp(payload["session"])
        try:
            services.find_session(webinar, session_utc)
        except services.WebinarError as error:  # the series changed since the preview
            flash(str(error), "error")
            return redirect(url_for("webinars.attendance", webinar_id=webinar.id))
    changed = attendance_records.record_attendance(webinar, marks, only_raise=True,
                                                   session_utc=session_utc)
    db.session.flush()
    flash(ngettext(
        "Attendance recorded from the report (%(num)s change).",
        "Attendance recorded from the report (%(num)s changes).", changed), "success")
    return redirect(url_for("webinars.attendance", webinar_id=webinar.id))
