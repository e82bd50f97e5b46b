"""Whole pages of a learner, cached until something they show changes.

A learner's course, module, quiz and catalog pages are a function of four things: the course
content (the content version of :mod:`elearn.caching`), the learner's own state (enrolments,
module progress, quiz attempts, place requests, certificates, webinar registrations and
attendance), the learner's account (name, audience, language, time zone) and the clock (a quiz
attempt's deadline, a webinar session that ends). :func:`personal_page` keys the rendered page
by the first three and stores it only until the earliest moment the fourth changes it
(:func:`valid_until`), so a hit is the page the view would have rendered.

The learner's state is versioned by ``users.state_token``: a random token that changes, at the
commit of the transaction (one UPDATE of their rows, locked only from then to the end),
whenever a row of a learner table (:data:`OWNERS`) is written through the
session, for the learner who owns that row (whoever writes it: a trainer approving a place
request or ticking attendance changes the learner's token), and whenever the account itself
changes. The user row is loaded for every request anyway, so reading the token costs nothing.
A statement whose learners cannot be found (an INSERT without their ids, an UPDATE without a
WHERE) changes the shared ``learners`` token instead, which every key also holds.

Only learners' pages are cached: trainers, coordinators and admins see figures about other
people (requests waiting, results) that those tokens do not follow. Pages with a message to
flash are never cached or served from the cache; the CSRF token of a cached page is replaced by
the current request's token on every hit.
"""

from __future__ import annotations

import functools
import itertools
from datetime import datetime

import sqlalchemy as sa
from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from elearn.accounts.models import new_state_token
from elearn.caching import (
    LEARNERS,
    bump_content_version,
    cache_get,
    cache_key,
    cache_set,
    content_version,
    learners_version,
)
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.request_state import request_state

#: Learner tables: the column that leads to the owner, and the table it points to when that is
#: not ``users`` (a module's progress belongs to the enrolment's learner).
OWNERS: dict[str, tuple[str, str | None]] = {
    "enrolments": ("user_id", None),
    "enrolment_requests": ("user_id", None),
    "quiz_attempts": ("user_id", None),
    "certificates": ("user_id", None),
    "registrations": ("user_id", None),
    "module_progress": ("enrolment_id", "enrolments"),
    "session_attendances": ("registration_id", "registrations"),
}

#: The longest a page is kept, whatever it shows (seconds).
MAX_AGE = 15 * 60
#: The longest value of a query argument a kept page's URL may have.
MAX_ARG_LENGTH = 40

_CSRF_HOLE = "\x1fcsrf-token\x1f"
_WRITTEN = "learner_state_written"


# --- the learners' tokens -------------------------------------------------------------------

def _table(name: str) -> sa.Table:
    return db.metadata.tables[name]


def _owner_ids(name: str, keys: set[int]) -> sa.Select | set[int]:
    """The users owning the rows of table ``name`` whose owner column holds ``keys``."""
    _column, via = OWNERS[name]
    if via is None:
        return keys
    table = _table(via)
    return sa.select(table.c.user_id).where(table.c.id.in_(keys))


_PENDING = "elearn.learners_written"


def _pending(session) -> set[int]:
    """The learners whose state this transaction wrote, to be given new tokens at commit."""
    return session.info.setdefault(_PENDING, set())


def _add_owners(session, owners: sa.Select | set[int]) -> None:
    ids = owners if isinstance(owners, set) else set(session.connection().scalars(owners))
    _pending(session).update(ids)
    note_written()


def _bump_pending(session) -> None:
    """One UPDATE at commit: the owners' rows are locked for the end of the transaction only."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    ids = session.info.pop(_PENDING, None)
    if ids:
        users = _table("users")
        session.connection().execute(users.update().where(users.c.id.in_(sorted(ids)))
                                     .values(state_token=new_state_token()))


def _request_state() -> dict:
    """What this module notes about the current request."""
    return request_state("page_cache")


def note_written() -> None:
    """Note that this request changed some learner's state (its page is not stored)."""
    _request_state()[_WRITTEN] = True


def _row_keys(objects) -> dict[str, set[int]]:
    """Owner-column values of the written learner rows, by table."""
    keys: dict[str, set[int]] = {}
    for obj in objects:
        name = getattr(getattr(obj, "__table__", None), "name", None)
        if name not in OWNERS:
            continue
        value = sa.inspect(obj).attrs[OWNERS[name][0]].loaded_value
        if isinstance(value, int):
            keys.setdefault(name, set()).add(value)
    return keys


def _statement_owners(state) -> sa.Select | set[int] | None:
    """The owners of the rows a DML statement on a learner table writes, or None when they
    cannot be told from the statement."""
    statement = state.statement
    name = statement.table.name
    column, via = OWNERS[name]
    if state.is_insert:
        rows = state.parameters or getattr(statement, "_multi_values", None) or []
        rows = rows if isinstance(rows, list | tuple) else [rows]
        keys = {row.get(column) for row in rows if isinstance(row, dict)}
        if not rows or None in keys or not keys:
            return None
        return _owner_ids(name, keys)
    where = statement.whereclause
    if where is None:
        return None
    rows = sa.select(statement.table.c[column]).where(where)
    if via is None:
        return rows
    parent = _table(via)
    return sa.select(parent.c.user_id).where(parent.c.id.in_(rows))


def listen() -> None:
    """Change the owners' tokens on every session write to a learner table (once per
    process)."""
    if getattr(Session, "_elearn_learners_listening", False):
        return
    Session._elearn_learners_listening = True

    @event.listens_for(Session, "before_flush")
    def _account_changed(session, _context, _instances):
        for obj in session.dirty:
            if getattr(getattr(obj, "__table__", None), "name", None) == "users" \
                    and session.is_modified(obj, include_collections=False) \
                    and not sa.inspect(obj).attrs.state_token.history.has_changes():
                obj.state_token = new_state_token()

    @event.listens_for(Session, "after_flush")
    def _rows_written(session, _context):
        written = _row_keys(itertools.chain(session.new, session.dirty, session.deleted))
        for name, keys in written.items():
            _add_owners(session, _owner_ids(name, keys))

    # a rolled-back transaction may leave owners behind: they get a new token at the next
    # commit, which costs a page rebuild, never a stale page
    event.listen(Session, "before_commit", _bump_pending)

    @event.listens_for(Session, "do_orm_execute")
    def _statement_writes(state):
        if not (state.is_insert or state.is_update or state.is_delete):
            return
        name = getattr(getattr(state.statement, "table", None), "name", None)
        if name not in OWNERS and name != "users":
            return
        if name == "users":
            # new accounts have no page yet; an UPDATE of tokens is this module's own
            if state.is_insert or "state_token" in _value_names(state.statement):
                return
            bump_content_version(state.session.connection(), LEARNERS)
            note_written()
            return
        owners = _statement_owners(state)
        if owners is None:
            bump_content_version(state.session.connection(), LEARNERS)
            note_written()
        else:
            # an INSERT's owners exist already; an UPDATE's or DELETE's rows are read before
            # the statement changes or removes them
            _add_owners(state.session, owners)


def _value_names(statement) -> set[str]:
    values = getattr(statement, "_values", None) or {}
    return {getattr(key, "key", key) for key in values}


# --- the pages ------------------------------------------------------------------------------

def valid_until(*moments: datetime | None) -> None:
    """Called while a cacheable page renders: what it shows changes at the earliest of
    ``moments`` (UTC; None: never), so a stored copy must not be served from then on."""
    known = [moment for moment in moments if moment is not None]
    state = _request_state()
    current = state.get("valid_until")
    if known and (current is None or min(known) < current):
        state["valid_until"] = min(known)


def _key(args: frozenset[str]) -> str | None:
    """The page's key, or None when this request must not use the cache."""
    if not current_app.config["PAGE_CACHE"] or request.method != "GET" or "_flashes" in session:
        return None
    if any(name not in args or len(value) > MAX_ARG_LENGTH
           for name, value in request.args.items(multi=True)):
        return None
    user = current_user
    if not user.is_authenticated or user.role.value != "learner":
        return None
    return cache_key("page", request.full_path, str(get_locale()), user.id, user.state_token,
                     content_version(), learners_version())


def _hit(entry) -> Response | None:
    body, headers, until = entry
    if until is not None and utcnow() >= until:
        return None
    if _CSRF_HOLE in body:
        body = body.replace(_CSRF_HOLE, generate_csrf())
    return Response(body, headers=headers)


def _store(key: str, response: Response) -> None:
    if (response.status_code != 200 or response.mimetype != "text/html"
            or response.is_streamed or _request_state().get(_WRITTEN)):
        return
    body = response.get_data(as_text=True)
    token = g.get("csrf_token")  # Flask-WTF's token of this request, when the page has forms
    if token:
        body = body.replace(token, _CSRF_HOLE)
    headers = [(k, v) for k, v in response.headers.items()
               if k.lower() not in ("content-length", "set-cookie", "etag")]
    until = _request_state().get("valid_until")
    timeout = MAX_AGE
    if until is not None:
        timeout = max(1, min(MAX_AGE, int((until - utcnow()).total_seconds()) + 1))
    cache_set(key, (body, headers, until), timeout=timeout)


def personal_page(args: frozenset[str] = frozenset()):
    """Decorator: serve a learner's GET page from the cache while nothing it shows has
    changed. Only URLs whose query has no argument but ``args``, each value at most
    :data:`MAX_ARG_LENGTH` characters, are kept (made-up URLs cannot fill the cache)."""
    def decorate(view):
        @functools.wraps(view)
        def cached_view(*view_args, **kwargs):
            key = _key(args)
            if key is None:
                return view(*view_args, **kwargs)
            entry = cache_get(key)
            response = _hit(entry) if entry is not None else None
            if response is not None:
                return response
            response = make_response(view(*view_args, **kwargs))
            _store(key, response)
            return response
        return cached_view
    return decorate
