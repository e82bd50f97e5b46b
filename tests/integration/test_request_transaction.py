"""One commit per request, in one place (elearn.database.init_request_transaction)."""

import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.extensions import db


def test_a_successful_request_commits_what_the_view_flushed(learner_client, learner):
    response = learner_client.post("/language", data={"locale": "fr"})
    assert response.status_code == 302
    db.session.rollback()  # anything not committed by the request would vanish here
    assert db.session.scalar(sa.select(User.locale).where(User.id == learner.id)) == "fr"


def test_an_error_response_commits_nothing(app, learner_client, learner):
    learner.name = "Changed but never committed"
    db.session.flush()
    response = learner_client.get("/no-such-page")
    assert response.status_code == 404
    db.session.rollback()
    assert db.session.scalar(sa.select(User.name).where(User.id == learner.id)) != (
        "Changed but never committed")


# the only modules that may commit: the units of work (request hook, @transactional for CLI
# commands, unit_of_work/retrying for jobs) and mail delivery, which commits per message by
# design (see its docstring)
COMMIT_PLACES = {"database.py", "outbox/delivery.py"}


def test_nothing_commits_outside_the_units_of_work():
    """Views, services, commands and jobs flush; only elearn.database (and mail delivery)
    commit. Any ``.commit(`` call elsewhere in the package fails this test."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "elearn"
    call = re.compile(r"\.commit\s*\(")
    offenders = [
        f"{path.relative_to(root).as_posix()}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path.relative_to(root).as_posix() not in COMMIT_PLACES
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if call.search(line.split("#", 1)[0])
    ]
    assert offenders == []


def test_a_cli_command_commits_on_success_and_rolls_back_on_failure(app):
    import click

    from elearn.database import transactional

    @click.command()
    @click.option("--fail", is_flag=True)
    @transactional
    def rename(fail):
        user = db.session.scalar(sa.select(User).where(User.email == "cli@example.org"))
        user.name = "Renamed"
        db.session.flush()
        if fail:
            raise click.ClickException("refused")

    from tests import factories

    factories.make_user(email="cli@example.org", name="Before")
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(rename, ["--fail"]).exit_code == 1
    assert db.session.scalar(sa.select(User.name).where(User.email == "cli@example.org")) == (
        "Before")
    assert runner.invoke(rename, []).exit_code == 0
    db.session.rollback()  # only what the command committed is left
    assert db.session.scalar(sa.select(User.name).where(User.email == "cli@example.org")) == (
        "Renamed")
