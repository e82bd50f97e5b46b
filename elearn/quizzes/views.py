"""Quiz pages: overview, start, attempt (autosave and a plain-form fallback), submit, result,
and the trainer's item analysis with a CSV download.

Save and submit are exempt from the session CSRF check and check the attempt's own token
instead (services.attempt_token): it is as unguessable as a CSRF token, bound to one user's
attempt, and does not expire while the attempt is open, so an answer is never lost to an
expired form.
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn import page_cache
from elearn.accounts.models import Role, User
from elearn.accounts.services import get_user_by_email
from elearn.certificates.services import certificate_of
from elearn.courses.sections import course_section, quiz_rows
from elearn.db_types import utcnow
from elearn.enrolments.models import Enrolment
from elearn.enrolments.services import get_enrolment
from elearn.extensions import csrf, db
from elearn.loaders import load_course, load_quiz
from elearn.permissions import can_manage_course, ensure, require
from elearn.quizzes import analysis as item_analysis
from elearn.quizzes import services, summaries
from elearn.quizzes.exports import analysis_csv
from elearn.quizzes.forms import AttemptAnswersForm, CourseTimeForm, LearnerTimeForm
from elearn.quizzes.models import AttemptStatus, QuizAttempt
from elearn.quizzes.translations import quiz_version
from elearn.quizzes.types import question_type

bp = Blueprint("quizzes", __name__)


@course_section("quizzes")
def course_quizzes(course, user, enrolment=None, record=None):
    """The course page's quiz list, with the user's status in each and each quiz's title in
    the reader's language (a fixed number of queries)."""
    rows = quiz_rows(course.id, user)  # the enrolment is the user's own
    for row in rows:
        row["title"] = _version(course, row["quiz"]).title
        _open_until(row["summary"].history)
    return rows


def _open_until(attempts) -> None:
    """A page that shows open attempts changes when the first of them times out."""
    page_cache.valid_until(*(services.expires_at(a) for a in attempts
                             if a.status is AttemptStatus.in_progress))


@course_section("outdated_quiz_translations")
def outdated_quiz_translations(course, user, enrolment=None, record=None):
    """For the course's managers: (quiz, language) of its quiz translations whose source
    changed since they were made (nobody else sees them: no query)."""
    if not can_manage_course(user, course):
        return []
    return [(row["quiz"], language)
            for row in quiz_rows(course.id, user)  # read once with the quiz list
            for language, found in sorted((row["quiz"].translations or {}).items())
            if found.get("outdated")]


def _course_and_quiz(slug: str, quiz_slug: str):
    course = load_course(slug)
    allowed, enrolment = services.access(current_user, course)
    ensure(allowed)
    return course, load_quiz(course, quiz_slug), enrolment


def _version(course, quiz):
    """The quiz in the reader's interface language, when it has that version."""
    return quiz_version(quiz, course.language, str(get_locale() or "en").split("_")[0])


def _own_attempt(quiz, attempt_id: int) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id)
    ensure(attempt is not None and attempt.quiz_id == quiz.id and attempt.user_id == current_user.id)
    return attempt


def _wants_json() -> bool:
    return request.headers.get("X-Requested-With") == "fetch" or request.accept_mimetypes.best == "application/json"


@bp.get("/courses/<slug>/quizzes/<quiz_slug>")
@require()
@page_cache.personal_page()
def show(slug, quiz_slug):
    course, quiz, enrolment = _course_and_quiz(slug, quiz_slug)
    attempts = services.user_attempts(quiz.id, current_user.id)
    if any(a.status is AttemptStatus.in_progress and services.is_expired(a) for a in attempts):
        services.finish_expired(quiz, attempts)
        db.session.flush()
        attempts = services.user_attempts(quiz.id, current_user.id)
    summary = summaries.summary(quiz, attempts, current_user.id)
    _open_until(attempts)
    return render_template("quizzes/show.html", course=course, quiz=quiz, summary=summary,
                           version=_version(course, quiz),
                           enrolment=enrolment,
                           my_minutes=services.allowed_minutes(
                               quiz, services.time_percent(course, enrolment)),
                           question_count=services.question_count(quiz.id),
                           preview=enrolment is None,
                           can_manage=current_user.role in (Role.trainer, Role.admin)
                           and can_manage_course(current_user, course))


@bp.post("/courses/<slug>/quizzes/<quiz_slug>/start")
@require()
def start(slug, quiz_slug):
    _course, quiz, _enrolment = _course_and_quiz(slug, quiz_slug)
    try:
        attempt = services.start_attempt(quiz, current_user)
    except services.QuizRefused as refusal:
        db.session.flush()  # expired attempts graded on the way stay graded
        flash(str(refusal), "error")
        return redirect(url_for("quizzes.show", slug=slug, quiz_slug=quiz_slug))
    db.session.flush()
    return redirect(url_for("quizzes.attempt", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id))


def _render_attempt(course, quiz, attempt, status: int = 200, message: str | None = None):
    questions = services.attempt_questions(attempt)
    choice_orders = services.display_orders(attempt, questions)
    version = _version(course, quiz)
    items = []
    for question in questions:
        qtype = question_type(question.kind)
        text_html, _feedback, data = version.question(question)
        view = qtype.public_view(data, choice_orders.get(str(question.id)))
        saved = attempt.answers.get(str(question.id))
        selected: set[str] = set()
        order = choice_orders.get(str(question.id))
        if view["input"] in ("radio", "checkbox") and saved is not None and order:
            wanted = saved if isinstance(saved, list) else [saved]
            selected = {str(order.index(i)) for i in wanted if i in order}
        elif view["input"] == "truefalse" and isinstance(saved, bool):
            selected = {"true" if saved else "false"}
        elif view["input"] == "matching":
            selected = qtype.shown_selection(data, saved, order)
        items.append({"question": question, "view": view, "selected": selected,
                      "text_html": text_html,
                      "text": saved if isinstance(saved, str) else ""})
    minutes_left = None
    if attempt.deadline_at is not None:
        seconds = max(0, (attempt.deadline_at - utcnow()).total_seconds())
        minutes_left = math.ceil(seconds / 60)
    return render_template("quizzes/attempt.html", course=course, quiz=quiz, attempt=attempt,
                           items=items, token=services.attempt_token(attempt), version=version,
                           message=message, error_page=message is not None,
                           minutes_left=minutes_left), status


@bp.get("/courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>")
@require()
def attempt(slug, quiz_slug, attempt_id):
    course, quiz, _enrolment = _course_and_quiz(slug, quiz_slug)
    attempt = _own_attempt(quiz, attempt_id)
    if attempt.status is AttemptStatus.in_progress and services.is_expired(attempt):
        services.submit_attempt(quiz, attempt, None)
        db.session.flush()
        flash(_("The time was up: your attempt was graded with the answers saved before the deadline."), "error")
    if attempt.status is not AttemptStatus.in_progress:
        return redirect(url_for("quizzes.result", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id))
    response, status = _render_attempt(course, quiz, attempt)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/save")
@csrf.exempt
@require()
def save(slug, quiz_slug, attempt_id):
    course, quiz, _enrolment = _course_and_quiz(slug, quiz_slug)
    attempt = _own_attempt(quiz, attempt_id)
    form = AttemptAnswersForm(request.form, attempt, services.attempt_questions(attempt))
    closed_url = url_for("quizzes.result", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id)
    if not form.token_ok:
        message = _("The form could not be verified. Your answers saved so far are kept; please try again.")
        if _wants_json():
            return jsonify(saved=False, message=message), 400
        return _render_attempt(course, quiz, attempt, 400, message)
    if attempt.status is not AttemptStatus.in_progress or services.is_expired(attempt):
        message = _("This attempt is closed: answers can no longer be changed.")
        if _wants_json():
            return jsonify(saved=False, message=message, result_url=closed_url), 409
        flash(message, "error")
        return redirect(url_for("quizzes.attempt", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id))
    saved = services.save_answers(attempt, form.answers)
    db.session.flush()
    if _wants_json():
        return jsonify(saved=saved)
    flash(_("Your answers are saved."), "success")
    return redirect(url_for("quizzes.attempt", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id))


@bp.post("/courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/submit")
@csrf.exempt
@require()
def submit(slug, quiz_slug, attempt_id):
    course, quiz, _enrolment = _course_and_quiz(slug, quiz_slug)
    attempt = _own_attempt(quiz, attempt_id)
    result_url = url_for("quizzes.result", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id)
    if attempt.status is not AttemptStatus.in_progress:
        flash(_("This attempt was already submitted; it counts once."), "info")
        return redirect(result_url)
    form = AttemptAnswersForm(request.form, attempt, services.attempt_questions(attempt))
    if not form.token_ok:
        return _render_attempt(course, quiz, attempt, 400, _(
            "The form could not be verified. Your answers saved so far are kept; please submit again."))
    expired = services.is_expired(attempt)
    graded = services.submit_attempt(quiz, attempt, None if expired else form.answers)
    db.session.flush()
    if expired:
        flash(_("The time was up: your attempt was graded with the answers saved before the deadline."), "error")
    elif not graded:
        flash(_("This attempt was already submitted; it counts once."), "info")
    return redirect(result_url)


@bp.get("/courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/result")
@require()
def result(slug, quiz_slug, attempt_id):
    course, quiz, enrolment = _course_and_quiz(slug, quiz_slug)
    attempt = _own_attempt(quiz, attempt_id)
    if attempt.status is AttemptStatus.in_progress:
        return redirect(url_for("quizzes.attempt", slug=slug, quiz_slug=quiz_slug, attempt_id=attempt.id))
    summary = summaries.summary(quiz, services.user_attempts(quiz.id, current_user.id),
                               current_user.id)
    show_answers = summaries.shows_correct_answers(quiz, attempt, summary.passed)
    review = []
    version = _version(course, quiz)
    if show_answers:
        for question in services.attempt_questions(attempt):
            qtype = question_type(question.kind)
            answer = attempt.answers.get(str(question.id))
            text_html, feedback_html, data = version.question(question)
            result = (attempt.results or {}).get(str(question.id), {})
            # the score was graded on the source; the feedback is shown in the version read
            feedback = result.get("feedback_html", "")
            if data is not question.data and answer is not None:
                feedback = qtype.grade(version.feedback_data(question, data), answer
                                       ).feedback_html or feedback
            review.append({
                "question": question, "text_html": text_html, "feedback_html": feedback_html,
                "answer_feedback_html": feedback,
                "result": result,
                "answer": qtype.answer_label(data, answer) if answer is not None else "",
                "correct": qtype.correct_view(data),
            })
    certificate = None
    if enrolment is not None and enrolment.status.value == "completed":
        certificate = certificate_of(current_user.id, course.id)
    return render_template("quizzes/result.html", course=course, quiz=quiz, attempt=attempt,
                           summary=summary, show_answers=show_answers, review=review,
                           version=version,
                           enrolment=enrolment, certificate=certificate,
                           ), 200, {"Cache-Control": "no-store"}


def _managed_quiz(slug: str, quiz_slug: str):
    course = load_course(slug, can_manage_course)
    return course, load_quiz(course, quiz_slug)


@bp.get("/trainer/courses/<slug>/quizzes/<quiz_slug>/analysis")
@require(Role.trainer)
def analysis(slug, quiz_slug):
    course, quiz = _managed_quiz(slug, quiz_slug)
    return render_template("quizzes/analysis.html", course=course, quiz=quiz,
                           analysis=item_analysis.analyse(quiz))


@bp.get("/trainer/courses/<slug>/quizzes/<quiz_slug>/analysis.csv")
@require(Role.trainer)
def analysis_download(slug, quiz_slug):
    course, quiz = _managed_quiz(slug, quiz_slug)
    body = analysis_csv(quiz, item_analysis.analyse(quiz))
    filename = f"{course.slug}-{quiz.slug}-analysis.csv"
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})




@bp.route("/trainer/courses/<slug>/quiz-time", methods=["GET", "POST"])
@require(Role.trainer)
def quiz_time(slug):
    """Time allowed on timed quizzes: the course's default and per-learner allowances."""
    course = load_course(slug, can_manage_course)
    course_form = CourseTimeForm(data={"percent": str(course.quiz_time_percent)})
    learner_form = LearnerTimeForm()
    if request.method == "POST":
        if "course-percent" in request.form:
            course_form = CourseTimeForm()
            if course_form.validate_on_submit():
                try:
                    services.set_time_percent(course, int(course_form.percent.data))
                except (ValueError, services.QuizRefused):
                    course_form.percent.errors.append(_("Choose one of the offered time allowances."))
                else:
                    flash(_("The time allowed on this course's timed quizzes was saved."), "success")
                    return redirect(url_for("quizzes.quiz_time", slug=slug))
        elif learner_form.validate_on_submit():
            user = get_user_by_email(learner_form.email.data or "")
            enrolment = get_enrolment(user.id, course.id) if user is not None else None
            if enrolment is None:
                learner_form.email.errors.append(_("Nobody with this email is enrolled in this course."))
            else:
                raw = learner_form.percent.data
                services.set_time_percent(course, int(raw) if raw else None, enrolment)
                flash(_("The time allowed for %(name)s was saved.", name=user.name), "success")
                return redirect(url_for("quizzes.quiz_time", slug=slug))
    adjusted = db.session.execute(
        sa.select(Enrolment.quiz_time_percent, Enrolment.user_id)
        .where(Enrolment.course_id == course.id, Enrolment.quiz_time_percent.is_not(None))
        .order_by(Enrolment.id)
    ).all()
    users = {u.id: u for u in db.session.scalars(
        sa.select(User).where(User.id.in_([row.user_id for row in adjusted])))} if adjusted else {}
    labels = dict(course_form.percent.choices)
    status = 400 if (course_form.errors or learner_form.errors) else 200
    return render_template("quizzes/time.html", course=course, course_form=course_form,
                           learner_form=learner_form, labels=labels,
                           adjusted=[(users[row.user_id], row.quiz_time_percent) for row in adjusted
                                     if row.user_id in users]), status
