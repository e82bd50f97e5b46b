"""Taking quizzes through the client: the attempt flow, every refusal and permission boundary,
no right answers before submission, review policies, item analysis and its CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string

from elearn.accounts.models import Role
from elearn.db_types import utcnow
from elearn.enrolments.completion import passed_quiz_ids
from elearn.enrolments.models import Enrolment
from elearn.extensions import db
from elearn.quizzes import services
from elearn.quizzes.models import AttemptStatus, Question, QuizAttempt
from elearn.quizzes.types import question_type
from tests import factories


@pytest.fixture
def setup(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    factories.enrol(learner, course)
    return course, quiz


def url(quiz, endpoint="show", attempt=None):
    base = f"/courses/esm/quizzes/{quiz.slug}"
    if endpoint == "show":
        return base
    if endpoint == "start":
        return base + "/start"
    path = f"{base}/attempts/{attempt.id}"
    return path if endpoint == "attempt" else f"{path}/{endpoint}"


def start(client, quiz):
    response = client.post(url(quiz, "start"))
    assert response.status_code == 302, response.get_data(as_text=True)
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(QuizAttempt, attempt_id)


def answers_form(attempt, right: bool = True) -> dict:
    """Form data as the page would send it: right (or all wrong) answers."""
    form = {"attempt_token": services.attempt_token(attempt)}
    orders = attempt.layout["choices"]
    for question in services.attempt_questions(attempt):
        name = f"q{question.id}"
        data = question.data
        order = orders.get(str(question.id))
        kind = question.kind.value
        if kind == "single":
            wanted = [i for i, c in enumerate(data["choices"]) if (c["credit"] == 100) == right]
            form[name] = str(order.index(wanted[0]))
        elif kind == "multiple":
            wanted = [i for i, c in enumerate(data["choices"]) if (c["credit"] > 0) == right]
            form[name] = [str(order.index(i)) for i in wanted]
        elif kind == "truefalse":
            form[name] = "true" if data["answer"] == right else "false"
        elif kind == "short":
            form[name] = data["answers"][0]["text"].upper() if right else "=HYPERLINK(evil)"
        else:
            answer = data["answers"][0]
            value = answer.get("value", answer.get("min"))
            form[name] = str(value) if right else "-99999"
    return form


def test_take_fail_retry_and_pass_feeds_completion(setup, learner_client, learner):
    course, quiz = setup
    page = learner_client.get(url(quiz)).get_data(as_text=True)
    assert "Start the quiz" in page and "0 used of 2" in page
    attempt = start(learner_client, quiz)
    response = learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=False))
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.submitted and attempt.percent == 0 and attempt.passed is False
    result = learner_client.get(url(quiz, "result", attempt)).get_data(as_text=True)
    assert "Not passed" in result and "1 attempt left" in result

    second = start(learner_client, quiz)
    assert second.number == 2
    learner_client.post(url(quiz, "submit", second), data=answers_form(second, right=True))
    db.session.refresh(second)
    assert second.percent == 100 and second.passed
    assert quiz.id in passed_quiz_ids(learner.id, course.id)
    enrolment = db.session.scalar(sa.select(Enrolment).where(Enrolment.user_id == learner.id))
    assert enrolment.progress_percent == 100 and enrolment.status.value == "completed"
    page = learner_client.get(url(quiz)).get_data(as_text=True)
    assert "Passed" in page and "100.0%" in page and "You have used all your attempts" in page


def test_attempt_page_never_contains_the_right_answers(setup, learner_client):
    _course, quiz = setup
    attempt = start(learner_client, quiz)
    html = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    assert "Which convention controls" in html
    for secret in ("SECRET-RIGHT", "GENERALFEEDBACK", "Rotterdam is about PIC", "Movement document",
                   "notification", "1989", "credit", "weight", "feedback_html", "correct"):
        assert secret not in html, secret
    # choices are named by their position on this page, nothing else
    values = set(re.findall(r'name="q\d+" value="([^"]*)"', html))
    assert values <= {"0", "1", "2", "true", "false", ""}
    # after saving answers the page still tells nothing
    learner_client.post(url(quiz, "save", attempt), data=answers_form(attempt, right=True))
    html = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    assert "SECRET-RIGHT" not in html and "GENERALFEEDBACK" not in html
    assert "MOVEMENT DOCUMENT" in html  # the learner's own typed answer is shown back


def test_autosave_keeps_answers_and_order_on_reload(app, trainer, learner, learner_client):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, shuffle_questions=True, shuffle_choices=True)
    factories.enrol(learner, course)
    attempt = start(learner_client, quiz)
    first = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    assert learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True) == first
    form = answers_form(attempt, right=True)
    response = learner_client.post(url(quiz, "save", attempt), data=form,
                                   headers={"X-Requested-With": "fetch"})
    assert response.status_code == 200 and response.get_json() == {"saved": True}
    db.session.refresh(attempt)
    assert len(attempt.answers) == 6
    page = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    assert page.count(" checked") == 4  # single, two of multiple, true/false, as saved
    # submitting without answers in the form grades the form as sent (the whole form is the truth)
    learner_client.post(url(quiz, "submit", attempt), data=form)
    db.session.refresh(attempt)
    assert attempt.percent == 100


def test_plain_form_save_without_javascript(setup, learner_client):
    _course, quiz = setup
    attempt = start(learner_client, quiz)
    response = learner_client.post(url(quiz, "save", attempt), data=answers_form(attempt))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/attempts/{attempt.id}")
    assert "Your answers are saved." in learner_client.get(response.headers["Location"]).get_data(as_text=True)


def test_submitting_twice_counts_once(setup, learner_client):
    _course, quiz = setup
    attempt = start(learner_client, quiz)
    form = answers_form(attempt, right=True)
    learner_client.post(url(quiz, "submit", attempt), data=form)
    again = learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=False),
                                follow_redirects=True)
    assert "already submitted; it counts once" in again.get_data(as_text=True)
    rows = db.session.scalars(sa.select(QuizAttempt)).all()
    assert len(rows) == 1 and rows[0].percent == 100
    saved = learner_client.post(url(quiz, "save", attempt), data=form, headers={"X-Requested-With": "fetch"})
    assert saved.status_code == 409 and saved.get_json()["saved"] is False


def test_attempts_past_the_limit_are_refused(setup, learner_client):
    _course, quiz = setup
    for _ in range(2):
        attempt = start(learner_client, quiz)
        learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=False))
    response = learner_client.post(url(quiz, "start"), follow_redirects=True)
    assert "You have used all 2 attempts at this quiz." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(QuizAttempt.id))) == 2


def test_start_resumes_the_open_attempt(setup, learner_client):
    _course, quiz = setup
    first = start(learner_client, quiz)
    assert start(learner_client, quiz).id == first.id


def test_past_the_time_limit_saves_are_refused_and_submit_grades_what_was_saved(
        app, trainer, learner, learner_client):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, time_limit_minutes=10)
    factories.enrol(learner, course)
    attempt = start(learner_client, quiz)
    assert attempt.deadline_at is not None
    html = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    assert "data-deadline" in html
    right = answers_form(attempt, right=True)
    learner_client.post(url(quiz, "save", attempt), data=right)  # saved in time
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    late = learner_client.post(url(quiz, "save", attempt), data=answers_form(attempt, right=False),
                               headers={"X-Requested-With": "fetch"})
    assert late.status_code == 409
    response = learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=False),
                                   follow_redirects=True)
    assert "The time was up" in response.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.submitted and attempt.percent == 100


def test_an_expired_attempt_is_graded_when_the_learner_comes_back(app, trainer, learner, learner_client):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, time_limit_minutes=5)
    factories.enrol(learner, course)
    attempt = start(learner_client, quiz)
    attempt.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    page = learner_client.get(url(quiz)).get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.submitted and attempt.percent == 0
    assert "Start a new attempt" in page


def test_expired_csrf_token_loses_nothing(setup, learner_client, csrf_enabled):
    _course, quiz = setup
    # starting needs the session's CSRF token, like every form
    assert learner_client.post(url(quiz, "start")).status_code == 400
    from tests.conftest import form_with_csrf

    token = form_with_csrf(learner_client, url(quiz))
    response = learner_client.post(url(quiz, "start"), data={"csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    attempt = db.session.get(QuizAttempt, int(response.headers["Location"].rsplit("/", 1)[1]))
    # the session token expires (or the session's token changes): save and submit still work,
    # with the attempt's own token
    with learner_client.session_transaction() as session:
        session.pop("csrf_token", None)
    form = answers_form(attempt, right=True)
    form["csrf_token"] = "expired-token"
    assert learner_client.post(url(quiz, "save", attempt), data=form).status_code == 302
    # a forged submit (no attempt token) is refused, shows the saved answers and grades nothing
    forged = learner_client.post(url(quiz, "submit", attempt), data={k: v for k, v in form.items()
                                                                     if k != "attempt_token"})
    assert forged.status_code == 400
    assert "could not be verified" in forged.get_data(as_text=True)
    assert "MOVEMENT DOCUMENT" in forged.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.in_progress
    learner_client.post(url(quiz, "submit", attempt), data=form)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.submitted and attempt.percent == 100


def test_another_attempts_token_does_not_work(setup, learner_client, as_user):
    course, quiz = setup
    other = factories.make_user()
    factories.enrol(other, course)
    mine = start(learner_client, quiz)
    theirs = start(as_user(other), quiz)
    form = answers_form(mine)
    form["attempt_token"] = services.attempt_token(theirs)
    assert learner_client.post(url(quiz, "submit", mine), data=form).status_code == 400


@pytest.mark.parametrize("endpoint, method", [
    ("attempt", "get"), ("save", "post"), ("submit", "post"), ("result", "get")])
def test_a_learner_never_reaches_another_learners_attempt(setup, as_user, learner, endpoint, method):
    course, quiz = setup
    other = factories.make_user()
    factories.enrol(other, course)
    theirs = start(as_user(other), quiz)
    client = as_user(learner)
    response = getattr(client, method)(url(quiz, endpoint, theirs), data=answers_form(theirs))
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.status is AttemptStatus.in_progress and theirs.answers == {}


def test_who_may_take_a_quiz(setup, client, as_user, trainer, admin):
    course, quiz = setup
    assert client.get(url(quiz)).status_code == 302  # anonymous: log in
    stranger = factories.make_user()
    assert as_user(stranger).get(url(quiz)).status_code == 404
    assert as_user(stranger).post(url(quiz, "start")).status_code == 404
    withdrawn = factories.make_user()
    factories.enrol(withdrawn, course, status="withdrawn")
    assert as_user(withdrawn).get(url(quiz)).status_code == 404
    other_trainer = factories.make_user(role=Role.trainer)
    assert as_user(other_trainer).get(url(quiz)).status_code == 404
    # the course's trainer and admins preview
    page = as_user(trainer).get(url(quiz)).get_data(as_text=True)
    assert "preview" in page and "Item analysis" in page
    assert as_user(admin).get(url(quiz)).status_code == 200
    assert as_user(trainer).post(url(quiz, "start")).status_code == 302
    assert as_user(admin).get("/courses/esm/quizzes/nope").status_code == 404
    assert as_user(admin).get("/courses/nope/quizzes/basics").status_code == 404


def test_an_archived_quiz_is_gone(setup, learner_client):
    _course, quiz = setup
    quiz.archived_at = utcnow()
    db.session.commit()
    assert learner_client.get(url(quiz)).status_code == 404


@pytest.mark.parametrize("policy, passing, shows", [
    ("score_only", True, False),
    ("correct_answers", False, True),
    ("correct_once_passed", False, False),
    ("correct_once_passed", True, True),
])
def test_review_policy_decides_what_the_result_shows(app, trainer, learner, learner_client, policy, passing, shows):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, review=policy)
    factories.enrol(learner, course)
    attempt = start(learner_client, quiz)
    learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=passing))
    html = learner_client.get(url(quiz, "result", attempt)).get_data(as_text=True)
    assert ("Right answer:" in html) is shows
    assert ("GENERALFEEDBACK-basel" in html) is shows
    assert ("Movement document" in html) is shows
    if shows and passing:
        assert "SECRET-RIGHT-basel" in html
    if policy == "correct_once_passed" and not passing:
        assert "shown once you pass" in html


def test_item_analysis_and_csv(setup, as_user, trainer, learner_client):
    _course, quiz = setup
    for right in (True, False):
        attempt = start(learner_client, quiz)
        learner_client.post(url(quiz, "submit", attempt), data=answers_form(attempt, right=right))
    client = as_user(trainer)
    preview = start(client, quiz)  # the trainer's own preview does not count
    client.post(url(quiz, "submit", preview), data=answers_form(preview, right=True))
    page = client.get(f"/trainer/courses/esm/quizzes/{quiz.slug}/analysis")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "50.0%" in html  # pass rate and every question's share right
    assert "=hyperlink(evil) (1)" in html  # most chosen wrong short answer (normalised)
    from elearn.quizzes.analysis import analyse

    analysis = analyse(quiz)
    assert analysis.attempts == 2 and analysis.learners == 1 and analysis.passed == 1
    assert analysis.average_percent == pytest.approx(50)
    single = analysis.questions[0]
    assert single.seen == 2 and single.right == 1 and single.most_chosen_wrong[1] == 1
    download = client.get(f"/trainer/courses/esm/quizzes/{quiz.slug}/analysis.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True))))
    assert rows[1][:4] == ["Basics", "2", "1", "50.0"]
    short_row = next(r for r in rows if r and r[2] == "short")
    assert short_row[7] == "'=hyperlink(evil)"  # formula neutralised
    assert all(not cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_item_analysis_is_for_the_courses_trainers_only(setup, as_user, learner_client, admin):
    _course, quiz = setup
    path = f"/trainer/courses/esm/quizzes/{quiz.slug}/analysis"
    other_trainer = factories.make_user(role=Role.trainer)
    assert as_user(other_trainer).get(path).status_code == 404
    assert as_user(other_trainer).get(path + ".csv").status_code == 404
    assert learner_client.get(path).status_code == 403
    assert as_user(admin).get(path).status_code == 200


def _render_partial(course, enrolment):
    """The course page's quiz section as the page makes it: data from the view, then the partial."""
    from flask_login import current_user

    from elearn.quizzes.views import course_quizzes

    quizzes = course_quizzes(course, current_user, enrolment)
    return render_template_string('{% include "quizzes/_course_quizzes.html" %}',
                                  course=course, sections={"quizzes": quizzes})


def test_course_partial_lists_status_with_a_fixed_number_of_queries(app, trainer, learner, count_queries):
    from flask_login import login_user

    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    enrolment = factories.enrol(learner, course)
    with app.test_request_context():
        login_user(learner)
        db.session.expire_all()
        _ = (course.id, enrolment.user_id, learner.id)
        with count_queries() as small:
            html = _render_partial(course, enrolment)
        assert "Basics" in html and "Not started" in html
    for n in range(4):
        factories.make_quiz(course, slug=f"extra-{n}", position=n + 1)
    for q in [quiz] + list(db.session.scalars(sa.select(services.Quiz).where(services.Quiz.slug.like("extra-%")))):
        attempt = services.start_attempt(q, learner)
        services.submit_attempt(q, attempt, {})
    db.session.commit()
    with app.test_request_context():
        login_user(learner)
        db.session.expire_all()
        _ = (course.id, enrolment.user_id, learner.id)
        with count_queries() as large:
            html = _render_partial(course, enrolment)
        assert html.count("Not passed yet") == 5
    assert small.count == large.count <= 3


def test_question_ids_cannot_be_smuggled_in(setup, learner_client):
    """Fields for questions outside the attempt are ignored."""
    _course, quiz = setup
    attempt = start(learner_client, quiz)
    other = db.session.scalar(sa.select(Question).where(Question.id.notin_(attempt.layout["questions"])))
    form = answers_form(attempt)
    form["q999999"] = "0"
    if other is not None:
        form[f"q{other.id}"] = "0"
    learner_client.post(url(quiz, "save", attempt), data=form)
    db.session.refresh(attempt)
    assert set(attempt.answers) == {str(i) for i in attempt.layout["questions"]}
    assert question_type("single").grade({"choices": []}, 0).fraction == 0


def test_random_draw_picks_n_questions_and_grades_only_those(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, draw=3, shuffle_questions=True)
    factories.enrol(learner, course)
    seen = set()
    for _ in range(2):
        attempt = services.start_attempt(quiz, learner)
        assert len(attempt.layout["questions"]) == 3
        seen.update(attempt.layout["questions"])
        services.submit_attempt(quiz, attempt, {})
        db.session.commit()
        questions = services.attempt_questions(attempt)
        assert attempt.max_score == sum(q.points for q in questions)
        assert set(attempt.results) == {str(q.id) for q in questions}
    assert seen <= {q.id for q in quiz.questions}


def test_shuffled_and_unshuffled_attempts_grade_the_same(app, trainer, learner):
    import random

    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    questions = list(quiz.questions)
    plain = services.make_layout(quiz, questions, random.Random(0))
    for seed in range(20):
        quiz.shuffle_questions = quiz.shuffle_choices = True
        shuffled = services.make_layout(quiz, questions, random.Random(seed))
        quiz.shuffle_questions = quiz.shuffle_choices = False
        assert sorted(shuffled["questions"]) == sorted(plain["questions"])
        rng = random.Random(seed + 100)
        picks = {}
        for question in questions:
            count = question_type(question.kind).choice_count(question.data)
            picks[question.id] = sorted(rng.sample(range(count), rng.randint(1, count))) if count else None

        def form_for(layout, picks=picks):
            form = {}
            for question in questions:
                order = layout["choices"].get(str(question.id))
                if order:
                    form[f"q{question.id}"] = [str(order.index(i)) for i in picks[question.id]]
                else:
                    form[f"q{question.id}"] = ["1989"]
            return form

        a = QuizAttempt(layout=shuffled)
        b = QuizAttempt(layout=plain)
        graded_a = services.grade(quiz, questions, services.coerce_answers(a, questions, form_for(shuffled)))
        graded_b = services.grade(quiz, questions, services.coerce_answers(b, questions, form_for(plain)))
        assert graded_a.score == graded_b.score
        assert 0 <= graded_a.score <= graded_a.max_score


def test_an_open_attempt_is_graded_on_the_questions_it_showed_after_an_edit(app, trainer, learner, tmp_path):
    import shutil

    from elearn.quizzes.importer import sync_quiz

    tree = tmp_path / "demo"
    shutil.copytree(factories.QUIZ_FIXTURES, tree)
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, course_dir=tree)
    factories.enrol(learner, course)
    attempt = services.start_attempt(quiz, learner)
    db.session.commit()
    shown = services.attempt_questions(attempt)
    basel = shown[0]
    path = tree / "quizzes" / "basics.yaml"
    # the trainer makes Rotterdam the right answer while the learner is answering
    path.write_text(path.read_text().replace("        correct: true\n        feedback: SECRET-RIGHT-basel",
                                             "        feedback: SECRET-RIGHT-basel")
                    .replace("      - text: Rotterdam\n", "      - text: Rotterdam\n        correct: true\n"))
    sync_quiz(course, {"slug": "basics", "title": "Basics", "file": "quizzes/basics.yaml"}, tree, 0)
    db.session.commit()
    assert quiz.questions[0].id != basel.id
    services.submit_attempt(quiz, attempt, {str(basel.id): 0})
    db.session.commit()
    assert attempt.results[str(basel.id)]["fraction"] == 1  # Basel was right when it was shown


def _matching_page(page: str, question) -> tuple[list[str], list[list[str]]]:
    """(item texts as shown, each select's option values in order) of a matching question."""
    items = re.findall(rf'<label for="q{question.id}-\d+"[^>]*>(.*?)</label>', page)
    selects = re.findall(rf'<select id="q{question.id}-\d+"(.*?)</select>', page, re.DOTALL)
    return items, [re.findall(r'<option value="(\d+)"', s) for s in selects]


@pytest.mark.parametrize("name, source", [
    ("match.gift", ("::M::Match each convention to its subject {\n=Basel -> wastes\n"
                    "=Rotterdam -> PIC\n=Stockholm -> POPs\n= -> ozone\n}\n\n::E::Essay {}\n")),
    ("match.yaml", ("title: M\nquestions:\n  - type: matching\n    text: Match each convention\n"
                    "    pairs:\n      - {item: Basel, match: wastes}\n"
                    "      - {item: Rotterdam, match: PIC}\n"
                    "      - {item: Stockholm, match: POPs}\n    distractors: [ozone]\n")),
])
def test_a_matching_question_is_shown_shuffled_without_its_pairs_saved_and_graded(
        app, trainer, learner, learner_client, tmp_path, name, source):
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / name).write_text(source)
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, slug="match", file=f"quizzes/{name}",
                               course_dir=tmp_path)
    factories.enrol(learner, course)
    attempt = start(learner_client, quiz)
    page = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    question = services.attempt_questions(attempt)[0]
    assert question.kind.value == "matching" and len(services.attempt_questions(attempt)) == 1
    assert page.count(f'name="q{question.id}"') == 3
    assert '"option"' not in page and "credit" not in page
    # items and options in the order drawn for this attempt; every select lists the same order
    order = services.display_orders(attempt, [question])[str(question.id)]
    items, selects = _matching_page(page, question)
    data = question.data
    assert items == [data["items"][i]["html"] for i in order["items"]]
    assert selects == [[str(i) for i in order["options"]]] * 3
    # a reload shows the same order
    assert _matching_page(learner_client.get(url(quiz, "attempt", attempt)).get_data(
        as_text=True), question) == (items, selects)
    options = data["options"]
    chosen = {"Basel": "wastes", "Rotterdam": "PIC", "Stockholm": "ozone"}
    form = {"attempt_token": services.attempt_token(attempt),
            f"q{question.id}": [str(options.index(chosen[item])) for item in items]}
    learner_client.post(url(quiz, "save", attempt), data=form)
    db.session.expire_all()
    saved = db.session.get(QuizAttempt, attempt.id).answers[str(question.id)]
    assert [options[saved[i]] for i in range(3)] == [
        chosen[data["items"][i]["html"]] for i in range(3)]
    page = learner_client.get(url(quiz, "attempt", attempt)).get_data(as_text=True)
    selects = re.findall(rf'<select id="q{question.id}-\d+"(.*?)</select>', page, re.DOTALL)
    assert [re.findall(r'value="(\d+)" selected', s) for s in selects] == [
        [str(options.index(chosen[item]))] for item in items]
    learner_client.post(url(quiz, "submit", attempt), data=form)
    db.session.expire_all()
    done = db.session.get(QuizAttempt, attempt.id)
    assert done.status is AttemptStatus.submitted
    assert done.percent == pytest.approx(200 / 3, abs=0.5)


def test_matching_orders_are_drawn_per_attempt(app):
    """The order depends on the attempt (and question) id only: the same for one attempt every
    time, different between attempts."""
    from types import SimpleNamespace

    from elearn.quizzes.models import QuestionKind

    data = {"items": [{"html": f"item {n}", "option": n} for n in range(4)],
            "options": [f"option {n}" for n in range(6)]}
    question = SimpleNamespace(id=7, kind=QuestionKind.matching, data=data)
    orders = [services.display_orders(QuizAttempt(id=n, layout={}), [question])["7"]
              for n in range(1, 21)]
    assert orders[0] == services.display_orders(QuizAttempt(id=1, layout={}), [question])["7"]
    assert len({str(order) for order in orders}) > 10
    assert all(sorted(o["items"]) == [0, 1, 2, 3] and sorted(o["options"]) == list(range(6))
               for o in orders)
