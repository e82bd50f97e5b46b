"""Engine set-up (SQLite pragmas for WAL, a busy timeout and foreign keys) and the request's
transaction: one commit per request, in one place."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from elearn.extensions import db
from elearn.tasks import kick


def configure_engine_events(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        return
    if getattr(engine, "_elearn_configured", False):
        return
    engine._elearn_configured = True

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def init_request_transaction(app) -> None:
    """One commit per request, in one place: after the view returned a response below 400.

    Views and services only flush. An exception or an error status leaves the transaction to
    Flask-SQLAlchemy's teardown, which rolls it back. After a commit that queued mail, the
    worker is woken (``elearn.tasks.kick``) so the mail leaves within seconds.
    """
    from sqlalchemy.orm import Session

    @app.after_request
    def commit_request(response):
        if response.status_code < 400:
            db.session.commit()
        return response

    if getattr(Session, "_elearn_kick_listening", False):
        return
    Session._elearn_kick_listening = True

    @event.listens_for(Session, "after_commit")
    def _mail_committed(session):
        if session.info.pop("elearn_mail_queued", False):
            kick()

    @event.listens_for(Session, "after_rollback")
    def _mail_dropped(session):
        session.info.pop("elearn_mail_queued", None)


def retrying(action, attempts: int = 5):
    """Run ``action()`` in a transaction of its own and commit; on a SQLite lock conflict roll
    back and run it again. A unit-of-work runner for views and jobs, never called by services.

    What is pending is committed first, so the action's transaction starts with its lock
    (on SQLite a transaction that read before another writer committed cannot write).
    """
    db.session.commit()
    for attempt in range(attempts):
        try:
            result = action()
            db.session.commit()
            return result
        except OperationalError as exc:
            db.session.rollback()
            if "locked" not in str(exc).lower() or attempt == attempts - 1:
                raise
    raise RuntimeError("unreachable")
