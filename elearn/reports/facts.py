"""One row per enrolment with everything the report figures need: status flags, days to
complete, best quiz scores, valid certificate, webinar registrations and attendance.

The same SQL feeds the direct one-statement report (``services.report_statement``) and the
rollups' per-enrolment facts (``rollups``), so the two cannot count differently.
"""

from __future__ import annotations

import sqlalchemy as sa

from elearn.enrolments.models import EnrolmentStatus
from elearn.quizzes.models import AttemptStatus
from elearn.reports.scope import (
    Scope,
    _enrolments_join,
    attempts,
    certificates,
    conditions,
    enrolments,
    quizzes,
    registrations,
    trainer_course_ids,
    users,
    webinars,
)
from elearn.webinars.models import RegistrationStatus


def _days_to_complete(dialect: str):
    if dialect == "postgresql":
        return sa.extract("epoch", enrolments.c.completed_at - enrolments.c.enrolled_at) / 86400.0
    return sa.func.julianday(enrolments.c.completed_at) - sa.func.julianday(enrolments.c.enrolled_at)


def _same_enrolment(user_col, course_col):
    """Correlates a subquery with the enrolment (same person, same course) of the outer row."""
    return sa.and_(user_col == enrolments.c.user_id, course_col == enrolments.c.course_id)


def _enrolment_columns(dialect: str) -> list:
    completed = sa.and_(enrolments.c.status == EnrolmentStatus.completed,
                        enrolments.c.completed_at.is_not(None))
    return [
        enrolments.c.user_id, enrolments.c.course_id, users.c.country, users.c.audience_id,
        users.c.centre_id, enrolments.c.enrolled_at,
        sa.case((enrolments.c.status == EnrolmentStatus.active, 1), else_=0).label("active"),
        sa.case((enrolments.c.status == EnrolmentStatus.completed, 1), else_=0)
        .label("completed"),
        sa.case((enrolments.c.status == EnrolmentStatus.withdrawn, 1), else_=0)
        .label("withdrawn"),
        sa.case((completed, _days_to_complete(dialect)), else_=sa.null()).label("days"),
    ]


def _prefilter(scope: Scope, user_col, course_col) -> tuple[list, bool]:
    """Conditions that cut a per-person-and-course aggregate down to the scope early (the join
    to the enrolments applies the full scope); the flag says whether ``users`` must be joined."""
    where = []
    if scope.centre_id is not None:
        where.append(users.c.centre_id == scope.centre_id)
    if scope.user_id is not None:
        where.append(user_col == scope.user_id)
    if scope.trainer_id is not None:
        where.append(course_col.in_(trainer_course_ids(scope.trainer_id)))
    if scope.course_id is not None:
        where.append(course_col == scope.course_id)
    return where, scope.centre_id is not None


def _quiz_per_enrolment(scope: Scope):
    """Per person and course: the sum and number of their best submitted score per quiz."""
    where, join_users = _prefilter(scope, attempts.c.user_id, quizzes.c.course_id)
    source = attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
    if join_users:
        source = source.join(users, users.c.id == attempts.c.user_id)
    best = (
        sa.select(attempts.c.user_id, quizzes.c.course_id,
                  sa.func.max(attempts.c.percent).label("best"))
        .select_from(source)
        .where(*where, attempts.c.status == AttemptStatus.submitted,
               attempts.c.percent.is_not(None))
        .group_by(attempts.c.user_id, quizzes.c.course_id, attempts.c.quiz_id)
        .subquery("best")
    )
    return (
        sa.select(best.c.user_id, best.c.course_id, sa.func.sum(best.c.best).label("total"),
                  sa.func.count().label("n"))
        .group_by(best.c.user_id, best.c.course_id)
        .subquery("quiz")
    )


def _certificates_per_enrolment(scope: Scope):
    where, join_users = _prefilter(scope, certificates.c.user_id, certificates.c.course_id)
    source = certificates
    if join_users:
        source = source.join(users, users.c.id == certificates.c.user_id)
    return (
        sa.select(certificates.c.user_id, certificates.c.course_id)
        .select_from(source)
        .where(*where, certificates.c.revoked_at.is_(None))
        .subquery("cert")
    )


def _registrations_per_enrolment(scope: Scope):
    where, join_users = _prefilter(scope, registrations.c.user_id, webinars.c.course_id)
    source = registrations.join(webinars, webinars.c.id == registrations.c.webinar_id)
    if join_users:
        source = source.join(users, users.c.id == registrations.c.user_id)
    return (
        sa.select(
            registrations.c.user_id, webinars.c.course_id, sa.func.count().label("n"),
            sa.func.sum(sa.case((registrations.c.attended, 1), else_=0)).label("attended"),
        )
        .select_from(source)
        .where(*where, registrations.c.status != RegistrationStatus.cancelled)
        .group_by(registrations.c.user_id, webinars.c.course_id)
        .subquery("reg")
    )


def _facts_joined(scope: Scope, dialect: str, extra: tuple = ()):
    """PostgreSQL: the per-enrolment figures from aggregates joined by hash (a correlated
    subplan per row is slower there than one pass over each table)."""
    quiz = _quiz_per_enrolment(scope)
    cert = _certificates_per_enrolment(scope)
    reg = _registrations_per_enrolment(scope)

    def same(table):
        return sa.and_(table.c.user_id == enrolments.c.user_id,
                       table.c.course_id == enrolments.c.course_id)

    return (
        sa.select(
            *_enrolment_columns(dialect),
            quiz.c.total.label("quiz_total"), quiz.c.n.label("quiz_n"),
            sa.case((cert.c.user_id.is_not(None), 1), else_=0).label("cert"),
            reg.c.n.label("reg_n"), reg.c.attended.label("reg_attended"),
        )
        .select_from(
            _enrolments_join()
            .outerjoin(quiz, same(quiz))
            .outerjoin(cert, same(cert))
            .outerjoin(reg, same(reg))
        )
        .where(*conditions(scope), *extra)
        .cte("facts")
        .prefix_with("MATERIALIZED")
    )


def facts(scope: Scope, dialect: str, extra: tuple = (), joined: bool | None = None):
    """One row per enrolment in scope with everything the figures need (a CTE, read 4 times).

    SQLite: the per-enrolment quiz, certificate and webinar figures are correlated subqueries,
    each an index lookup (see reports.models for the covering indexes). PostgreSQL: hash joins
    of per-person-and-course aggregates (``_facts_joined``).
    """
    if joined if joined is not None else dialect == "postgresql":
        return _facts_joined(scope, dialect, extra)
    submitted = sa.and_(
        _same_enrolment(attempts.c.user_id, quizzes.c.course_id),
        attempts.c.status == AttemptStatus.submitted, attempts.c.percent.is_not(None),
    )
    attempts_of_course = attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
    best_per_quiz = (
        sa.select(sa.func.max(attempts.c.percent).label("best"))
        .select_from(attempts_of_course).where(submitted).group_by(attempts.c.quiz_id)
        .correlate(enrolments).subquery("best")
    )
    quiz_total = sa.select(sa.func.sum(best_per_quiz.c.best)).scalar_subquery()
    quiz_n = (
        sa.select(sa.func.count(sa.distinct(attempts.c.quiz_id)))
        .select_from(attempts_of_course).where(submitted).scalar_subquery()
    )
    has_certificate = sa.exists().where(
        _same_enrolment(certificates.c.user_id, certificates.c.course_id),
        certificates.c.revoked_at.is_(None),
    )
    registered = sa.and_(
        _same_enrolment(registrations.c.user_id, webinars.c.course_id),
        registrations.c.status != RegistrationStatus.cancelled,
    )
    registrations_of_course = registrations.join(
        webinars, webinars.c.id == registrations.c.webinar_id
    )
    registration_n = (
        sa.select(sa.func.count()).select_from(registrations_of_course).where(registered)
        .scalar_subquery()
    )
    attended_n = (
        sa.select(sa.func.count()).select_from(registrations_of_course)
        .where(registered, registrations.c.attended.is_(True)).scalar_subquery()
    )
    return (
        sa.select(
            *_enrolment_columns(dialect),
            quiz_total.label("quiz_total"), quiz_n.label("quiz_n"),
            sa.case((has_certificate, 1), else_=0).label("cert"),
            registration_n.label("reg_n"), attended_n.label("reg_attended"),
        )
        .select_from(_enrolments_join())
        .where(*conditions(scope), *extra)
        .cte("facts")
        .prefix_with("MATERIALIZED")
    )
