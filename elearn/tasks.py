"""The job queue (huey): the worker's periodic jobs and the wake-up after a commit.

Embedded by default: a SQLite file in instance/ (``ELEARN_QUEUE_PATH``), no server needed.
With ``ELEARN_REDIS_URL`` the queue lives in Redis, so N workers on several machines share it.
Start workers with ``flask worker`` (``make run`` starts one beside the server).

Jobs never need the queue to be exactly-once: mail delivery claims rows in the database
(``elearn.outbox.delivery``) and reminders are settled by a unique constraint.
"""

from __future__ import annotations

import logging
import os
import threading
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab

from elearn.certificates.renewal import send_expiry_reminders
from elearn.database import retrying, unit_of_work
from elearn.extensions import db
from elearn.outbox.delivery import deliver_all
from elearn.signals import mail_committed
from elearn.webinars.reminders import send_reminders

log = logging.getLogger("elearn.tasks")
ROOT = Path(__file__).resolve().parent.parent


def make_huey():
    url = os.environ.get("ELEARN_REDIS_URL")
    if url:
        return RedisHuey("elearn", url=url)
    path = os.environ.get("ELEARN_QUEUE_PATH") or str(ROOT / "instance" / "queue.sqlite")
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("elearn", filename=path)


huey = make_huey()
_worker_app: Flask | None = None
_worker_app_lock = threading.Lock()


def app_context():
    """The current app's context, or (in a worker process) one of an app made once."""
    global _worker_app
    if has_app_context():
        return nullcontext()
    with _worker_app_lock:  # the consumer's threads start their first jobs together
        if _worker_app is None:
            from elearn import create_app

            _worker_app = create_app()
    return _worker_app.app_context()


def _deliver() -> int:
    with app_context():
        try:
            result = deliver_all()
        finally:
            db.session.remove()
    if result.claimed:
        log.info("mail: %s sent, %s to retry, %s failed", result.sent, result.retried,
                 result.failed)
    return result.sent


@huey.task()
def deliver_now() -> int:
    """Deliver what is due now (enqueued after a commit that queued mail)."""
    return _deliver()


@huey.periodic_task(crontab(minute="*"))
def deliver_outbox() -> int:
    """Every minute: retries that came due, and anything a wake-up missed."""
    return _deliver()


@huey.periodic_task(crontab(minute="*/5"))
def webinar_reminders() -> int:
    """Every five minutes: queue the due 24-hour and 1-hour webinar reminders."""
    with app_context():
        try:
            return retrying(send_reminders)
        finally:
            db.session.remove()


@huey.periodic_task(crontab(hour="6", minute="0"))
def certificate_expiry_reminders() -> int:
    """Every day at 06:00 UTC: queue the reminders of certificates about to expire."""
    with app_context():
        try:
            with unit_of_work():
                return send_expiry_reminders()
        finally:
            db.session.remove()


@mail_committed.connect
def kick(_session=None, **_extra) -> None:
    """Wake a worker to deliver mail that was just committed (never fails the caller)."""
    if not current_app.config.get("QUEUE_KICK", True):
        return
    try:
        deliver_now()
    except Exception:  # the periodic job delivers it within a minute anyway
        log.exception("could not enqueue mail delivery")


def init_app(app: Flask) -> None:
    app.config.setdefault("QUEUE_KICK", app.config["ENV"] != "testing")
    app.extensions["huey"] = huey
