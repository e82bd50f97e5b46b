"""Two simultaneous submits of the same attempt end with one graded attempt.

Each thread uses its own database connection and transaction (as two gunicorn workers would);
a barrier makes both read the open attempt before either writes. Runs on SQLite and, with
ELEARN_TEST_DATABASE_URL set, on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from elearn.extensions import db
from elearn.quizzes import services
from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt
from tests import factories

pytestmark = pytest.mark.real_commits  # each thread has its own connection


def test_two_simultaneous_submits_grade_once(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    factories.enrol(learner, course)
    attempt = services.start_attempt(quiz, learner)
    db.session.commit()
    attempt_id, quiz_id = attempt.id, quiz.id
    questions = services.attempt_questions(attempt)
    first = questions[0]
    right = {str(first.id): next(i for i, c in enumerate(first.data["choices"]) if c["credit"] == 100)}
    wrong = {str(first.id): next(i for i, c in enumerate(first.data["choices"]) if c["credit"] == 0)}
    db.session.remove()

    barrier = threading.Barrier(2, timeout=20)
    outcomes: dict[str, object] = {}

    def submit(name: str, answers: dict) -> None:
        # a new app context has its own db.session, on its own connection
        with app.app_context():
            session = db.session
            try:
                quiz_row = session.get(Quiz, quiz_id)
                attempt_row = session.get(QuizAttempt, attempt_id)
                assert attempt_row.status is AttemptStatus.in_progress
                services.attempt_questions(attempt_row)
                barrier.wait()  # both have read the open attempt
                outcomes[name] = services.submit_attempt(quiz_row, attempt_row, answers)
                session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                session.rollback()
                outcomes[name] = error
            finally:
                session.close()

    threads = [threading.Thread(target=submit, args=("a", right)),
               threading.Thread(target=submit, args=("b", wrong))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(map(repr, outcomes.values())) == ["False", "True"], outcomes
    rows = db.session.scalars(sa.select(QuizAttempt)).all()
    assert len(rows) == 1
    graded = rows[0]
    assert graded.status is AttemptStatus.submitted
    winner = "a" if outcomes["a"] is True else "b"
    expected = right if winner == "a" else wrong
    assert graded.answers == expected  # the graded answers are the winner's, whole


def test_two_simultaneous_starts_make_one_attempt(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    factories.enrol(learner, course)
    quiz_id, user_id = quiz.id, learner.id
    db.session.remove()
    barrier = threading.Barrier(2, timeout=20)
    results: list = []

    def start() -> None:
        from elearn.accounts.models import User

        with app.app_context():
            session = db.session
            try:
                quiz_row = session.get(Quiz, quiz_id)
                user = session.get(User, user_id)
                services.user_attempts(quiz_id, user_id)
                barrier.wait()
                results.append(services.start_attempt(quiz_row, user).number)
                session.commit()
            except Exception as error:  # noqa: BLE001
                session.rollback()
                results.append(error)
            finally:
                session.close()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 1, results
