"""Enrolment and completion logic, shared by the reader, quizzes and webinars.

A course is complete when every (non-archived) module is done, every (non-archived) quiz is
passed and, where the course says so, a webinar of the course was attended. Completion issues
exactly one certificate, at once. Call ``recompute_progress(enrolment)`` after anything that may
change it (module done, quiz graded, attendance recorded, content synced).
"""

from __future__ import annotations

import sqlalchemy as sa

from elearn.courses.models import Course, Module
from elearn.db_types import utcnow
from elearn.enrolments.models import Enrolment, EnrolmentSource, EnrolmentStatus, ModuleProgress
from elearn.extensions import db


def get_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def active_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The enrolment that lets a user study a course (active or completed), or None."""
    enrolment = get_enrolment(user_id, course_id)
    if enrolment is None or enrolment.status is EnrolmentStatus.withdrawn:
        return None
    return enrolment


def enrol(user, course: Course, source: EnrolmentSource = EnrolmentSource.self) -> Enrolment:
    """Enrol ``user`` (or re-activate a withdrawn enrolment, keeping its progress).

    Access rules (audience, requests) are checked by the caller; the database's unique
    constraint keeps one enrolment per user and course.
    """
    enrolment = get_enrolment(user.id, course.id)
    if enrolment is None:
        enrolment = Enrolment(user_id=user.id, course_id=course.id, source=source)
        db.session.add(enrolment)
        db.session.flush()
    elif enrolment.status is EnrolmentStatus.withdrawn:
        enrolment.status = EnrolmentStatus.active
    recompute_progress(enrolment)
    return enrolment


def mark_module_done(enrolment: Enrolment, module: Module) -> ModuleProgress:
    """Record the module as done in this enrolment (idempotent) and recompute completion."""
    if module.course_id != enrolment.course_id:
        raise ValueError("module of another course")
    progress = db.session.scalar(
        sa.select(ModuleProgress).where(
            ModuleProgress.enrolment_id == enrolment.id, ModuleProgress.module_id == module.id
        )
    )
    if progress is None:
        progress = ModuleProgress(enrolment_id=enrolment.id, module_id=module.id)
        db.session.add(progress)
        db.session.flush()
    recompute_progress(enrolment)
    return progress


def done_module_ids(enrolment_id: int) -> set[int]:
    return set(db.session.scalars(
        sa.select(ModuleProgress.module_id).where(ModuleProgress.enrolment_id == enrolment_id)
    ))


def passed_quiz_ids(user_id: int, course_id: int) -> set[int]:
    """Quizzes of the course the user has passed, by each quiz's score policy."""
    from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt, ScorePolicy

    rows = db.session.execute(
        sa.select(QuizAttempt.quiz_id, QuizAttempt.number, QuizAttempt.passed, Quiz.score_policy)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(
            Quiz.course_id == course_id,
            QuizAttempt.user_id == user_id,
            QuizAttempt.status == AttemptStatus.submitted,
        )
        .order_by(QuizAttempt.quiz_id, QuizAttempt.number)
    ).all()
    passed: set[int] = set()
    last: dict[int, bool] = {}
    for quiz_id, _number, did_pass, policy in rows:
        if policy is ScorePolicy.highest and did_pass:
            passed.add(quiz_id)
        last[quiz_id] = bool(did_pass)
    for quiz_id, _number, _did_pass, policy in rows:
        if policy is ScorePolicy.last and last[quiz_id]:
            passed.add(quiz_id)
    return passed


def attended_course_webinar(user_id: int, course_id: int) -> bool:
    from elearn.webinars.models import Registration, Webinar

    return db.session.scalar(
        sa.select(sa.func.count(Registration.id))
        .join(Webinar, Webinar.id == Registration.webinar_id)
        .where(Registration.user_id == user_id, Registration.attended.is_(True),
               Webinar.course_id == course_id)
    ) > 0


def completion_parts(enrolment: Enrolment) -> tuple[int, int]:
    """(parts done, parts required) for the enrolment's course."""
    from elearn.quizzes.models import Quiz

    course_id = enrolment.course_id
    module_ids = set(db.session.scalars(
        sa.select(Module.id).where(Module.course_id == course_id, Module.archived_at.is_(None))
    ))
    quiz_ids = set(db.session.scalars(
        sa.select(Quiz.id).where(Quiz.course_id == course_id, Quiz.archived_at.is_(None))
    ))
    required = len(module_ids) + len(quiz_ids)
    done = len(done_module_ids(enrolment.id) & module_ids)
    done += len(passed_quiz_ids(enrolment.user_id, course_id) & quiz_ids)
    course = db.session.get(Course, course_id)
    if course.webinar_required:
        required += 1
        done += attended_course_webinar(enrolment.user_id, course_id)
    return done, required


def recompute_progress(enrolment: Enrolment) -> bool:
    """Update progress; complete the enrolment and issue its certificate when everything is done.

    A completed enrolment stays completed (content added later does not take a certificate
    away). Returns True when this call completed the enrolment.
    """
    done, required = completion_parts(enrolment)
    enrolment.progress_percent = 100 if required == 0 else int(100 * done / required)
    if enrolment.status is EnrolmentStatus.completed:
        return False
    if required and done >= required and enrolment.status is EnrolmentStatus.active:
        enrolment.status = EnrolmentStatus.completed
        enrolment.completed_at = utcnow()
        db.session.flush()
        from elearn.certificates.services import issue_certificate

        issue_certificate(enrolment)
        return True
    db.session.flush()
    return False
