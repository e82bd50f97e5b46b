"""`flask webinars ...`: reminders (for cron) and feed maintenance."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from elearn.database import retrying, transactional
from elearn.webinars.feeds import refresh_stale
from elearn.webinars.reminders import send_reminders

webinars_cli = AppGroup("webinars", help="Webinars: reminders and calendar feeds.")


@webinars_cli.command("remind")
def remind():
    """Email registrants 24 h and 1 h before each session (run every 5-15 minutes from cron)."""
    sent = retrying(send_reminders)
    click.echo(f"reminders sent: {sent}")


@webinars_cli.command("refresh-ics")
@transactional
@click.option("--all", "everything", is_flag=True,
              help="Rebuild every webinar, not only stale ones (e.g. after renaming organisers).")
def refresh_ics(everything):
    """Rebuild the stored iCalendar text of webinars (after changing ELEARN_BASE_URL)."""
    count = refresh_stale(everything)
    click.echo(f"webinars refreshed: {count}")


commands = [webinars_cli]
