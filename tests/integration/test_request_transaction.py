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


def test_no_service_commits():
    """Services flush; only the request (and jobs, commands) commit."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "elearn"
    offenders = [str(path.relative_to(root)) for path in root.glob("*/services.py")
                 if "session.commit(" in path.read_text()]
    assert offenders == []
