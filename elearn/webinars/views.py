"""Webinar pages and calendar feeds. Thin views: parse, check access, call a service, render;
one commit per request, mails queued in its transaction."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from elearn import page_cache
from elearn.accounts.models import Role
from elearn.courses.sections import course_section
from elearn.csvsafe import csv_text
from elearn.database import retrying
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.i18n import column_labels
from elearn.loaders import load_webinar
from elearn.permissions import (
    can_manage_webinar,
    can_view_webinar,
    ensure,
    require,
    studied_course_ids,
)
from elearn.webinars import itip, registering, services
from elearn.webinars.blueprint import _finish, _registration, _when, bp
from elearn.webinars.display import when_text
from elearn.webinars.forms import (
    ConfirmForm,
    MoveSessionForm,
    WebinarForm,
    parse_session_stamp,
    session_stamp,
)
from elearn.webinars.models import Registration, RegistrationStatus, Webinar, WebinarStatus
from elearn.webinars.schedule import clock_change_sessions, sessions

# isort: split
# the attendance pages and the calendar feeds are routes of the same blueprint, in their own modules
from elearn.webinars import attendance_views, feed_views  # noqa: F401

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
    webinar = load_webinar(webinar_id)
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
        can_manage=can_manage_webinar(current_user, webinar), form=ConfirmForm(),
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
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
    webinar = load_webinar(webinar_id)
    ensure(can_view_webinar(webinar, current_user, _registration(webinar)))
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()

    def act():
        registration, mails = registering.register(webinar_id, user)
        itip.queue_mails(mails)
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
    webinar = load_webinar(webinar_id)
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
        retrying(lambda: itip.queue_mails(registering.unregister(webinar_id, user)))
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
    rows = registering.registrations(webinar.id)
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
    webinar = load_webinar(webinar_id, can_manage_webinar)
    body = registrations_csv(webinar, registering.registrations(webinar.id))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="webinar-{webinar.id}-registrations.csv"'
    )
    return response








@course_section("webinars")
def course_webinars(course, user=None, enrolment=None, record=None, limit: int = 5) -> list[dict]:
    """Upcoming sessions of a course for the course page partial (a fixed number of queries)."""
    now = utcnow()
    query = services.upcoming_query(now).where(Webinar.course_id == course.id)
    enrolled = {course.id} if enrolment is not None else set()
    items = []
    for webinar in db.session.scalars(query):
        if not can_view_webinar(webinar, user, enrolled=enrolled):
            continue
        for s in sessions(webinar):
            if s.end_utc > now:
                items.append({"webinar": webinar, "session": s,
                              "when": _when(s.start_utc, webinar)})
    items.sort(key=lambda item: item["session"].start_utc)
    # the list changes when a session it shows ends (a later one may take its place)
    page_cache.valid_until(*(item["session"].end_utc for item in items[:limit]))
    return items[:limit]
