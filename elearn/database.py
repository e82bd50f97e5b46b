"""Engine set-up (SQLite pragmas for WAL, a busy timeout and foreign keys) and every unit of
work: one commit per request, per command or per job, in one place.

Where ``.commit()`` may appear (tests/integration/test_request_transaction.py checks it): here,
and in ``elearn/outbox/delivery.py``, which commits once per mail by design (see there).
- requests: ``init_request_transaction`` (an after-request hook);
- CLI commands: ``@transactional``;
- jobs: ``with unit_of_work():``, or ``retrying(action)`` when a SQLite lock conflict should
  run the work again.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from elearn.extensions import db
from elearn.signals import mail_committed


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
    worker is woken (``signals.mail_committed``, which the queue receives) so the mail leaves
    within seconds.
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
            mail_committed.send(session)

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


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did; roll it back when the block raises (anything, SystemExit
    included). The one transaction of a job or a command, never used by services."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        raise
    db.session.commit()


def transactional(command):
    """A CLI command's unit of work: commit on success, roll back on an exception or exit.

    Put it directly under ``@group.command(...)`` (above the click options)."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        with unit_of_work():
            return command(*args, **kwargs)

    return run
