"""The webinars blueprint and the helpers its view modules share (views, attendance_views,
feed_views).
"""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    request,
)
from flask_login import current_user

from elearn.extensions import db
from elearn.webinars import feeds, itip, registering
from elearn.webinars.display import when_text
from elearn.webinars.models import Webinar

bp = Blueprint("webinars", __name__)


def _registration(webinar: Webinar):
    if not current_user.is_authenticated:
        return None
    return registering.registration_of(webinar.id, current_user.id)


def _viewer_zone() -> str | None:
    return current_user.timezone if current_user.is_authenticated else None


def _locale() -> str:
    from flask_babel import get_locale

    return str(get_locale() or "en")


def _when(instant, webinar) -> str:
    return when_text(instant, webinar.timezone, _viewer_zone(), _locale())


def _finish(mails) -> None:
    itip.queue_mails(mails)
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
