"""Course completion: modules done, quizzes passed, webinars attended; progress and recompute.

A course is complete when every (non-archived) module is done, every (non-archived) quiz is
passed and, where the course says so, a webinar of the course was attended. Completion issues
exactly one certificate, at once. Call ``recompute_progress(enrolment)`` after anything that may
change it (module done, quiz graded, attendance recorded, content synced).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from elearn.caching import cache_key, cached, content_version
from elearn.courses.models import Course, Module
from elearn.db_types import utcnow
from elearn.enrolments.models import (
    Enrolment,
    EnrolmentStatus,
    ModuleProgress,
)
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus, Question, Quiz, QuizAttempt, ScorePolicy
from elearn.signals import attempt_graded, attendance_recorded, course_completed
from elearn.webinars.models import Registration, Webinar


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


def counted_quiz() -> sa.ColumnElement[bool]:
    """The quizzes completion asks for: live, with at least one live question. A quiz without
    questions (a GIFT file of ``$CATEGORY`` lines only, or every question archived) cannot be
    passed, so it does not hold anyone's completion until questions are added."""
    return sa.and_(Quiz.archived_at.is_(None), sa.exists().where(
        Question.quiz_id == Quiz.id, Question.archived_at.is_(None)))


def course_outline(course_id: int) -> tuple[list[OutlineItem], list[OutlineItem]]:
    """The course's live modules and quizzes, in course order; cached by content version
    (``elearn.caching``), so a page or a recomputation reads them from the cache."""
    def build():
        modules = [OutlineItem(*row) for row in db.session.execute(
            sa.select(Module.id, Module.slug, Module.title)
            .where(Module.course_id == course_id, Module.archived_at.is_(None))
            .order_by(Module.position))]
        quizzes = [OutlineItem(*row) for row in db.session.execute(
            sa.select(Quiz.id, Quiz.slug, Quiz.title)
            .where(Quiz.course_id == course_id, counted_quiz())
            .order_by(Quiz.position, Quiz.id))]
        return modules, quizzes

    return cached(cache_key("course-outline", content_version(), course_id), build)


def completion_breakdown(enrolment: Enrolment, done_modules: set[int] | None = None,
                         passed: set[int] | None = None) -> CompletionBreakdown:
    """Modules, quizzes and the webinar requirement of the enrolment's course, each counted;
    a page that has already read the enrolment's done modules or passed quizzes passes them."""
    course_id = enrolment.course_id
    modules, quizzes = course_outline(course_id)
    if done_modules is None:
        done_modules = done_module_ids(enrolment.id)
    if passed is None:
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
        course_completed.send(enrolment)
        return True
    db.session.flush()
    return False


def recompute_course(course: Course) -> int:
    """Recompute every active enrolment of a course after its content changed (course sync).

    A fixed number of queries whatever the number of learners, plus the completion of those
    who are now done (rare: only a removed module or quiz can complete someone). Completed
    enrolments stay completed. Returns how many enrolments this call completed.
    """
    modules, quizzes = course_outline(course.id)
    module_ids = {item.id for item in modules}
    quiz_ids = {item.id for item in quizzes}
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


@attempt_graded.connect
@attendance_recorded.connect
def _recompute_on_activity(sender, enrolment, **_extra) -> None:
    """A graded attempt or a recorded attendance may change the progress (elearn.signals)."""
    recompute_progress(enrolment)
