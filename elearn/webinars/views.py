"""Webinar pages and calendar feeds. Thin views: parse, check access, call a service, render;
one commit per request, mails queued in its transaction."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import selectinload

from elearn.accounts.models import Role
from elearn.courses.sections import course_section
from elearn.csvsafe import csv_text
from elearn.database import retrying
from elearn.db_types import utcnow
from elearn.extensions import db, limiter
from elearn.i18n import column_labels
from elearn.pagination import PageNavigation
from elearn.permissions import (
    can_see_join_link,
    can_view_webinar,
    ensure,
    require,
    studied_course_ids,
)
from elearn.urls import absolute_url
from elearn.webinars import attendance as attendance_service
from elearn.webinars import feeds, services
from elearn.webinars.display import when_text
from elearn.webinars.forms import (
    AttendanceConfirmForm,
    AttendanceForm,
    AttendanceUploadForm,
    ConfirmForm,
    MoveSessionForm,
    WebinarForm,
    parse_session_stamp,
    session_stamp,
)
from elearn.webinars.models import Registration, RegistrationStatus, Webinar, WebinarStatus
from elearn.webinars.schedule import clock_change_sessions, sessions

bp = Blueprint("webinars", __name__)

#: a calendar client polls a feed at most every few minutes; many people may share one address
FEED_LIMIT_PER_TOKEN = "60 per hour"
FEED_LIMIT_PER_ADDRESS = "1000 per hour"


# --------------------------------------------------------------------------- helpers


def _get(webinar_id: int) -> Webinar:
    webinar = db.session.scalar(
        sa.select(Webinar).where(Webinar.id == webinar_id)
        .options(selectinload(Webinar.overrides), selectinload(Webinar.organiser),
                 selectinload(Webinar.course))
    )
    if webinar is None:
        abort(404)
    return webinar


def _registration(webinar: Webinar):
    if not current_user.is_authenticated:
        return None
    return services.registration_of(webinar.id, current_user.id)


def _manage(webinar_id: int) -> Webinar:
    webinar = _get(webinar_id)
    ensure(webinar.can_manage(current_user))
    return webinar


def _viewer_zone() -> str | None:
    return current_user.timezone if current_user.is_authenticated else None


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def _when(instant, webinar) -> str:
    return when_text(instant, webinar.timezone, _viewer_zone(), _locale())


def _finish(mails) -> None:
    services.queue_mails(mails)
    db.session.flush()


def _calendar_response(feed: feeds.Feed, filename: str, *, public: bool) -> Response:
    db.session.flush()  # the feed's recorded state (feeds.content_changed_at), committed by the request
    response = Response(feed.body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(feed.etag)
    if feed.last_modified is not None:
        response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-cache"
    return response.make_conditional(request)


# --------------------------------------------------------------------------- pages


@bp.route("/webinars")
def index():
    now = utcnow()
    webinars = list(db.session.scalars(services.upcoming_query(now)))
    enrolled = studied_course_ids(current_user)
    mine: dict[int, Registration] = {}
    if current_user.is_authenticated and webinars:
        mine = {r.webinar_id: r for r in db.session.scalars(
            sa.select(Registration).where(
                Registration.user_id == current_user.id,
                Registration.webinar_id.in_([w.id for w in webinars]),
            )
        )}
    items = []
    for webinar in webinars:
        registration = mine.get(webinar.id)
        if not can_view_webinar(webinar, current_user, registration, enrolled):
            continue
        upcoming = [s for s in sessions(webinar) if s.end_utc > now]
        if not upcoming:
            continue
        active = registration is not None and registration.status is not RegistrationStatus.cancelled
        own = webinar.organiser_id == getattr(current_user, "id", None)
        items.append({
            "webinar": webinar, "registration": registration if active else None,
            "next": upcoming[0], "when": _when(upcoming[0].start_utc, webinar),
            "yours": active or own,
            "sessions_left": sum(1 for s in upcoming if not s.cancelled),
        })
    items.sort(key=lambda item: (not item["yours"], item["next"].start_utc))
    can_schedule = current_user.is_authenticated and current_user.role in (Role.trainer, Role.admin)
    return render_template("webinars/index.html", items=items, can_schedule=can_schedule)


@bp.route("/webinars/<int:webinar_id>")
def show(webinar_id: int):
    webinar = _get(webinar_id)
    registration = _registration(webinar)
    ensure(can_view_webinar(webinar, current_user, registration))
    now = utcnow()
    rows = [
        {"session": s, "when": _when(s.start_utc, webinar),
         "original": _when(s.recurrence_utc, webinar) if s.moved else None,
         "stamp": session_stamp(s.recurrence_utc), "past": s.end_utc <= now}
        for s in sessions(webinar)
    ]
    counts = dict(db.session.execute(
        sa.select(Registration.status, sa.func.count(Registration.id))
        .where(Registration.webinar_id == webinar.id).group_by(Registration.status)
    ).all())
    return render_template(
        "webinars/show.html", webinar=webinar, rows=rows, registration=registration,
        registered=counts.get(RegistrationStatus.registered, 0),
        waiting=counts.get(RegistrationStatus.waitlisted, 0),
        can_manage=webinar.can_manage(current_user), form=ConfirmForm(),
        over=webinar.last_end_utc is not None and webinar.last_end_utc <= now,
        organiser_zone=webinar.timezone,
    )


def _warn_clock_changes(webinar: Webinar) -> None:
    """Tell the trainer when sessions of a series fall in a daylight-saving gap or fold: the
    feeds pin them to one instant, but the local time people see differs from the others."""
    found = clock_change_sessions(webinar.start_utc, webinar.timezone, webinar.rrule)
    if not found:
        return
    details = ", ".join(
        (_("%(when)s (this time does not exist that day)", when=when_text(instant, webinar.timezone, None))
         if kind == "nonexistent" else
         _("%(when)s (this time happens twice that day)", when=when_text(instant, webinar.timezone, None)))
        for instant, _wall, kind in found)
    flash(ngettext(
        "%(num)s session falls on a daylight-saving clock change in %(zone)s: %(details)s. "
        "Calendars get its exact time; check that it suits you or move it.",
        "%(num)s sessions fall on a daylight-saving clock change in %(zone)s: %(details)s. "
        "Calendars get their exact times; check that they suit you or move them.",
        len(found), zone=webinar.timezone, details=details), "warning")


@bp.route("/webinars/new", methods=["GET", "POST"])
@require(Role.trainer)
def schedule():
    form = WebinarForm(current_user)
    if form.validate_on_submit():
        webinar = services.schedule_webinar(current_user, form.to_data())
        db.session.flush()
        flash(_("The webinar is scheduled."), "success")
        _warn_clock_changes(webinar)
        return redirect(url_for("webinars.show", webinar_id=webinar.id))
    return render_template("webinars/form.html", form=form, webinar=None)


@bp.route("/webinars/<int:webinar_id>/edit", methods=["GET", "POST"])
@require(Role.trainer)
def edit(webinar_id: int):
    webinar = _manage(webinar_id)
    if webinar.status is WebinarStatus.cancelled:
        flash(_("A cancelled webinar cannot be changed."), "error")
        return redirect(url_for("webinars.show", webinar_id=webinar.id))
    form = WebinarForm(current_user, webinar=webinar)
    if form.validate_on_submit():
        mails = services.update_webinar(webinar, form.to_data())
        _finish(mails)
        flash(_("The webinar is updated."), "success")
        _warn_clock_changes(webinar)
        return redirect(url_for("webinars.show", webinar_id=webinar.id))
    return render_template("webinars/form.html", form=form, webinar=webinar)


@bp.route("/webinars/<int:webinar_id>/cancel", methods=["GET", "POST"])
@require(Role.trainer)
def cancel(webinar_id: int):
    webinar = _manage(webinar_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        _finish(services.cancel_webinar(webinar))
        flash(_("The webinar is cancelled. Registrants were told."), "success")
        return redirect(url_for("webinars.show", webinar_id=webinar.id))
    return render_template("webinars/cancel.html", webinar=webinar, form=form, session=None,
                           when=_when(webinar.start_utc, webinar))


def _session_or_404(webinar: Webinar, stamp: str):
    instant = parse_session_stamp(stamp)
    if instant is None:
        abort(404)
    try:
        return services.find_session(webinar, instant)
    except services.WebinarError:
        abort(404)


@bp.route("/webinars/<int:webinar_id>/sessions/<stamp>/cancel", methods=["GET", "POST"])
@require(Role.trainer)
def cancel_session(webinar_id: int, stamp: str):
    webinar = _manage(webinar_id)
    session = _session_or_404(webinar, stamp)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            mails = services.cancel_session(webinar, session.recurrence_utc)
        except services.WebinarError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            _finish(mails)
            flash(_("The session is cancelled. Registrants were told."), "success")
        return redirect(url_for("webinars.show", webinar_id=webinar.id))
    return render_template("webinars/cancel.html", webinar=webinar, form=form, session=session,
                           when=_when(session.start_utc, webinar))


@bp.route("/webinars/<int:webinar_id>/sessions/<stamp>/move", methods=["GET", "POST"])
@require(Role.trainer)
def move_session(webinar_id: int, stamp: str):
    webinar = _manage(webinar_id)
    session = _session_or_404(webinar, stamp)
    form = MoveSessionForm(webinar)
    if form.validate_on_submit():
        try:
            mails = services.move_session(webinar, session.recurrence_utc, form.start_utc)
        except services.WebinarError as error:
            db.session.rollback()
            form.start_date.errors = list(form.start_date.errors) + [str(error)]
        else:
            _finish(mails)
            flash(_("The session is moved. Registrants were told."), "success")
            return redirect(url_for("webinars.show", webinar_id=webinar.id))
    return render_template("webinars/move.html", webinar=webinar, form=form, session=session,
                           when=_when(session.start_utc, webinar))


@bp.route("/webinars/<int:webinar_id>/register", methods=["POST"])
@require()
def register(webinar_id: int):
    webinar = _get(webinar_id)
    ensure(can_view_webinar(webinar, current_user, _registration(webinar)))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()

    def act():
        registration, mails = services.register(webinar_id, user)
        services.queue_mails(mails)
        return registration

    try:
        registration = retrying(act)
    except services.WebinarError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if registration.status is RegistrationStatus.registered:
            flash(_("You are registered. An invitation is on its way to your mailbox."), "success")
        else:
            flash(_("The webinar is full: you are on the waiting list and will get an email "
                    "if a place frees up."), "info")
    return redirect(url_for("webinars.show", webinar_id=webinar_id))


@bp.route("/webinars/<int:webinar_id>/unregister", methods=["POST"])
@require()
def unregister(webinar_id: int):
    webinar = _get(webinar_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if not form.is_confirmed:
        # ask first (without JavaScript too): the place may go to the waiting list
        return render_template(
            "confirm.html", question=_("Give up your place at %(title)s?", title=webinar.title),
            explanation=_("If the webinar is full, your place goes to the first person waiting."),
            action=url_for("webinars.unregister", webinar_id=webinar_id),
            confirm_label=_("Unregister"), cancel_label=_("Keep my place"),
            cancel_url=url_for("webinars.show", webinar_id=webinar_id))
    user = current_user._get_current_object()
    try:
        retrying(lambda: services.queue_mails(services.unregister(webinar_id, user)))
    except services.WebinarError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        flash(_("You are no longer registered."), "success")
    return redirect(url_for("webinars.show", webinar_id=webinar_id))


# --------------------------------------------------------------------------- registrations


@bp.route("/webinars/<int:webinar_id>/registrations")
@require(Role.trainer)
def registrations(webinar_id: int):
    webinar = _manage(webinar_id)
    rows = services.registrations(webinar.id)
    return render_template("webinars/registrations.html", webinar=webinar, rows=rows)


def registrations_csv(webinar: Webinar, rows) -> str:
    """The registrations as CSV text (no BOM); cells are formula-safe (``elearn.csvsafe``)."""
    return csv_text(
        column_labels(["name", "email", "country", "status", "registered_at",
                       "attended", "minutes_attended"]),
        ((user.name, user.email, user.country, registration.status.value,
          registration.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
          _("yes") if registration.attended else _("no"), registration.minutes_attended or "")
         for registration, user in rows),
        bom=False)


@bp.route("/webinars/<int:webinar_id>/registrations.csv")
@require(Role.trainer)
def registrations_export(webinar_id: int):
    webinar = _manage(webinar_id)
    body = registrations_csv(webinar, services.registrations(webinar.id))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="webinar-{webinar.id}-registrations.csv"'
    )
    return response


# --------------------------------------------------------------------------- attendance


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
    everyone = sorted(((r, u) for r, u in services.registrations(webinar.id)
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
            marked = attendance_service.session_marks(webinar, form.paging.chosen.recurrence_utc)
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
    webinar = _manage(webinar_id)
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
        changed = attendance_service.record_attendance(webinar, marks, session_utc=session_utc)
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
    webinar = _manage(webinar_id)
    rows, form, upload = _attendance_forms(webinar)
    preview = confirm = None
    if upload.validate_on_submit():
        if _not_started(webinar):
            return _refuse_early(webinar)
        data = upload.report.data.read()
        try:
            parsed = attendance_service.parse_report(data)
        except attendance_service.ReportError as error:
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
    webinar = _manage(webinar_id)
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
    changed = attendance_service.record_attendance(webinar, marks, only_raise=True,
                                                   session_utc=session_utc)
    db.session.flush()
    flash(ngettext(
        "Attendance recorded from the report (%(num)s change).",
        "Attendance recorded from the report (%(num)s changes).", changed), "success")
    return redirect(url_for("webinars.attendance", webinar_id=webinar.id))


# --------------------------------------------------------------------------- feeds


@bp.route("/webinars/<int:webinar_id>.ics")
def webinar_ics(webinar_id: int):
    webinar = _get(webinar_id)
    registration = _registration(webinar)
    ensure(can_view_webinar(webinar, current_user, registration))
    joined = False
    if webinar.status is WebinarStatus.cancelled:
        # the single-event download of a cancelled webinar is an iTIP CANCEL (DESIGN.md), so
        # importing it removes the event from a calendar that has it
        feed = feeds.cancelled_single(webinar)
    else:
        joined = can_see_join_link(webinar, current_user, registration)
        # the copy with the join link is a feed of its own (its content differs)
        copy = "joined" if joined else "shared"
        feed = feeds.build_feed(feeds.single_condition(webinar.id), name=webinar.title,
                                key=f"webinar:{webinar.id}:{_locale()}:{copy}",
                                joined=sa.true() if joined else None)
    # with the join link it is that person's copy; without it, the same for everyone
    return _calendar_response(feed, f"webinar-{webinar.id}.ics",
                              public=webinar.is_public and not joined)


@bp.route("/courses/<slug>/calendar.ics")
def course_ics(slug: str):
    course = feeds.course_by_slug(slug)
    if course is None:
        abort(404)
    manager = course.can_manage(current_user)
    ensure(course.published or manager)
    insider = manager or course.id in studied_course_ids(current_user)
    feed = feeds.build_feed(feeds.course_condition(course.id, include_private=insider),
                            name=course.title,
                            key=f"course:{course.id}:{'insider' if insider else 'public'}:{_locale()}")
    return _calendar_response(feed, f"{course.slug}.ics", public=not insider)


@bp.route("/webinars.ics")
def public_ics():
    feed = feeds.build_feed(feeds.public_condition(),
                            name=_("BRS conventions webinars"), key=f"public:{_locale()}")
    return _calendar_response(feed, "webinars.ics", public=True)


def _token_key() -> str:
    token = (request.view_args or {}).get("token", "")
    return "calendar-feed:" + feeds.hash_token(token)


@bp.route("/calendar/<token>.ics")
@limiter.limit(FEED_LIMIT_PER_TOKEN, key_func=_token_key)
@limiter.limit(FEED_LIMIT_PER_ADDRESS)
def personal_ics(token: str):
    user = feeds.user_for_token(token)
    if user is None:
        abort(404)
    feed = feeds.build_feed(feeds.personal_condition(user.id),
                            name=_("My webinars (%(name)s)", name=user.name),
                            key=f"user:{user.id}:{_locale()}",
                            joined=feeds.joined_condition(user))
    return _calendar_response(feed, "my-webinars.ics", public=False)


@bp.route("/me/calendar", methods=["GET", "POST"])
@require()
@limiter.limit("20 per hour", methods=["POST"])
def my_calendar():
    """Post/redirect/get: the POST makes the address and redirects; the GET shows a new
    address once (handed over in the session), so a reload never makes another one."""
    form = ConfirmForm()
    has_token = current_user.calendar_token_hash is not None
    if form.validate_on_submit():
        if has_token and not form.is_confirmed:
            return render_template(
                "confirm.html", question=_("Make a new calendar address?"),
                explanation=_("The address you have now stops working at once: calendars "
                              "subscribed to it stop updating until you subscribe again."),
                action=url_for("webinars.my_calendar"), confirm_label=_("Make a new address"),
                cancel_label=_("Keep my address"), cancel_url=url_for("webinars.my_calendar"))
        token = feeds.new_calendar_token(current_user)
        db.session.flush()
        session["new_calendar_token"] = token
        return redirect(url_for("webinars.my_calendar"))
    token = session.pop("new_calendar_token", None)
    feed_url = webcal_url = None
    if token:
        feed_url = absolute_url("webinars.personal_ics", token=token)
        webcal_url = "webcal://" + feed_url.split("://", 1)[1]
    return render_template(
        "webinars/my_calendar.html", form=form, feed_url=feed_url, webcal_url=webcal_url,
        has_token=has_token,
    ), 200, {"Cache-Control": "no-store"}


@course_section("webinars")
def course_webinars(course, user=None, enrolment=None, record=None, limit: int = 5) -> list[dict]:
    """Upcoming sessions of a course for the course page partial (a fixed number of queries)."""
    now = utcnow()
    query = services.upcoming_query(now).where(Webinar.course_id == course.id)
    enrolled = {course.id} if enrolment is not None else None
    items = []
    for webinar in db.session.scalars(query):
        if not (webinar.is_public or webinar.can_manage(user) or enrolled):
            continue
        for s in sessions(webinar):
            if s.end_utc > now:
                items.append({"webinar": webinar, "session": s,
                              "when": _when(s.start_utc, webinar)})
    items.sort(key=lambda item: item["session"].start_utc)
    return items[:limit]

