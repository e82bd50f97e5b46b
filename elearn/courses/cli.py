"""``flask courses check|sync|link-owners``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from elearn import ROOT
from elearn.courses.files import load_tree
from elearn.courses.sync import link_owners, sync_tree
from elearn.courses.translations import stale_notes
from elearn.database import transactional
from elearn.problems import CourseFilesError
from elearn.quizzes.loader import load_quiz
from elearn.quizzes.translations import stale_notes as quiz_stale_notes

courses_cli = AppGroup("courses", help="Course files: check and import.")

DEFAULT_TREE = ROOT / "courses"


def _tree(path: str | None) -> Path:
    return Path(path) if path else DEFAULT_TREE


@courses_cli.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False))
def check(path):
    """Check the course files under PATH (default: the repository's courses/)."""
    specs, problems = load_tree(_tree(path))
    for problem in problems:
        click.echo(str(problem))
    if problems:
        click.echo(f"{len(problems)} problem(s) found", err=True)
        raise SystemExit(1)
    notes = stale_notes(specs) + quiz_stale_notes(
        specs, lambda spec, ref: load_quiz(spec.directory, ref.entry, ref.rel_file)[0])
    for note in notes:  # out-of-date translations are imported (with a notice), not errors
        click.echo(note)
    modules = sum(len(s.modules) for s in specs)
    quizzes = sum(len(s.quizzes) for s in specs)
    images = sum(len(s.assets) for s in specs)
    translations = sum(len(m.translations) for s in specs for m in s.modules)
    click.echo(f"OK: {len(specs)} courses, {modules} modules, {quizzes} quizzes, "
               f"{images} images, {translations} module translations"
               + (f" ({len(notes)} to update)" if notes else ""))


@courses_cli.command("sync")
@transactional
@click.argument("path", required=False, type=click.Path(file_okay=False))
def sync(path):
    """Import the course files under PATH in one transaction (nothing when any is broken)."""
    try:
        report = sync_tree(_tree(path))
    except CourseFilesError as exc:
        for problem in exc.problems:
            click.echo(str(problem))
        click.echo(f"{len(exc.problems)} problem(s) found; nothing was imported", err=True)
        raise SystemExit(1)  # @transactional rolls back
    for line in report.lines():
        click.echo(line)


@courses_cli.command("link-owners")
@transactional
def link_owners_command():
    """Link courses to their owners' accounts created after the sync."""
    linked = link_owners()
    click.echo(f"owners linked: {', '.join(linked) if linked else 'none'}")


commands = [courses_cli]
