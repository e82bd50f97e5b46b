"""`flask mail deliver|retry` and `flask worker` (the job queue's consumer)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from elearn.database import transactional
from elearn.outbox.delivery import deliver_all
from elearn.outbox.services import retry as retry_failed
from elearn.tasks import huey

mail_cli = AppGroup("mail", help="The mail outbox.")


@mail_cli.command("deliver")
def deliver():
    """Deliver every due message now (what the worker does every minute)."""
    result = deliver_all()
    click.echo(f"sent: {result.sent}, to retry: {result.retried}, failed: {result.failed}")


@mail_cli.command("retry")
@transactional
def retry():
    """Queue every failed message again."""
    count = retry_failed()
    click.echo(f"queued again: {count}")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
@click.option("--no-periodic", is_flag=True, help="Do not run the periodic jobs.")
def worker(workers, no_periodic):
    """Run a worker of the job queue (mail delivery, webinar reminders), until stopped."""
    click.echo(f"worker: {type(huey).__name__}, {workers} threads")
    consumer = huey.create_consumer(workers=workers, periodic=not no_periodic,
                                    worker_type="thread", check_worker_health=True)
    consumer.run()


commands = [mail_cli, worker]
