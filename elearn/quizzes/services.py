"""Quiz attempts: start, save, submit, grade, review policy, learner summaries, item analysis.

No request objects here. Views commit once per request; functions here flush.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from elearn.caching import cache_key, cached, content_version
from elearn.certificates import renewal
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.enrolments.models import EnrolmentStatus
from elearn.enrolments.services import active_enrolment
from elearn.extensions import db
from elearn.permissions import can_study
from elearn.quizzes.models import (
    AttemptStatus,
    Question,
    Quiz,
    QuizAttempt,
)
from elearn.quizzes.translations import grading_data
from elearn.quizzes.types import question_type
from elearn.signals import attempt_graded, final_assessment_passed_again

#: a submit or save this long after the deadline still counts (slow links)
GRACE = timedelta(seconds=30)


class QuizRefused(Exception):
    """An action the quiz's rules forbid; the message is shown to the learner."""


# --- access ---------------------------------------------------------------------------------

def access(user, course):
    """(allowed, enrolment): enrolled learners, the course's trainers and admins may take quizzes."""
    if not getattr(user, "is_authenticated", False):
        return False, None
    enrolment = active_enrolment(user.id, course.id)
    return can_study(user, course, enrolment), enrolment


def find_quiz(course_id: int, quiz_slug: str) -> Quiz | None:
    return db.session.scalar(sa.select(Quiz).where(
        Quiz.course_id == course_id, Quiz.slug == quiz_slug, Quiz.archived_at.is_(None)))


# --- attempts -------------------------------------------------------------------------------

#: the JSON columns an attempt list does not need (loaded on access when it does)
_HEAVY = (defer(QuizAttempt.layout), defer(QuizAttempt.answers), defer(QuizAttempt.results))


def user_attempts(quiz_id: int, user_id: int) -> list[QuizAttempt]:
    return list(db.session.scalars(
        sa.select(QuizAttempt)
        .where(QuizAttempt.quiz_id == quiz_id, QuizAttempt.user_id == user_id)
        .order_by(QuizAttempt.number)
        .options(*_HEAVY)
    ))


def question_count(quiz_id: int) -> int:
    """The quiz's live questions (cached by content version: questions are course content)."""
    return cached(cache_key("question-count", content_version(), quiz_id),
                  lambda: db.session.scalar(sa.select(sa.func.count(Question.id)).where(
                      Question.quiz_id == quiz_id, Question.archived_at.is_(None))))


def attempt_token(attempt: QuizAttempt) -> str:
    """A per-attempt anti-forgery token that stays valid for the whole attempt.

    The save and submit forms carry it instead of the session CSRF token, so a long attempt
    never fails on an expired token: only this user's pages can know it.
    """
    secret = current_app.config["SECRET_KEY"].encode()
    message = f"quiz-attempt:{attempt.id}:{attempt.user_id}:{attempt.started_at.isoformat()}"
    return hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()


def valid_attempt_token(attempt: QuizAttempt, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(attempt_token(attempt), str(token))


def expires_at(attempt: QuizAttempt) -> datetime | None:
    """When a timed attempt stops taking answers (its deadline and the grace), or None."""
    return attempt.deadline_at + GRACE if attempt.deadline_at is not None else None


def is_expired(attempt: QuizAttempt, now: datetime | None = None) -> bool:
    end = expires_at(attempt)
    return end is not None and (now or utcnow()) > end


def attempt_questions(attempt: QuizAttempt) -> list[Question]:
    """The attempt's questions in the order it showed them (archived rows included)."""
    ids = attempt.layout.get("questions", [])
    rows = {q.id: q for q in db.session.scalars(sa.select(Question).where(Question.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def make_layout(quiz: Quiz, questions: list[Question], rng: random.Random) -> dict:
    """Question order, random draw and choice orders of a new attempt."""
    chosen = list(questions)
    if quiz.draw_count and quiz.draw_count < len(chosen):
        chosen = sorted(rng.sample(chosen, quiz.draw_count), key=lambda q: q.position)
    if quiz.shuffle_questions:
        rng.shuffle(chosen)
    choices = {}
    for question in chosen:
        count = question_type(question.kind).choice_count(question.data)
        if count:
            order = list(range(count))
            if quiz.shuffle_choices:
                rng.shuffle(order)
            choices[str(question.id)] = order
    return {"questions": [q.id for q in chosen], "choices": choices}


# --- time allowed (WCAG 2.2.1 Timing Adjustable) ----------------------------------------------

#: the allowances a trainer can grant, in percent of a quiz's time limit; 0 turns the limit off
TIME_PERCENT_CHOICES = (100, 125, 150, 200, 300, 1000, 0)


def time_percent(course, enrolment=None) -> int:
    """The learner's time on timed quizzes in percent of the limit (0: no limit): their own
    allowance when a trainer set one, else the course's default."""
    if enrolment is not None and enrolment.quiz_time_percent is not None:
        return enrolment.quiz_time_percent
    return course.quiz_time_percent if course.quiz_time_percent is not None else 100


def allowed_minutes(quiz: Quiz, percent: int) -> float | None:
    """Minutes a learner with ``percent`` allowance has for ``quiz``; None when untimed."""
    if not quiz.time_limit_minutes or percent == 0:
        return None
    return quiz.time_limit_minutes * percent / 100


def set_time_percent(course, percent: int, enrolment=None) -> None:
    """Set the course's default allowance, or one learner's (None: back to the default)."""
    if percent is not None and percent not in TIME_PERCENT_CHOICES:
        raise QuizRefused(_("Choose one of the offered time allowances."))
    if enrolment is None:
        course.quiz_time_percent = 100 if percent is None else percent
    else:
        enrolment.quiz_time_percent = percent
    db.session.flush()


def start_attempt(quiz: Quiz, user, rng: random.Random | None = None) -> QuizAttempt:
    """Resume the open attempt or start a new one; QuizRefused past the attempt limit."""
    attempts = user_attempts(quiz.id, user.id)
    finish_expired(quiz, attempts)
    for attempt in attempts:
        if attempt.status is AttemptStatus.in_progress:
            return attempt
    if quiz.max_attempts and len(counted_attempts(quiz, attempts, user.id)) >= quiz.max_attempts:
        raise QuizRefused(ngettext("You have used your only attempt at this quiz.",
                                     "You have used all %(num)s attempts at this quiz.",
                                     quiz.max_attempts))
    questions = list(db.session.scalars(
        sa.select(Question).where(Question.quiz_id == quiz.id, Question.archived_at.is_(None))
        .order_by(Question.position)
    ))
    if not questions:
        raise QuizRefused(_("This quiz has no questions yet."))
    minutes = allowed_minutes(quiz, time_percent(
        db.session.get(Course, quiz.course_id), active_enrolment(user.id, quiz.course_id)))
    now = utcnow()
    attempt = QuizAttempt(
        quiz_id=quiz.id, user_id=user.id,
        number=(attempts[-1].number + 1) if attempts else 1,
        started_at=now,
        deadline_at=now + timedelta(minutes=minutes) if minutes else None,
        layout=make_layout(quiz, questions, rng or random.SystemRandom()),
        answers={},
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
    except IntegrityError:
        # another request started the same attempt number at the same moment: resume that one
        existing = db.session.scalar(sa.select(QuizAttempt).where(
            QuizAttempt.quiz_id == quiz.id, QuizAttempt.user_id == user.id,
            QuizAttempt.status == AttemptStatus.in_progress))
        if existing is None:
            raise QuizRefused(_("The attempt could not be started. Please try again.")) from None
        return existing
    return attempt


def display_orders(attempt: QuizAttempt, questions: list[Question]) -> dict[str, object]:
    """How the attempt page orders each question's parts, by question id: the layout's choice
    orders, and for types that shuffle on the page (matching items and options) an order drawn
    from a generator seeded by the attempt and question ids: the same on every reload, on save
    and on submit, without storing it."""
    orders = dict(attempt.layout.get("choices", {}))
    for question in questions:
        order = question_type(question.kind).page_order(
            question.data, random.Random(f"attempt {attempt.id} question {question.id}"))
        if order is not None:
            orders[str(question.id)] = order
    return orders


def coerce_answers(attempt: QuizAttempt, questions: list[Question], form: dict[str, list[str]]) -> dict:
    """Stored answers from submitted form values ``q<id>`` (choice positions as shown)."""
    answers = {}
    choice_orders = display_orders(attempt, questions)
    for question in questions:
        raw = form.get(f"q{question.id}", [])
        value = question_type(question.kind).coerce(
            question.data, [str(v) for v in raw][:50], choice_orders.get(str(question.id)))
        if value is not None:
            answers[str(question.id)] = value
    return answers


def save_answers(attempt: QuizAttempt, answers: dict) -> bool:
    """Store the answers of an open attempt (the whole form each time); False when closed."""
    result = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.in_progress)
        .values(answers=answers)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(attempt)
    return result.rowcount == 1


@dataclass
class Graded:
    results: dict
    score: float
    max_score: float
    percent: float
    passed: bool


def grade(quiz: Quiz, questions: list[Question], answers: dict) -> Graded:
    """Grade answers against the questions an attempt showed. Server side only."""
    results = {}
    score = 0.0
    max_score = 0.0
    for question in questions:
        # the source's data, whatever language the learner read (see quizzes.translations)
        result = question_type(question.kind).grade(grading_data(question),
                                                    answers.get(str(question.id)))
        points = float(question.points)
        earned = round(result.fraction * points, 4)
        results[str(question.id)] = {
            "fraction": round(result.fraction, 4), "score": earned, "points": points,
            "feedback_html": result.feedback_html,
        }
        score += earned
        max_score += points
    percent = round(100 * score / max_score, 2) if max_score else 0.0
    return Graded(results, round(score, 4), max_score, percent, percent >= quiz.pass_mark)


def submit_attempt(quiz: Quiz, attempt: QuizAttempt, answers: dict | None,
                   now: datetime | None = None) -> bool:
    """Grade and close an open attempt; True when this call graded it.

    ``answers`` (the submitted form) replaces the saved answers unless the time is up, in
    which case the attempt is graded with what was saved before the deadline. The conditional
    UPDATE makes two simultaneous submits end with one graded attempt.
    """
    now = now or utcnow()
    if answers is None or is_expired(attempt, now):
        db.session.refresh(attempt)
        answers = dict(attempt.answers or {})
    graded = grade(quiz, attempt_questions(attempt), answers)
    result = db.session.execute(
        sa.update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.status == AttemptStatus.in_progress)
        .values(
            status=AttemptStatus.submitted, submitted_at=now, answers=answers,
            results=graded.results, score=graded.score, max_score=graded.max_score,
            percent=graded.percent, passed=graded.passed,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(attempt)
    if result.rowcount != 1:
        return False
    _recompute(quiz, attempt.user_id, graded.passed, now)
    return True


def counted_attempts(quiz: Quiz, attempts: list[QuizAttempt], user_id: int
                     ) -> list[QuizAttempt]:
    """The attempts that count against the limit: all of them, except at the final assessment
    of a course whose certificate is due for renewal, where only those started since the
    certificate's current validity began count (a renewal gives a fresh set of attempts).
    Queries only when the limit is reached."""
    if not quiz.max_attempts or len(attempts) < quiz.max_attempts:
        return attempts
    if quiz.id != final_quiz_id(quiz.course_id):
        return attempts
    since = renewal.renewal_attempts_since(user_id, quiz.course_id)
    if since is None:
        return attempts
    return [a for a in attempts if a.started_at >= since]


def final_quiz_id(course_id: int) -> int | None:
    """The course's final assessment: its last quiz in course order."""
    return db.session.scalar(
        sa.select(Quiz.id).where(Quiz.course_id == course_id, Quiz.archived_at.is_(None))
        .order_by(Quiz.position.desc(), Quiz.id.desc()).limit(1))


def _recompute(quiz: Quiz, user_id: int, passed: bool = False,
               now: datetime | None = None) -> None:
    enrolment = active_enrolment(user_id, quiz.course_id)
    if enrolment is not None:
        completed_before = enrolment.status is EnrolmentStatus.completed
        attempt_graded.send(quiz, enrolment=enrolment)
        if passed and completed_before and quiz.id == final_quiz_id(quiz.course_id):
            # passing the final assessment again renews an expiring or expired certificate
            final_assessment_passed_again.send(quiz, user_id=user_id, now=now)


def finish_expired(quiz: Quiz, attempts: list[QuizAttempt], now: datetime | None = None) -> None:
    """Grade open attempts whose time is up, with the answers saved before the deadline."""
    now = now or utcnow()
    for attempt in attempts:
        if attempt.status is AttemptStatus.in_progress and is_expired(attempt, now):
            submit_attempt(quiz, attempt, None, now)
