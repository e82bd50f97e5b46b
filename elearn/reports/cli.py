"""`flask reports ...`: maintenance of the report rollups."""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

from elearn.database import transactional
from elearn.extensions import db
from elearn.reports import rollups

reports_cli = AppGroup("reports", help="Reports: the rollups behind the dashboards.")


@reports_cli.command("rebuild")
@transactional
def rebuild():
    """Recompute every report rollup from the enrolments, attempts, registrations and
    certificates (after a restore, raw SQL changes, or upgrading to the rollups)."""
    start = time.perf_counter()
    count = rollups.rebuild(db.session.connection())
    click.echo(f"rollups rebuilt from {count} enrolments in {time.perf_counter() - start:.1f} s")


commands = [reports_cli]
