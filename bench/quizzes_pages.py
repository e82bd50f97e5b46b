"""Quiz pages against a one-query baseline, measured in the same run (run by hand).

    .venv/bin/python bench/quizzes_pages.py [attempts]

Builds a throwaway SQLite database with a course, a 6-question quiz and a learner with
`attempts` graded attempts (default 3, as the bundled quizzes allow; other learners' attempts are added for the analysis),
then times the quiz overview, the attempt page, the result page and the trainer's item
analysis through the WSGI test client, and prints each one's requests/s and its ratio to a
route doing one trivial query. The target (DESIGN.md) is a ratio of at least 0.5.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from elearn import create_app
from elearn.extensions import db


def timed(client, path: str, seconds: float = 2.0) -> float:
    client.get(path)
    count = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        count += 1
    return count / (time.perf_counter() - start)


def main(attempts: int = 50) -> None:
    folder = tempfile.mkdtemp()
    app = create_app({
        "TESTING": True, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
        "RATELIMIT_STORAGE_URI": "memory://",
    })

    @app.get("/bench-baseline")
    def baseline():
        return {"one": db.session.execute(sa.text("SELECT 1")).scalar()}

    with app.app_context():
        from flask_migrate import upgrade

        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
        from elearn.accounts.models import Role
        from elearn.quizzes import services
        from elearn.reference.services import load_reference_data
        from tests import factories

        load_reference_data()
        db.session.commit()
        trainer = factories.make_user(email="t@example.org", role=Role.trainer)
        course = factories.make_course(slug="esm", owner=trainer, modules=0)
        quiz = factories.make_quiz(course)
        learner = factories.make_user(email="l@example.org")
        factories.enrol(learner, course)
        others = [factories.make_user() for _ in range(5)]
        for user in [learner, *others]:
            if user is not learner:
                factories.enrol(user, course)
            quiz.max_attempts = 0
            for _ in range(attempts if user is learner else 40):
                attempt = services.start_attempt(quiz, user)
                services.submit_attempt(quiz, attempt, {})
        open_attempt = services.start_attempt(quiz, learner)
        db.session.commit()
        last = db.session.scalar(sa.select(services.QuizAttempt.id).where(
            services.QuizAttempt.user_id == learner.id, services.QuizAttempt.status == "submitted")
            .order_by(services.QuizAttempt.id.desc()).limit(1))
        ids = (open_attempt.id, last, learner.session_token, trainer.session_token)
        db.session.remove()

    open_id, last_id, learner_token, trainer_token = ids

    def login_client(client, token):
        with client.session_transaction() as session:
            session["_user_id"] = token
            session["_fresh"] = True

    base = "/courses/esm/quizzes/basics"
    learner_client = app.test_client()
    trainer_client = app.test_client()
    login_client(learner_client, learner_token)
    login_client(trainer_client, trainer_token)
    reference = timed(learner_client, "/bench-baseline")
    print(f"{'baseline (one query, JSON)':32s} {reference:8.1f} req/s")
    if True:
        for label, client, path in [
            ("home page (shell template)", learner_client, "/"),
            ("quiz overview", learner_client, base),
            ("attempt page", learner_client, f"{base}/attempts/{open_id}"),
            ("result page", learner_client, f"{base}/attempts/{last_id}/result"),
            (f"item analysis ({attempts + 200} attempts)", trainer_client,
             "/trainer/courses/esm/quizzes/basics/analysis"),
        ]:
            rate = timed(client, path)
            print(f"{label:32s} {rate:8.1f} req/s  ratio {rate / reference:.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
