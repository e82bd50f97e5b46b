"""Accessibility (issue 20, WCAG 2.2 AA) through the client: timed quizzes with extra time,
unique ids, the error summary, scrolling table regions, titles, announced confirmations,
content language, the focus ring's contrast and chart labels."""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from elearn.enrolments.models import Enrolment
from elearn.extensions import db
from elearn.quizzes import services
from elearn.quizzes.models import QuizAttempt
from tests import factories

ROOT = Path(__file__).resolve().parents[2]


class Tags(HTMLParser):
    """Every start tag as (name, attributes), and the page title."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self._in_title = False
        self.title = ""
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title"

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def find(self, tag=None, **wanted):
        return [a for t, a in self.tags if (tag is None or t == tag)
                and all(a.get(k.replace("_", "-")) == v for k, v in wanted.items())]


def page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return Tags(response.get_data(as_text=True))


# --- 1. timed quizzes -----------------------------------------------------------------------

@pytest.fixture
def timed(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course, time_limit_minutes=10)
    enrolment = factories.enrol(learner, course)
    return course, quiz, enrolment


def started(client, quiz):
    response = client.post(f"/courses/esm/quizzes/{quiz.slug}/start")
    assert response.status_code == 302
    attempt_id = int(re.search(r"/attempts/(\d+)", response.headers["Location"]).group(1))
    return db.session.get(QuizAttempt, attempt_id)


def minutes(attempt) -> float:
    return (attempt.deadline_at - attempt.started_at) / timedelta(minutes=1)


def test_a_trainer_grants_one_learner_extra_time(timed, trainer_client, learner_client, learner):
    _course, quiz, enrolment = timed
    assert page(trainer_client, "/trainer/courses/esm/quiz-time").title.startswith("Time on timed quizzes")
    response = trainer_client.post("/trainer/courses/esm/quiz-time", data={
        "learner-email": "LEARNER@example.org", "learner-percent": "150"})
    assert response.status_code == 302
    assert db.session.get(Enrolment, enrolment.id).quiz_time_percent == 150
    html = trainer_client.get("/trainer/courses/esm/quiz-time").get_data(as_text=True)
    assert "Lina Learner" in html and "150%" in html

    attempt = started(learner_client, quiz)
    assert minutes(attempt) == pytest.approx(15)
    assert "15 minutes for you" in learner_client.get("/courses/esm/quizzes/basics").get_data(as_text=True)


def test_the_course_default_applies_unless_the_learner_has_their_own(timed, trainer_client,
                                                                      learner_client, make_user):
    course, quiz, _enrolment = timed
    response = trainer_client.post("/trainer/courses/esm/quiz-time", data={"course-percent": "200"})
    assert response.status_code == 302
    assert minutes(started(learner_client, quiz)) == pytest.approx(20)

    other = make_user(email="other@example.org")
    factories.enrol(other, course)
    trainer_client.post("/trainer/courses/esm/quiz-time", data={
        "learner-email": "other@example.org", "learner-percent": "0"})  # no time limit
    from tests.conftest import login_client

    client = learner_client.application.test_client()
    login_client(client, other)
    assert started(client, quiz).deadline_at is None


def test_time_allowance_bad_input_and_access(timed, trainer_client, learner_client):
    response = trainer_client.post("/trainer/courses/esm/quiz-time", data={"course-percent": "5000"})
    assert response.status_code == 400
    tags = Tags(response.get_data(as_text=True))
    assert tags.title.startswith("Error")
    response = trainer_client.post("/trainer/courses/esm/quiz-time", data={
        "learner-email": "nobody@example.org", "learner-percent": "150"})
    assert response.status_code == 400
    assert "Nobody with this email is enrolled" in response.get_data(as_text=True)
    assert learner_client.get("/trainer/courses/esm/quiz-time").status_code in (403, 404)


def test_the_attempt_page_labels_the_timer_and_gives_the_deadline_with_its_zone(timed, learner_client):
    _course, quiz, _enrolment = timed
    attempt = started(learner_client, quiz)
    html = learner_client.get(f"/courses/esm/quizzes/basics/attempts/{attempt.id}").get_data(as_text=True)
    tags = Tags(html)
    timer = tags.find(id="quiz-timer")[0]
    assert timer["role"] == "timer" and "quiz-timer-label" in timer["aria-labelledby"]
    assert re.search(r'id="quiz-timer-label">Time left:</span>\s*<span[^>]*>10 min</span>', html)
    assert timer["data-warn5-text"] and timer["data-warn1-text"] and timer["data-timeup-text"]
    assert tags.find(id="quiz-time-alert")[0]["role"] == "alert"
    assert "(Dakar time)" in html  # the learner's zone, named
    assert 'aria-live="off"' not in html


# --- 3. unique ids, 2. language of options and content ---------------------------------------

def test_profile_has_no_duplicate_ids_and_language_options_carry_their_language(learner_client):
    tags = page(learner_client, "/profile")
    ids = Counter(a["id"] for _t, a in tags.tags if "id" in a)
    assert [i for i, n in ids.items() if n > 1] == []
    french = tags.find("option", value="fr")  # the profile's language choice
    assert len(french) == 1 and french[0]["lang"] == "fr" and french[0]["dir"] == "ltr"
    arabic = tags.find("a", hreflang="ar")  # the footer's language links
    assert len(arabic) == 1 and arabic[0]["lang"] == "ar" and arabic[0]["dir"] == "rtl"


def test_course_content_carries_its_language(app, trainer, learner_client, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=1)
    course.language = "ar"
    db.session.commit()
    factories.enrol(learner, course)
    tags = page(learner_client, "/courses/esm")
    assert tags.find("h1", lang="ar", dir="rtl")
    module = course.modules[0]
    tags = page(learner_client, f"/courses/esm/modules/{module.slug}")
    assert tags.find("h1", lang="ar", dir="rtl") and tags.find("div", lang="ar", dir="rtl")


# --- 5. errors --------------------------------------------------------------------------------

def test_a_failed_form_gets_an_error_title_and_a_focused_summary_linking_to_fields(client):
    response = client.post("/register", data={"email": "not-an-email", "password": "short"})
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    tags = Tags(html)
    assert tags.title.startswith("Error:")
    summary = tags.find(id="error-summary")[0]
    assert summary["tabindex"] == "-1" and "data-autofocus" in summary and summary["role"] == "alert"
    links = [a["href"] for a in tags.find("a") if a.get("href", "").startswith("#") and a["href"] != "#main"]
    assert "#email" in links and "#password" in links
    for target in links:
        assert tags.find(id=target[1:]), target


def test_hints_stay_beside_errors(client):
    html = client.post("/register", data={"email": "a@example.org", "password": "short"}).get_data(as_text=True)
    tags = Tags(html)
    field = tags.find("input", id="password")[0]
    described = field.get("aria-describedby", "").split()
    if tags.find(id="password-help"):  # the password field has a hint: it is kept and read
        assert "password-help" in described
    assert "password-error" in described


def test_a_page_without_errors_has_the_normal_title(client):
    assert not page(client, "/register").title.startswith("Error")


# --- 6. scrolling tables ---------------------------------------------------------------------

def test_every_scrolling_table_is_a_labelled_focusable_region(app, admin_client, trainer):
    factories.make_course(slug="esm", owner=trainer, modules=1)
    for path in ("/admin/users", "/admin/reference"):
        response = admin_client.get(path)
        assert response.status_code == 200
        tags = Tags(response.get_data(as_text=True))
        wraps = [a for _t, a in tags.tags if "table-wrap" in a.get("class", "").split()]
        assert wraps, path
        assert len(tags.find("table")) == len(wraps), path
        for wrap in wraps:
            assert wrap.get("tabindex") == "0" and wrap.get("role") == "region", (path, wrap)
            assert wrap.get("aria-label") or wrap.get("aria-labelledby"), (path, wrap)


def test_every_template_table_wrapper_is_a_region():
    for template in (ROOT / "templates").rglob("*.html"):
        for match in re.finditer(r'<div class="table-wrap"[^>]*>', template.read_text()):
            tag = match.group(0)
            assert 'tabindex="0"' in tag and 'role="region"' in tag and "aria-label" in tag, (
                template, tag)


# --- 4. focus ring contrast, 7. reflow ---------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    hex_colour = hex_colour.lstrip("#")
    if len(hex_colour) == 3:
        hex_colour = "".join(c * 2 for c in hex_colour)
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_focus_ring_has_3_to_1_contrast_on_every_background():
    css = (ROOT / "static/css/app.css").read_text()
    variables = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{3,6})", css))

    def colour(value):
        value = value.strip()
        match = re.match(r"var\(--([\w-]+)\)", value)
        return variables[match.group(1)] if match else {"#fff": "#ffffff"}.get(value, value)

    ring = colour(re.search(r"^:focus-visible \{ outline: 3px solid ([^;]+);", css, re.MULTILINE).group(1))
    header_ring = colour(re.search(r"\.site-header :focus-visible[^{]*\{ outline-color: ([^;]+);", css).group(1))
    for background in ("#ffffff", variables["soft"], variables["bg"]):
        assert contrast(ring, background) >= 3, (ring, background)
    assert contrast(header_ring, variables["brand"]) >= 3
    assert "#f0a500" not in css


def test_visually_hidden_cannot_widen_the_page():
    css = (ROOT / "static/css/app.css").read_text()
    rule = re.search(r"\.visually-hidden \{([^}]*)\}", css).group(1)
    assert "clip-path: inset(50%)" in rule and "width: 1px" in rule and "inset-inline-start: 0" in rule
    assert re.search(r"\.description[^{]*\{[^}]*overflow-wrap: anywhere", css)


# --- 8. titles ---------------------------------------------------------------------------------

def test_each_quiz_and_each_state_has_its_own_title(timed, learner_client):
    course, quiz, _enrolment = timed
    other = factories.make_quiz(course, slug="final", title="Final check", position=1)
    intro = page(learner_client, "/courses/esm/quizzes/basics").title
    other_intro = page(learner_client, "/courses/esm/quizzes/final").title
    attempt = started(learner_client, quiz)
    attempt_title = page(learner_client, f"/courses/esm/quizzes/basics/attempts/{attempt.id}").title
    assert len({intro, other_intro, attempt_title}) == 3
    assert quiz.title in intro and other.title in other_intro and "Attempt 1" in attempt_title
    # a refused save answers the attempt page with an error: the title says so
    response = learner_client.post(f"/courses/esm/quizzes/basics/attempts/{attempt.id}/save",
                                   data={"attempt_token": "forged"})
    assert response.status_code == 400
    assert Tags(response.get_data(as_text=True)).title.startswith("Error:")


# --- 9. confirmations --------------------------------------------------------------------------

def test_a_confirmation_is_focused_when_the_page_loads(timed, learner_client):
    _course, quiz, _enrolment = timed
    attempt = started(learner_client, quiz)
    response = learner_client.post(f"/courses/esm/quizzes/basics/attempts/{attempt.id}/save",
                                   data={"attempt_token": services.attempt_token(attempt)},
                                   follow_redirects=True)
    tags = Tags(response.get_data(as_text=True))
    flashes = tags.find(id="flashes")[0]
    assert "data-autofocus" in flashes and flashes["tabindex"] == "-1"
    assert tags.find("script", src="/static/js/app.js")


# --- 10. charts ------------------------------------------------------------------------------

def test_chart_labels_are_never_cut():
    from elearn.reports.charts import Bar, bar_chart

    label = "Stockholm Convention Regional Centre for Capacity-building and Technology Transfer"
    svg = str(bar_chart("c", "By centre", "desc", [Bar(label, 3), Bar("Short", 1)]))
    assert "…" not in svg
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert " ".join(t for t in texts if t not in ("", "–")).startswith(label)
    width = int(re.search(r'viewBox="0 0 (\d+)', svg).group(1))
    assert width <= 400  # readable when scaled to a 320 px screen


def test_password_rules_are_said_up_front(client):
    html = client.get("/register").get_data(as_text=True)
    help_text = re.search(r'id="password-help">([^<]*)<', html).group(1)
    assert "12" in help_text and "5" in help_text and "email" in help_text


# --- issue 16: confirmations before withdrawing or unregistering -----------------------------

def test_withdraw_asks_first(app, trainer, learner, learner_client):
    course = factories.make_course(slug="esm", owner=trainer, modules=1)
    enrolment = factories.enrol(learner, course)
    response = learner_client.post("/courses/esm/withdraw", data={"next": "/courses/esm"})
    assert response.status_code == 200
    tags = Tags(response.get_data(as_text=True))
    assert tags.title.startswith("Withdraw from")
    assert tags.find("input", name="confirmed", value="yes")
    assert db.session.get(Enrolment, enrolment.id).status.value == "active"
    response = learner_client.post("/courses/esm/withdraw", data={"confirmed": "yes"})
    assert response.status_code == 302
    assert db.session.get(Enrolment, enrolment.id).status.value == "withdrawn"


def test_unregister_asks_first(app, trainer, learner, learner_client):
    from elearn.webinars.models import Registration

    webinar = factories.make_webinar(trainer)
    assert learner_client.post(f"/webinars/{webinar.id}/register").status_code == 302
    response = learner_client.post(f"/webinars/{webinar.id}/unregister")
    assert response.status_code == 200 and "Give up your place" in response.get_data(as_text=True)
    registration = db.session.scalar(db.select(Registration))
    assert registration.status.value != "cancelled"
    assert learner_client.post(f"/webinars/{webinar.id}/unregister",
                               data={"confirmed": "yes"}).status_code == 302
    db.session.refresh(registration)
    assert registration.status.value == "cancelled"


# --- issue 16: progress figures agree; Start / Continue ----------------------------------------

def test_progress_shows_each_requirement_and_one_overall_figure(app, trainer, learner, learner_client):
    from elearn.enrolments import services as enrolments

    course = factories.make_course(slug="esm", owner=trainer, modules=2, webinar_required=True)
    factories.make_quiz(course)
    enrolment = factories.enrol(learner, course)
    html = learner_client.get("/courses/esm").get_data(as_text=True)
    assert "Start the course" in html and "/courses/esm/modules/module-1" in html
    enrolments.mark_module_done(enrolment, course.modules[0])
    enrolments.mark_module_done(enrolment, course.modules[1])
    db.session.commit()
    html = learner_client.get("/courses/esm").get_data(as_text=True)
    # 2 modules + 1 quiz + 1 webinar = 4 parts, 2 done: one overall figure, each part counted
    assert "50% of the course done" in html
    assert "Modules: 2 of 2 done" in html and "Quiz: 0 of 1 passed" in html
    assert "Webinar: attend one of the course" in html
    assert "Continue: the quiz" in html and "/courses/esm/quizzes/basics" in html
    assert html.count("% of the course done") == 1 and "Your progress" not in html
    assert db.session.get(Enrolment, enrolment.id).progress_percent == 50


# --- issue 16: result page, revoked certificates, certificate look-up, PDF, favicon ------------

@pytest.fixture
def completed(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=0)
    quiz = factories.make_quiz(course)
    enrolment = factories.enrol(learner, course)
    return course, quiz, enrolment


def test_the_result_page_says_the_course_is_completed_with_the_certificate(completed, learner_client):
    from tests.integration.test_quizzes_attempts import answers_form

    _course, quiz, enrolment = completed
    attempt = started(learner_client, quiz)
    response = learner_client.post(f"/courses/esm/quizzes/basics/attempts/{attempt.id}/submit",
                                   data=answers_form(attempt, right=True), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert db.session.get(Enrolment, enrolment.id).status.value == "completed"
    assert "You have completed" in html
    code = re.search(r'href="/me/certificates/([^"]+)">View your certificate', html).group(1)
    assert "attempt left" not in html
    # the course page links the certificate; once revoked, it says so instead
    assert f"/me/certificates/{code}" in learner_client.get("/courses/esm").get_data(as_text=True)
    from elearn.certificates import services as certificates

    certificate = certificates.get_by_code(code)
    certificate.revoked_at = certificates.utcnow()
    certificate.revoked_reason = "test"
    db.session.commit()
    html = learner_client.get("/courses/esm").get_data(as_text=True)
    assert "was revoked" in html and "Your certificate is in My learning" not in html
    assert "View and share" not in learner_client.get("/me/learning").get_data(as_text=True)


def test_certificate_lookup_form(client):
    tags = page(client, "/certificates")
    assert tags.find("input", id="code")
    response = client.get("/certificates?code=not+a+code")
    assert response.status_code == 400
    assert Tags(response.get_data(as_text=True)).title.startswith("Error:")
    code = "abcde-fghij-kmnpq-rstuv"
    response = client.get("/certificates?code=" + code.upper().replace("-", " "))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/certificates/" + code)
    assert 'href="/certificates"' in client.get("/").get_data(as_text=True)


def test_the_pdf_downloads_under_a_good_name(app, trainer, learner):
    course = factories.make_course(slug="esm", owner=trainer, modules=1)
    factories.complete_course(learner, course)
    from elearn.certificates.models import Certificate

    code = db.session.scalar(db.select(Certificate.code))
    response = app.test_client().get(f"/certificates/{code}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="certificate-esm-{code}.pdf"'


def test_favicon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


# --- issue 16: trainers -------------------------------------------------------------------------

def test_trainer_nav_says_how_many_requests_wait(app, trainer, trainer_client, make_user):
    from elearn.enrolments import place_requests

    course = factories.make_course(slug="esm", owner=trainer, restricted=True)
    html = trainer_client.get("/courses").get_data(as_text=True)
    assert "Place requests" in html
    for n in range(3):
        place_requests.request_place(make_user(audience_slug="industry"), course, "please")
    db.session.commit()
    html = trainer_client.get("/courses").get_data(as_text=True)
    assert re.search(r'href="/enrolments/requests"[^>]*>3 requests waiting<', html)


def test_a_trainer_is_not_offered_enrol_on_their_own_course(app, trainer, trainer_client):
    factories.make_course(slug="esm", owner=trainer, audiences=("customs-officer",), restricted=True)
    html = trainer_client.get("/courses/esm").get_data(as_text=True)
    assert "You are a trainer of this course" in html
    assert ">Enrol<" not in html and "Request a place" not in html and "not eligible" not in html


def test_add_an_audience_is_titled_so(admin_client):
    assert page(admin_client, "/admin/audiences/new").title.startswith("Add an audience")


# --- issue 16: /me/calendar post/redirect/get ---------------------------------------------------

def test_calendar_address_post_redirect_get_and_regenerate_only_when_confirmed(app, learner,
                                                                               learner_client):
    response = learner_client.post("/me/calendar")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/calendar")
    html = learner_client.get("/me/calendar").get_data(as_text=True)
    token = re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", html).group(1)
    # a reload is a GET: no new address, the old one keeps working
    assert token not in learner_client.get("/me/calendar").get_data(as_text=True)
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200
    # "Make a new address" asks first; only the confirmed POST replaces it
    response = learner_client.post("/me/calendar")
    assert response.status_code == 200 and "Make a new calendar address?" in response.get_data(as_text=True)
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 200
    learner_client.post("/me/calendar", data={"confirmed": "yes"})
    assert app.test_client().get(f"/calendar/{token}.ics").status_code == 404


# --- issue 16: one date and time format ------------------------------------------------------

def test_one_date_time_format_everywhere(app):
    from datetime import datetime

    from flask import render_template_string

    moment = datetime(2026, 11, 30, 14, 34, 56, tzinfo=UTC)
    with app.test_request_context():
        text = render_template_string(
            "{{ t|datetime }}|{{ t|datetime('short') }}|{{ t|date }}|{{ t|date('long') }}", t=moment)
    first, short, day, long_day = text.split("|")
    assert first == short and day == long_day  # one format, whatever a template asks
    assert day in first and ":56" not in first  # the date inside the date-time; no seconds
    assert "Nov 30, 2026" == day


# --- issue 16: admin user edit ------------------------------------------------------------------

def test_admin_edits_name_email_and_deactivates_keeping_the_list_search(app, admin_client, learner,
                                                                        make_user):
    from elearn.accounts.models import User
    from tests.conftest import login_client

    make_user(email="taken@example.org")
    session_client = app.test_client()
    login_client(session_client, learner)
    assert session_client.get("/profile").status_code == 200
    url = f"/admin/users/{learner.id}?q=lina&page=1"
    data = {"role": "learner", "centre": "", "name": "Lina L. Learner", "email": "taken@example.org"}
    response = admin_client.post(url, data=data)
    assert response.status_code == 400 and "Another account uses this email" in response.get_data(as_text=True)
    response = admin_client.post(url, data={**data, "email": "Lina.New@Example.org"})  # no "active"
    assert response.status_code == 302 and "q=lina" in response.headers["Location"]
    user = db.session.get(User, learner.id)
    assert (user.name, user.email, user.active) == ("Lina L. Learner", "lina.new@example.org", False)
    assert session_client.get("/profile").status_code in (302, 401)  # the open session ended
    html = admin_client.get("/admin/users?q=lina").get_data(as_text=True)
    assert "deactivated" in html and "q=lina" in html


def test_item_analysis_says_which_attempts_the_question_figures_come_from(completed, trainer_client,
                                                                           learner, learner_client):
    from tests.integration.test_quizzes_attempts import answers_form

    _course, quiz, _enrolment = completed
    attempt = started(learner_client, quiz)
    learner_client.post(f"/courses/esm/quizzes/basics/attempts/{attempt.id}/submit",
                        data=answers_form(attempt, right=False))
    # an attempt with only a total score, as demo or imported data have
    db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=learner.id, number=2, status="submitted",
                               layout={}, answers={}, score=5, max_score=10, percent=50,
                               passed=False, submitted_at=attempt.started_at))
    db.session.commit()
    from elearn.quizzes.analysis import analyse

    result = analyse(quiz)
    assert (result.attempts, result.detailed) == (2, 1)
    assert all(s.seen == 1 for s in result.questions)
    html = trainer_client.get("/trainer/courses/esm/quizzes/basics/analysis").get_data(as_text=True)
    assert "1 graded attempt has only a total score" in html and "from the other 1" in html


def test_bulk_enrolment_messages_use_plurals(app, trainer, trainer_client):
    import io

    factories.make_course(slug="esm", owner=trainer, modules=1)
    data = "email,name,audience,country\nnew.person@example.org,New Person,customs-officer,SN\n"
    response = trainer_client.post("/courses/esm/bulk-enrol", data={
        "file": (io.BytesIO(data.encode()), "people.csv")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert "Confirm: enrol 1 person" in html


# --- issue 16: people search ----------------------------------------------------------------------

def test_people_search_looks_at_names_and_the_email_local_part(app, admin_client, make_user):
    make_user(email="lea.diop@elearn.test", name="Léa Diop")
    make_user(email="sam@elearn.test", name="Sam Ibe")
    make_user(email="x@example.org", name="Aleandro Ruiz")
    html = admin_client.get("/admin/users?q=lea").get_data(as_text=True)
    assert "lea.diop@elearn.test" in html and "x@example.org" in html  # local part; name
    assert "sam@elearn.test" not in html  # "lea" only in the domain: not a match
    assert "sam@elearn.test" in admin_client.get("/admin/users?q=@elearn.test").get_data(as_text=True)
    assert admin_client.get("/admin/users?q=100%25_").status_code == 200


# --- issue 16: capacity holds in demo data ----------------------------------------------------------

def test_demo_data_never_overfills_a_webinar(app, trainer):
    import sqlalchemy as sa

    from elearn.reports import demo
    from elearn.webinars.models import Registration, RegistrationStatus

    course = factories.make_course(slug="esm", owner=trainer, modules=1, webinar_required=False)
    webinar = factories.make_webinar(trainer, course=course, capacity=3)
    demo.generate(60, prefix="cap", centre_slugs=None, min_courses=1)
    db.session.commit()
    registered = db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.webinar_id == webinar.id, Registration.status == RegistrationStatus.registered))
    assert registered <= 3
    total = db.session.scalar(sa.select(sa.func.count(Registration.id)).where(
        Registration.webinar_id == webinar.id))
    assert total > 3  # more people wanted a place: the others wait


def test_attendance_waits_for_the_session(app, trainer, trainer_client, learner):
    from elearn.webinars import registering
    from elearn.webinars.models import Registration

    webinar = factories.make_webinar(trainer)  # next week
    registering.register(webinar.id, learner)
    db.session.commit()
    html = trainer_client.get(f"/webinars/{webinar.id}/attendance").get_data(as_text=True)
    assert "has not started yet" in html
    response = trainer_client.post(f"/webinars/{webinar.id}/attendance",
                                   data={"manual-attended": [str(learner.id)]})
    assert response.status_code == 302
    assert not db.session.scalar(db.select(Registration)).attended


def test_country_list_has_only_countries():
    from elearn.reference.services import country_names

    names = country_names()
    assert "XA" not in names and "XB" not in names and "EU" not in names and "QO" not in names
    assert "Pseudo" not in " ".join(names.values())
    assert {"SN", "CH", "BR", "XK"} <= set(names) and len(names) > 240


# --- issue 16: one email rule -----------------------------------------------------------------------

def test_one_email_rule_test_domains_outside_production_only(app):
    from elearn.accounts.services import valid_email

    assert valid_email("Learner@Elearn.TEST") == "learner@elearn.test"
    assert valid_email("not an email") is None and valid_email("a@b") is None
    app.config["ENV"] = "production"
    try:
        assert valid_email("learner@elearn.test") is None
        assert valid_email("ama@example.org") == "ama@example.org"
    finally:
        app.config["ENV"] = "testing"


def test_registration_and_bulk_accept_test_domains(app, client, trainer, trainer_client):
    import io

    response = client.post("/register", data={"email": "new@elearn.test", "name": "N"})
    assert "new@elearn.test" not in " ".join(
        re.findall(r'id="email-error"[^>]*>([^<]*)<', response.get_data(as_text=True)))
    assert not re.search(r'id="email-error"', response.get_data(as_text=True))
    factories.make_course(slug="esm", owner=trainer, modules=1)
    data = "email,name,audience,country\ndemo.person@elearn.test,Demo Person,customs-officer,SN\n"
    html = trainer_client.post("/courses/esm/bulk-enrol", data={
        "file": (io.BytesIO(data.encode()), "people.csv")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Bad email address" not in html and "Confirm: enrol 1 person" in html


def test_manual_attendance_shows_email_sorts_filters_and_pages(app, trainer, trainer_client,
                                                              make_user, monkeypatch):
    from elearn.webinars import attendance_views, registering
    from elearn.webinars.models import Registration

    monkeypatch.setattr(attendance_views, "ATTENDANCE_PAGE", 2)
    webinar = factories.make_webinar(trainer)
    people = [make_user(email=e, name=n) for e, n in [
        ("zoe@example.org", "Zoé Ba"), ("ana.one@example.org", "Ana Diallo"),
        ("ana.two@example.org", "Ana Diallo"), ("moe@example.org", "Moe Sy")]]
    for person in people:
        registering.register(webinar.id, person)
    db.session.commit()
    webinar.start_utc = webinar.start_utc.replace(year=2020)
    db.session.commit()
    html = trainer_client.get(f"/webinars/{webinar.id}/attendance").get_data(as_text=True)
    labels = re.findall(r'<label for="manual-attended-\d+">([^<]*)</label>', html)
    assert labels == ["Ana Diallo (ana.one@example.org)", "Ana Diallo (ana.two@example.org)"]
    assert "Page 1 of 2" in html
    html = trainer_client.get(f"/webinars/{webinar.id}/attendance?q=moe").get_data(as_text=True)
    assert re.findall(r'<label for="manual-attended-\d+">([^<]*)</label>', html) == [
        "Moe Sy (moe@example.org)"]
    # saving page 2 leaves page 1 alone
    first = people[1]
    db.session.execute(sa_update_attended(Registration, first.id))
    db.session.commit()
    trainer_client.post(f"/webinars/{webinar.id}/attendance?page=2",
                        data={"manual-attended": [str(people[3].id)]})
    attended = {r.user_id: r.attended for r in db.session.scalars(db.select(Registration))}
    assert attended[first.id] is True and attended[people[3].id] is True
    assert attended[people[0].id] is False


def sa_update_attended(model, user_id):
    import sqlalchemy as sa

    return sa.update(model).where(model.user_id == user_id).values(attended=True)
