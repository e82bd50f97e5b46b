"""The cache of rendered pages and fragments (Flask-Caching), keyed by a content version.

What is cached is a pure function of course content, the locale and a little user state (the
audience the catalog sorts by), so a key made of those can never show one user's page to
another. Invalidation needs no list of keys: the *content version* is a random token in the
``content_versions`` table that changes, in the same transaction, whenever a row of a content
table (:data:`CONTENT_TABLES`) is written through the session (ORM objects or DML statements).
A page reads the token once (one cheap query) and builds its keys from it; after a commit that
changed content the new token makes every old key unreachable, on every app server at once,
and old entries simply expire. A rolled-back change leaves the old token (a random token, not a
counter, so a rolled-back bump can never be reused for other content).

Backend: ``SimpleCache`` in each process by default (correct with several gunicorn workers,
since the token comes from the database); ``RedisCache`` shared by every app server when
``ELEARN_REDIS_URL`` is set.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import secrets
from collections.abc import Callable

import sqlalchemy as sa
from flask import Flask, Response, g, has_app_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from elearn.extensions import cache, db

log = logging.getLogger("elearn.caching")

#: Tables whose content the cached fragments show: a write to any of them changes the version.
CONTENT_TABLES = frozenset({
    "courses", "modules", "module_translations", "course_translations", "course_audiences",
    "audiences", "quizzes", "questions", "course_trainers", "webinars", "webinar_occurrences",
})

content_versions = sa.Table(
    "content_versions", db.metadata,
    sa.Column("name", sa.String(40), primary_key=True, comment="what the version covers"),
    sa.Column("token", sa.String(32), nullable=False,
              comment="random; changes with every committed change of that content"),
)

CONTENT = "content"
#: the token of learners' own state, changed by a write that the per-learner tokens
#: (``users.state_token``, see :mod:`elearn.page_cache`) cannot attribute to its learners
LEARNERS = "learners"
_READ = sa.select(content_versions.c.name, content_versions.c.token)


def _tokens() -> dict[str, str]:
    """Every version token, read in one query once per request."""
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.flush()  # pending content changes first get their new token
    if "content_tokens" not in g:
        g.content_tokens = dict(db.session.connection().execute(_READ).all())
    return g.content_tokens


def content_version() -> str:
    """The current content token (``"0"`` before any content change)."""
    return _tokens().get(CONTENT) or "0"


def learners_version() -> str:
    """The token of the learners' state as a whole (``"0"`` before its first change)."""
    return _tokens().get(LEARNERS) or "0"


def bump_content_version(connection, name: str = CONTENT) -> None:
    """Give the content (or the version called ``name``) a new token, in the transaction of
    ``connection``."""
    token = secrets.token_hex(8)
    updated = connection.execute(
        content_versions.update().where(content_versions.c.name == name).values(token=token))
    if updated.rowcount == 0:
        connection.execute(content_versions.insert().values(name=name, token=token))
    if has_app_context():  # the rest of this request sees the new token
        g.pop("content_tokens", None)


def _table_name(obj) -> str | None:
    table = getattr(obj, "__table__", None)
    return getattr(table, "name", None)


def listen() -> None:
    """Bump the version on every session write to a content table (once per process)."""
    if getattr(Session, "_elearn_content_listening", False):
        return
    Session._elearn_content_listening = True

    @event.listens_for(Session, "before_flush")
    def _objects_changed(session, _context, _instances):
        for obj in itertools.chain(session.new, session.dirty, session.deleted):
            if _table_name(obj) in CONTENT_TABLES:
                bump_content_version(session.connection())
                return

    @event.listens_for(Session, "do_orm_execute")
    def _statement_changes(state):
        if state.is_insert or state.is_update or state.is_delete:
            table = getattr(state.statement, "table", None)
            if getattr(table, "name", None) in CONTENT_TABLES:
                bump_content_version(state.session.connection())


def cache_key(*parts: object) -> str:
    """A short key from ``parts`` (any values that print)."""
    raw = "\x1f".join(str(part) for part in parts)
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def cache_get(key: str | None):
    """The value under ``key`` (None: missing, no key, or the backend failed: Redis down only
    costs a rebuild, never the page)."""
    if key is None:
        return None
    try:
        return cache.get(key)
    except Exception:
        log.exception("cache read failed")
        return None


def cache_set(key: str | None, value, timeout: int | None = None) -> None:
    if key is None:
        return
    try:
        cache.set(key, value, timeout=timeout)
    except Exception:
        log.exception("cache write failed")


def cached(key: str, build: Callable[[], object]):
    """The value stored under ``key``, built (and stored) when missing."""
    value = cache_get(key)
    if value is None:
        value = build()
        cache_set(key, value)
    return value


def init_app(app: Flask) -> None:
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
    else:
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
        app.config.setdefault("CACHE_THRESHOLD", 2000)
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 24 * 60 * 60)
    app.config.setdefault("CACHE_KEY_PREFIX", "elearn:")
    cache.init_app(app)
    listen()


def is_public_request() -> bool:
    """True when the page is the same for every visitor of the locale: nobody is logged in and
    no message waits to be flashed to this visitor."""
    from flask import session
    from flask_login import current_user

    return not current_user.is_authenticated and "_flashes" not in session


def with_body_etag(response: Response) -> Response:
    """For a public page whose content depends on more than course content (upcoming
    webinars, a certificate's state): an ETag made from the rendered body, and a 304 when the
    visitor's copy is the same. Saves the transfer, not the rendering. Personal pages get no
    ETag."""
    response.vary.update(("Cookie", "Accept-Language"))
    if response.status_code != 200 or not is_public_request():
        return response
    response.add_etag()
    return response.make_conditional(request)


def public_etag(*parts: object) -> str | None:
    """The ETag of a page that every anonymous visitor of the locale sees alike (built from the
    content version, the locale and ``parts``), or None when the page is personal: a logged-in
    user, or a message flashed to this visitor that the page must show."""
    from flask_babel import get_locale

    if not is_public_request():
        return None
    return cache_key("etag", content_version(), get_locale(), *parts)


def conditional(response: Response, etag: str | None) -> Response:
    """Give a page its revalidation headers: with an ETag (public pages) the browser keeps it
    and asks again with If-None-Match; without one it is private. Pages are in the language
    of a cookie or Accept-Language, so they vary on both."""
    response.vary.update(("Cookie", "Accept-Language"))
    if etag is None:
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "no-cache"
    return response


def not_modified(etag: str | None) -> Response | None:
    """A 304 answer when the client already holds the page of ``etag`` (checked before any
    query or rendering of the page), else None."""
    if etag is None or not request.if_none_match.contains(etag):
        return None
    return conditional(Response(status=304), etag)
