"""What a learner and a course see of quizzes: the attempt that counts, summaries, whether the
right answers show, the course's quiz rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from elearn.extensions import db
from elearn.quizzes.models import (
    AttemptStatus,
    Quiz,
    QuizAttempt,
    ReviewPolicy,
    ScorePolicy,
)
from elearn.quizzes.services import _HEAVY, counted_attempts


def counting_attempt(quiz: Quiz, attempts: list[QuizAttempt]) -> QuizAttempt | None:
    graded = [a for a in attempts if a.status is AttemptStatus.submitted]
    if not graded:
        return None
    if quiz.score_policy is ScorePolicy.last:
        return graded[-1]
    return max(graded, key=lambda a: (a.percent or 0, -a.number))


@dataclass
class Summary:
    used: int
    left: int | None  # None: unlimited
    best: float | None
    counting: float | None
    passed: bool
    open_attempt: QuizAttempt | None
    history: list = field(default_factory=list)


def summary(quiz: Quiz, attempts: list[QuizAttempt], user_id: int | None = None) -> Summary:
    """The learner's standing at a quiz; ``user_id`` lets a due renewal reopen attempts."""
    graded = [a for a in attempts if a.status is AttemptStatus.submitted]
    counting = counting_attempt(quiz, attempts)
    best = max((a.percent or 0 for a in graded), default=None)
    passed = bool(counting and counting.passed) if quiz.score_policy is ScorePolicy.last else any(
        a.passed for a in graded)
    open_attempt = next((a for a in attempts if a.status is AttemptStatus.in_progress), None)
    counted = attempts if user_id is None else counted_attempts(quiz, attempts, user_id)
    left = None if not quiz.max_attempts else max(0, quiz.max_attempts - len(counted))
    return Summary(len(attempts), left, best, counting.percent if counting else None, passed,
                   open_attempt, attempts)


def shows_correct_answers(quiz: Quiz, attempt: QuizAttempt, passed_quiz: bool) -> bool:
    """The review policy: may this result page show the right answers?"""
    if attempt.status is not AttemptStatus.submitted:
        return False
    if quiz.review_policy is ReviewPolicy.correct_answers:
        return True
    if quiz.review_policy is ReviewPolicy.correct_once_passed:
        return passed_quiz
    return False


def course_quiz_rows(course_id: int, user_id: int | None) -> list[dict]:
    """The course's quizzes with the user's status; two queries whatever the size."""
    quizzes = list(db.session.scalars(
        sa.select(Quiz).where(Quiz.course_id == course_id, Quiz.archived_at.is_(None))
        .order_by(Quiz.position, Quiz.id)
    ))
    by_quiz: dict[int, list[QuizAttempt]] = {q.id: [] for q in quizzes}
    if user_id is not None and quizzes:
        for attempt in db.session.scalars(
            sa.select(QuizAttempt)
            .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
            .where(Quiz.course_id == course_id, QuizAttempt.user_id == user_id)
            .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
            .options(*_HEAVY)
        ):
            by_quiz.setdefault(attempt.quiz_id, []).append(attempt)
    return [{"quiz": quiz, "summary": summary(quiz, by_quiz[quiz.id], user_id)}
            for quiz in quizzes]
