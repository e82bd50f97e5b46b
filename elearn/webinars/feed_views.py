"""Calendar feeds (iCalendar) of webinars, courses, the public list and a person's own calendar."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    abort,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from elearn.extensions import db, limiter
from elearn.loaders import load_course, load_webinar
from elearn.permissions import (
    can_manage_course,
    can_see_join_link,
    can_view_webinar,
    ensure,
    require,
    studied_course_ids,
)
from elearn.urls import absolute_url
from elearn.webinars import feeds
from elearn.webinars.blueprint import _calendar_response, _locale, _registration, bp
from elearn.webinars.forms import (
    ConfirmForm,
)
from elearn.webinars.models import WebinarStatus

#: a calendar client polls a feed at most every few minutes; many people may share one address
FEED_LIMIT_PER_TOKEN = "60 per hour"


FEED_LIMIT_PER_ADDRESS = "1000 per hour"


@bp.route("/webinars/<int:webinar_id>.ics")
def webinar_ics(webinar_id: int):
    webinar = load_webinar(webinar_id)
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
    course = load_course(slug)
    manager = can_manage_course(current_user, course)
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
