"""Enrolment and completion logic, shared by the reader, quizzes and webinars.

A course is complete when every (non-archived) module is done, every (non-archived) quiz is
passed and, where the course says so, a webinar of the course was attended. Completion issues
exactly one certificate, at once. Call ``recompute_progress(enrolment)`` after anything that may
change it (module done, quiz graded, attendance recorded, content synced).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts.models import Role, User
from elearn.caching import cache_key, cached, content_version
from elearn.courses.models import Course, EnrolmentPolicy, Module
from elearn.db_types import utcnow
from elearn.enrolments.models import (
    Enrolment,
    EnrolmentRequest,
    EnrolmentSource,
    EnrolmentStatus,
    ModuleProgress,
    RequestStatus,
)
from elearn.extensions import db
from elearn.mail import send_mail
from elearn.urls import absolute_url

log = logging.getLogger("elearn.enrolments")


def get_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        sa.select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def active_enrolment(user_id: int, course_id: int) -> Enrolment | None:
    """The enrolment that lets a user study a course (active or completed), or None."""
    return studying(get_enrolment(user_id, course_id))


def studying(enrolment: Enrolment | None) -> Enrolment | None:
    """``enrolment`` when it lets its user study (active or completed), else None."""
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
    return passed_quizzes_by_user(course_id, [user_id]).get(user_id, set())


def passed_quizzes_by_user(course_id: int, user_ids: list[int] | None = None) -> dict[int, set[int]]:
    """{user id: quizzes of the course passed} for ``user_ids`` (everyone when None), one query.

    Score policy ``highest``: any passed attempt counts; ``last``: the last submitted attempt.
    """
    from elearn.quizzes.models import AttemptStatus, Quiz, QuizAttempt, ScorePolicy

    query = (
        sa.select(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.number,
                  QuizAttempt.passed, Quiz.score_policy)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .where(Quiz.course_id == course_id, QuizAttempt.status == AttemptStatus.submitted)
        .order_by(QuizAttempt.user_id, QuizAttempt.quiz_id, QuizAttempt.number)
    )
    if user_ids is not None:
        query = query.where(QuizAttempt.user_id.in_(user_ids))
    passed: dict[int, set[int]] = {}
    last: dict[tuple[int, int], tuple[bool, ScorePolicy]] = {}
    for user_id, quiz_id, _number, did_pass, policy in db.session.execute(query):
        if policy is ScorePolicy.highest and did_pass:
            passed.setdefault(user_id, set()).add(quiz_id)
        last[(user_id, quiz_id)] = (bool(did_pass), policy)
    for (user_id, quiz_id), (did_pass, policy) in last.items():
        if policy is ScorePolicy.last and did_pass:
            passed.setdefault(user_id, set()).add(quiz_id)
    return passed


def attended_course_webinar(user_id: int, course_id: int) -> bool:
    from elearn.webinars.models import Registration, Webinar

    return db.session.scalar(
        sa.select(sa.func.count(Registration.id))
        .join(Webinar, Webinar.id == Registration.webinar_id)
        .where(Registration.user_id == user_id, Registration.attended.is_(True),
               Webinar.course_id == course_id)
    ) > 0


@dataclass
class CompletionBreakdown:
    """What completing a course takes, part by part: modules, quizzes, and the webinar
    requirement. The one completion rule: everything here done (``parts``)."""

    modules_done: int
    modules_total: int
    quizzes_done: int
    quizzes_total: int
    webinar_required: bool
    webinar_attended: bool
    #: the first module not done and the first quiz not passed, in course order (None: none)
    next_module: OutlineItem | None = None
    next_quiz: OutlineItem | None = None

    @property
    def parts(self) -> tuple[int, int]:
        """(parts done, parts required)."""
        done = self.modules_done + self.quizzes_done
        required = self.modules_total + self.quizzes_total
        if self.webinar_required:
            required += 1
            done += int(self.webinar_attended)
        return done, required

    @property
    def percent(self) -> int:
        done, required = self.parts
        return 100 if not required else int(100 * done / required)

    @property
    def complete(self) -> bool:
        """Everything required is done (a course requiring nothing is never completed)."""
        done, required = self.parts
        return bool(required) and done >= required


@dataclass(frozen=True)
class OutlineItem:
    """A module or quiz of a course as completion and the pages name it."""

    id: int
    slug: str
    title: str


def course_outline(course_id: int) -> tuple[list[OutlineItem], list[OutlineItem]]:
    """The course's live modules and quizzes, in course order; cached by content version
    (``elearn.caching``), so a page or a recomputation reads them from the cache."""
    from elearn.quizzes.models import Quiz

    def build():
        modules = [OutlineItem(*row) for row in db.session.execute(
            sa.select(Module.id, Module.slug, Module.title)
            .where(Module.course_id == course_id, Module.archived_at.is_(None))
            .order_by(Module.position))]
        quizzes = [OutlineItem(*row) for row in db.session.execute(
            sa.select(Quiz.id, Quiz.slug, Quiz.title)
            .where(Quiz.course_id == course_id, Quiz.archived_at.is_(None))
            .order_by(Quiz.position, Quiz.id))]
        return modules, quizzes

    return cached(cache_key("course-outline", content_version(), course_id), build)


def completion_breakdown(enrolment: Enrolment) -> CompletionBreakdown:
    """Modules, quizzes and the webinar requirement of the enrolment's course, each counted."""
    course_id = enrolment.course_id
    modules, quizzes = course_outline(course_id)
    done_modules = done_module_ids(enrolment.id)
    passed = passed_quiz_ids(enrolment.user_id, course_id)
    course = db.session.get(Course, course_id)
    return CompletionBreakdown(
        modules_done=sum(m.id in done_modules for m in modules), modules_total=len(modules),
        quizzes_done=sum(q.id in passed for q in quizzes), quizzes_total=len(quizzes),
        webinar_required=course.webinar_required,
        webinar_attended=course.webinar_required and attended_course_webinar(
            enrolment.user_id, course_id),
        next_module=next((m for m in modules if m.id not in done_modules), None),
        next_quiz=next((q for q in quizzes if q.id not in passed), None),
    )


def completion_parts(enrolment: Enrolment) -> tuple[int, int]:
    """(parts done, parts required) for the enrolment's course."""
    return completion_breakdown(enrolment).parts


def recompute_progress(enrolment: Enrolment) -> bool:
    """Update progress; complete the enrolment and issue its certificate when everything is done.

    A completed enrolment stays completed and at 100 % (a module or quiz added to the course
    later does not take a certificate away). Returns True when this call completed the
    enrolment.
    """
    if enrolment.status is EnrolmentStatus.completed:
        enrolment.progress_percent = 100
        db.session.flush()
        return False
    breakdown = completion_breakdown(enrolment)
    enrolment.progress_percent = breakdown.percent
    if breakdown.complete and enrolment.status is EnrolmentStatus.active:
        enrolment.status = EnrolmentStatus.completed
        enrolment.completed_at = utcnow()
        db.session.flush()
        from elearn.certificates.services import issue_certificate

        issue_certificate(enrolment)
        return True
    db.session.flush()
    return False


def recompute_course(course: Course) -> int:
    """Recompute every active enrolment of a course after its content changed (course sync).

    A fixed number of queries whatever the number of learners, plus the completion of those
    who are now done (rare: only a removed module or quiz can complete someone). Completed
    enrolments stay completed. Returns how many enrolments this call completed.
    """
    from elearn.quizzes.models import Quiz

    module_ids = set(db.session.scalars(
        sa.select(Module.id).where(Module.course_id == course.id, Module.archived_at.is_(None))))
    quiz_ids = set(db.session.scalars(
        sa.select(Quiz.id).where(Quiz.course_id == course.id, Quiz.archived_at.is_(None))))
    active = db.session.execute(
        sa.select(Enrolment.id, Enrolment.user_id, Enrolment.progress_percent)
        .where(Enrolment.course_id == course.id, Enrolment.status == EnrolmentStatus.active)
    ).all()
    if not active:
        return 0
    done_modules: dict[int, int] = dict(db.session.execute(
        sa.select(ModuleProgress.enrolment_id, sa.func.count(ModuleProgress.id))
        .join(Enrolment, Enrolment.id == ModuleProgress.enrolment_id)
        .where(Enrolment.course_id == course.id, Enrolment.status == EnrolmentStatus.active,
               ModuleProgress.module_id.in_(module_ids or {-1}))
        .group_by(ModuleProgress.enrolment_id)
    ).all())
    passed = passed_quizzes_by_user(course.id) if quiz_ids else {}
    attended: set[int] = set()
    if course.webinar_required:
        from elearn.webinars.models import Registration, Webinar

        attended = set(db.session.scalars(
            sa.select(Registration.user_id).distinct()
            .join(Webinar, Webinar.id == Registration.webinar_id)
            .where(Webinar.course_id == course.id, Registration.attended.is_(True))))
    by_percent: dict[int, list[int]] = {}
    finished: list[int] = []
    for enrolment_id, user_id, old_percent in active:
        breakdown = CompletionBreakdown(
            modules_done=done_modules.get(enrolment_id, 0), modules_total=len(module_ids),
            quizzes_done=len(passed.get(user_id, set()) & quiz_ids), quizzes_total=len(quiz_ids),
            webinar_required=course.webinar_required,
            webinar_attended=course.webinar_required and user_id in attended,
        )
        if breakdown.complete:
            finished.append(enrolment_id)
            continue
        percent = breakdown.percent
        if percent != old_percent:
            by_percent.setdefault(percent, []).append(enrolment_id)
    for percent, ids in by_percent.items():
        db.session.execute(sa.update(Enrolment).where(Enrolment.id.in_(ids))
                           .values(progress_percent=percent)
                           .execution_options(synchronize_session="fetch"))
    for enrolment_id in finished:
        recompute_progress(db.session.get(Enrolment, enrolment_id))
    db.session.flush()
    return len(finished)


# --- who may enrol ----------------------------------------------------------------------------

#: reason codes returned by ``enrolment_block``
BLOCK_AUDIENCE = "audience"
BLOCK_UNPUBLISHED = "unpublished"


def enrolment_block(user, course: Course) -> str | None:
    """None when ``user`` may enrol in ``course`` in one click, else the reason code.

    Open courses take everyone; restricted courses take the audiences they list. The course's
    trainers and admins may always enrol (to try the course as a learner sees it).
    """
    if course.can_manage(user):
        return None
    if not course.published:
        return BLOCK_UNPUBLISHED
    if course.enrolment_policy is EnrolmentPolicy.open:
        return None
    if any(audience.id == user.audience_id for audience in course.audiences):
        return None
    return BLOCK_AUDIENCE


def block_message(reason: str | None, course: Course) -> str:
    """The sentence that explains a block to the learner."""
    if reason == BLOCK_AUDIENCE:
        names = ", ".join(audience.name for audience in course.audiences)
        return _("This course is reserved for: %(audiences)s. You can ask the course's trainers "
                 "for a place.", audiences=names)
    if reason == BLOCK_UNPUBLISHED:
        return _("This course is not open for enrolment yet.")
    return ""


class EnrolmentRefused(Exception):
    """The user may not enrol themselves; ``reason`` is a block code."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def enrol_self(user, course: Course) -> Enrolment:
    """One-click enrolment of ``user`` by themselves, after the audience rules."""
    reason = enrolment_block(user, course)
    if reason is not None:
        raise EnrolmentRefused(reason)
    return enrol(user, course, EnrolmentSource.self)


def withdraw(enrolment: Enrolment) -> bool:
    """Withdraw an active enrolment (its progress is kept for a later re-enrolment).

    Completed enrolments are not withdrawn: their certificate stands. Returns True when the
    status changed.
    """
    if enrolment.status is not EnrolmentStatus.active:
        return False
    enrolment.status = EnrolmentStatus.withdrawn
    db.session.flush()
    return True


# --- requests for a place ---------------------------------------------------------------------


def pending_request(user_id: int, course_id: int) -> EnrolmentRequest | None:
    return db.session.scalar(sa.select(EnrolmentRequest).where(
        EnrolmentRequest.user_id == user_id, EnrolmentRequest.course_id == course_id,
        EnrolmentRequest.status == RequestStatus.pending,
    ))


class RequestRefused(Exception):
    pass


def request_place(user, course: Course, message: str = "") -> EnrolmentRequest:
    """Ask for a place in a restricted course; the deciders are told by mail.

    Raises RequestRefused when the user can simply enrol, is already enrolled or already
    waits for an answer (the database keeps one pending request per user and course).
    """
    if enrolment_block(user, course) != BLOCK_AUDIENCE:
        raise RequestRefused(_("You can enrol in this course directly."))
    if active_enrolment(user.id, course.id) is not None:
        raise RequestRefused(_("You are already enrolled in this course."))
    if pending_request(user.id, course.id) is not None:
        raise RequestRefused(_("You already asked for a place; the trainers will answer soon."))
    request = EnrolmentRequest(user_id=user.id, course_id=course.id, message=message.strip())
    db.session.add(request)
    db.session.flush()
    notify_deciders(request)
    return request


def deciders(request: EnrolmentRequest) -> list[User]:
    """Who may answer a request: the course's trainers and the learner's centre coordinators."""
    course = request.course
    trainer_ids = {t.id for t in course.trainers}
    if course.owner_id:
        trainer_ids.add(course.owner_id)
    conditions = [User.id.in_(trainer_ids)] if trainer_ids else []
    if request.user.centre_id is not None:
        conditions.append(sa.and_(User.role == Role.coordinator,
                                  User.centre_id == request.user.centre_id))
    if not conditions:
        return []
    return list(db.session.scalars(
        sa.select(User).where(sa.or_(*conditions), User.active.is_(True)).order_by(User.id)
    ))


def can_decide(user, request: EnrolmentRequest) -> bool:
    """Trainers of the course, coordinators of the learner's centre, admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    if request.course.can_manage(user):
        return True
    return (user.role is Role.coordinator and user.centre_id is not None
            and user.centre_id == request.user.centre_id)


def notify_deciders(request: EnrolmentRequest) -> None:
    """Queue a mail to each decider (in the transaction of the request)."""
    link = absolute_url("enrolments.requests")
    for person in deciders(request):
        with force_locale(person.locale):
            send_mail(
                person.email,
                _("Place requested in %(course)s", course=request.course.title),
                _("%(name)s (%(audience)s) asks for a place in \"%(course)s\".\n\n%(message)s\n\n"
                  "Approve or decline: %(link)s",
                  name=request.user.name, audience=request.user.audience.name,
                  course=request.course.title, message=request.message or "", link=link),
            )


def decide(request: EnrolmentRequest, decider, approve: bool, note: str = "") -> bool:
    """Approve (enrol the learner) or decline a pending request, and tell the learner.

    Two deciders answering at once: the first wins (a conditional update), the second gets
    False and changes nothing.
    """
    status = RequestStatus.approved if approve else RequestStatus.declined
    now = utcnow()
    result = db.session.execute(
        sa.update(EnrolmentRequest)
        .where(EnrolmentRequest.id == request.id, EnrolmentRequest.status == RequestStatus.pending)
        .values(status=status, decided_by_id=decider.id, decided_at=now, decision_note=note.strip())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        db.session.refresh(request)
        return False
    db.session.refresh(request)
    learner = request.user
    course = request.course
    if approve:
        enrol(learner, course, EnrolmentSource.trainer)
    with force_locale(learner.locale):
        if approve:
            subject = _("You have a place in %(course)s", course=course.title)
            text = _("Your request for a place in \"%(course)s\" was approved. Start here: %(link)s",
                     course=course.title, link=absolute_url("enrolments.my_learning"))
        else:
            subject = _("Your request for %(course)s", course=course.title)
            text = _("Your request for a place in \"%(course)s\" was declined.",
                     course=course.title)
        if note.strip():
            text += "\n\n" + _("Note from %(name)s: %(note)s", name=decider.name, note=note.strip())
        send_mail(learner.email, subject, text)
    return True


def _decider_requests_query(user, status: RequestStatus):
    query = (
        sa.select(EnrolmentRequest)
        .join(User, User.id == EnrolmentRequest.user_id)
        .where(EnrolmentRequest.status == status)
    )
    if user.role is not Role.admin:
        trained = sa.select(Course.id).where(Course.trained_by(user.id))
        conditions = [EnrolmentRequest.course_id.in_(trained)]
        if user.role is Role.coordinator and user.centre_id is not None:
            conditions.append(User.centre_id == user.centre_id)
        query = query.where(sa.or_(*conditions))
    return query


def requests_for_decider(user, status: RequestStatus = RequestStatus.pending) -> list[EnrolmentRequest]:
    """The requests ``user`` may answer, oldest first, with learner and course loaded."""
    from sqlalchemy.orm import joinedload

    query = _decider_requests_query(user, status).options(
        joinedload(EnrolmentRequest.user), joinedload(EnrolmentRequest.course)
    ).order_by(EnrolmentRequest.created_at, EnrolmentRequest.id)
    return list(db.session.scalars(query).unique())


def waiting_request_count(user) -> int:
    """How many place requests wait for ``user``'s answer (for the navigation)."""
    query = _decider_requests_query(user, RequestStatus.pending).with_only_columns(
        sa.func.count(EnrolmentRequest.id))
    return db.session.scalar(query) or 0


# --- My learning ------------------------------------------------------------------------------


@dataclass(frozen=True)
class LearningRow:
    enrolment_id: int
    status: EnrolmentStatus
    progress: int
    enrolled_at: datetime
    completed_at: datetime | None
    course_slug: str
    course_title: str
    certificate_code: str | None
    certificate_revoked: bool


@dataclass
class MyLearning:
    current: list[LearningRow]
    completed: list[LearningRow]
    withdrawn: list[LearningRow]
    pending_requests: list[tuple[str, str, datetime]]  # (course slug, title, asked at)


def my_learning(user_id: int) -> MyLearning:
    """Everything "My learning" shows, in two queries whatever the number of enrolments."""
    from elearn.certificates.models import Certificate

    rows = db.session.execute(
        sa.select(
            Enrolment.id, Enrolment.status, Enrolment.progress_percent, Enrolment.enrolled_at,
            Enrolment.completed_at, Course.slug, Course.title, Certificate.code,
            Certificate.revoked_at,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(Certificate, sa.and_(Certificate.user_id == Enrolment.user_id,
                                        Certificate.course_id == Enrolment.course_id))
        .where(Enrolment.user_id == user_id)
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())
    ).all()
    result = MyLearning([], [], [], [])
    for (enrolment_id, status, progress, enrolled_at, completed_at, slug, title, code,
         revoked_at) in rows:
        row = LearningRow(enrolment_id, status, progress, enrolled_at, completed_at, slug, title,
                          code, revoked_at is not None)
        {EnrolmentStatus.active: result.current, EnrolmentStatus.completed: result.completed,
         EnrolmentStatus.withdrawn: result.withdrawn}[status].append(row)
    result.completed.sort(key=lambda r: r.completed_at or r.enrolled_at, reverse=True)
    result.pending_requests = [tuple(r) for r in db.session.execute(
        sa.select(Course.slug, Course.title, EnrolmentRequest.created_at)
        .join(Course, Course.id == EnrolmentRequest.course_id)
        .where(EnrolmentRequest.user_id == user_id,
               EnrolmentRequest.status == RequestStatus.pending)
        .order_by(EnrolmentRequest.created_at)
    )]
    return result
