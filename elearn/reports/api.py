"""The read-only JSON API at /api/v1, authenticated by personal access tokens.

``Authorization: Bearer <token>``; no cookies, so no CSRF. Lists use cursor pagination: each
answer has ``data`` and ``next`` (the URL of the next page, or null); the cursor is opaque.
Scoping follows the pages: coordinators see their centre (another centre: 404), admins any
(``?centre=``), trainers their courses, learners themselves.
"""

from __future__ import annotations

import base64
import binascii
import json

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request

from elearn.accounts.models import Role
from elearn.enrolments.models import EnrolmentStatus
from elearn.extensions import csrf, db, limiter
from elearn.inputs import DB_INT_MAX, parse_int
from elearn.reference.models import RegionalCentre
from elearn.reports import services, tokens
from elearn.reports.openapi import openapi_document
from elearn.reports.services import Scope
from elearn.urls import absolute_url

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
PUBLIC_ENDPOINTS = {"api.openapi"}
CURSOR_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")


class ApiError(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    response = jsonify({"error": error.status, "message": error.message})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="elearn"'
    return response


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", "300 per minute")


def _rate_key() -> str:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer " + tokens.TOKEN_PREFIX):
        return "api-token:" + tokens.hash_token(header[7:])[:16]
    return "api-address:" + (request.remote_addr or "")


limiter.limit(_rate_limit, key_func=_rate_key)(bp)


@bp.before_request
def authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    found = tokens.authenticate(raw.strip()) if scheme.lower() == "bearer" else None
    if found is None:
        raise ApiError(401, "A valid personal access token is needed (Authorization: Bearer ...).")
    g.api_user, g.api_token = found
    return


@bp.after_request
def no_store(response):
    response.headers.setdefault("Cache-Control", "no-store")
    return response


# -- arguments -----------------------------------------------------------------------------------


def _int_arg(name: str, minimum: int = 1, maximum: int = DB_INT_MAX) -> int | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    value = parse_int(raw, minimum, maximum)
    if value is None:
        raise ApiError(400, f"{name} must be an integer from {minimum} to {maximum}.")
    return value


def _limit() -> int:
    return _int_arg("limit", 1, MAX_LIMIT) or DEFAULT_LIMIT


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"after": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    if len(cursor) > 200 or not CURSOR_CHARS.issuperset(cursor):
        raise ApiError(400, "The cursor is not valid; use the next link of a previous page.")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        after = data["after"]
        if not isinstance(after, int) or isinstance(after, bool) or not 0 <= after < 2**63:
            raise ValueError
        return after
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError):
        raise ApiError(400, "The cursor is not valid; use the next link of a previous page.")


def _page(statement, id_column, serialise):
    limit = _limit()
    after = decode_cursor(request.args.get("cursor"))
    rows = db.session.execute(
        statement.where(id_column > after).order_by(id_column).limit(limit + 1)
    ).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_url = None
    if more:
        args = {key: value for key, value in request.args.items() if key != "cursor"}
        args["cursor"] = encode_cursor(rows[-1].id)
        next_url = absolute_url(request.endpoint, **args)
    return jsonify({"data": [serialise(row) for row in rows], "next": next_url})


def _scope() -> Scope:
    """The scope of the caller, narrowed by ``?centre=`` and ``?course=``."""
    user = g.api_user
    centre_id = _int_arg("centre")
    course_id = _int_arg("course")
    if user.role is Role.admin:
        if centre_id is not None and db.session.get(RegionalCentre, centre_id) is None:
            raise ApiError(404, "No such centre.")
        scope = Scope(centre_id=centre_id)
    elif user.role is Role.coordinator:
        if centre_id is not None and centre_id != user.centre_id:
            raise ApiError(404, "No such centre.")
        scope = Scope(centre_id=user.centre_id)
    elif user.role is Role.trainer:
        scope = Scope(trainer_id=user.id, centre_id=centre_id)
    else:
        if centre_id is not None and centre_id != user.centre_id:
            raise ApiError(404, "No such centre.")
        scope = Scope(user_id=user.id)
    return scope.narrowed(course_id=course_id)


def _iso(value):
    return services.iso(value) or None


# -- endpoints -------------------------------------------------------------------------------------


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document(current_app.config["BASE_URL"].rstrip("/") + bp.url_prefix))


@bp.route("/courses")
def list_courses():
    c = services.courses
    statement = sa.select(
        c.c.id, c.c.slug, c.c.title, c.c.summary, c.c.language, c.c.conventions,
        c.c.webinar_required, c.c.published,
    )
    user = g.api_user
    if user.role is not Role.admin:
        visible = c.c.published.is_(True)
        if user.role is Role.trainer:
            visible = sa.or_(visible, c.c.id.in_(services.trainer_course_ids(user.id)))
        statement = statement.where(visible)
    return _page(statement, c.c.id, lambda row: {
        "id": row.id, "slug": row.slug, "title": row.title, "summary": row.summary,
        "language": row.language,
        "conventions": [name for name in (row.conventions or "").split(",") if name],
        "webinar_required": bool(row.webinar_required), "published": bool(row.published),
    })


@bp.route("/enrolments")
def list_enrolments():
    e, u, c = services.enrolments, services.users, services.courses
    a, rc, cert = services.audiences, services.centres, services.certificates
    scope = _scope()
    where = services.conditions(scope)
    status = request.args.get("status")
    if status:
        try:
            where.append(e.c.status == EnrolmentStatus(status))
        except ValueError:
            raise ApiError(400, "status must be active, completed or withdrawn.")
    statement = (
        sa.select(
            e.c.id, e.c.status, e.c.progress_percent, e.c.enrolled_at, e.c.completed_at,
            u.c.id.label("user_id"), u.c.name, u.c.email, u.c.country,
            a.c.slug.label("audience"), rc.c.slug.label("centre"),
            c.c.id.label("course_id"), c.c.slug.label("course_slug"),
            c.c.title.label("course_title"), cert.c.code.label("certificate_code"),
        )
        .select_from(
            e.join(u, u.c.id == e.c.user_id)
            .join(c, c.c.id == e.c.course_id)
            .join(a, a.c.id == u.c.audience_id)
            .outerjoin(rc, rc.c.id == u.c.centre_id)
            .outerjoin(cert, sa.and_(cert.c.user_id == e.c.user_id,
                                     cert.c.course_id == e.c.course_id,
                                     cert.c.revoked_at.is_(None)))
        )
        .where(*where)
    )
    return _page(statement, e.c.id, lambda row: {
        "id": row.id,
        "user": {"id": row.user_id, "name": row.name, "email": row.email,
                 "country": row.country, "audience": row.audience, "centre": row.centre},
        "course": {"id": row.course_id, "slug": row.course_slug, "title": row.course_title},
        "status": row.status.value, "progress_percent": row.progress_percent,
        "enrolled_at": _iso(row.enrolled_at), "completed_at": _iso(row.completed_at),
        "certificate_code": row.certificate_code,
    })


@bp.route("/certificates")
def list_certificates():
    cert, u, c = services.certificates, services.users, services.courses
    scope = _scope()
    where = services.conditions(
        scope, course_col=cert.c.course_id, user_col=cert.c.user_id, date_col=cert.c.issued_at
    )
    statement = (
        sa.select(
            cert.c.id, cert.c.code, cert.c.learner_name, cert.c.issued_at, cert.c.revoked_at,
            u.c.id.label("user_id"), u.c.email, c.c.id.label("course_id"),
            c.c.slug.label("course_slug"),
        )
        .select_from(cert.join(u, u.c.id == cert.c.user_id).join(c, c.c.id == cert.c.course_id))
        .where(*where)
    )
    return _page(statement, cert.c.id, lambda row: {
        "id": row.id, "code": row.code,
        "user": {"id": row.user_id, "name": row.learner_name, "email": row.email},
        "course": {"id": row.course_id, "slug": row.course_slug},
        "issued_at": _iso(row.issued_at), "revoked_at": _iso(row.revoked_at),
        "verify_url": absolute_url("certificates.verify", code=row.code),
    })


@bp.route("/webinars")
def list_webinars():
    w, c = services.webinars, services.courses
    statement = (
        sa.select(
            w.c.id, w.c.uid, w.c.title, w.c.start_utc, w.c.timezone, w.c.duration_minutes,
            w.c.status, w.c.rrule, c.c.slug.label("course_slug"),
        )
        .select_from(w.outerjoin(c, c.c.id == w.c.course_id))
    )
    user = g.api_user
    if user.role is not Role.admin:
        statement = statement.where(sa.or_(w.c.is_public.is_(True), w.c.organiser_id == user.id))
    course_id = _int_arg("course")
    if course_id is not None:
        statement = statement.where(w.c.course_id == course_id)
    return _page(statement, w.c.id, lambda row: {
        "id": row.id, "uid": row.uid, "title": row.title, "course": row.course_slug,
        "start": _iso(row.start_utc), "timezone": row.timezone,
        "duration_minutes": row.duration_minutes, "status": row.status.value, "rrule": row.rrule,
    })
