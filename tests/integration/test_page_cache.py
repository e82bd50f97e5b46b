"""A learner's whole pages from the cache (elearn.page_cache): served while nothing they show
has changed, never after; learners' tokens follow every write of their state, whoever makes it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn import caching, page_cache
from elearn.accounts.models import Role, User
from elearn.db_types import utcnow
from elearn.enrolments import place_requests
from elearn.enrolments.models import Enrolment, ModuleProgress
from elearn.extensions import db
from elearn.quizzes import services as quizzes
from tests import factories

#: a learner's page from the cache: the user and the version tokens
HIT = 2


def token(user) -> str:
    return db.session.scalar(sa.select(User.state_token).where(User.id == user.id))


def learners_token() -> str | None:
    return db.session.scalar(sa.select(caching.content_versions.c.token)
                             .where(caching.content_versions.c.name == caching.LEARNERS))


def get(count_queries, client, url):
    with count_queries() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), counter.count


@pytest.fixture
def course(trainer):
    return factories.make_course(slug="esm", owner=trainer)


# --- the tokens ---------------------------------------------------------------------------------

def test_an_orm_write_changes_only_its_owners_token(app, course):
    learner, other = factories.make_user(), factories.make_user()
    before, other_before = token(learner), token(other)
    enrolment = factories.enrol(learner, course)
    assert token(learner) != before and token(other) == other_before

    # a row that reaches its owner through another table: progress through the enrolment
    before = token(learner)
    db.session.add(ModuleProgress(enrolment_id=enrolment.id, module_id=course.modules[0].id))
    db.session.commit()
    assert token(learner) != before and token(other) == other_before

    before = token(learner)
    db.session.delete(db.session.scalar(sa.select(ModuleProgress)))
    db.session.commit()
    assert token(learner) != before


def test_statements_change_the_owners_of_the_rows_they_write(app, course, trainer):
    learner, other = factories.make_user(), factories.make_user()
    quiz = factories.make_quiz(course)
    enrolment = factories.enrol(learner, course)
    factories.enrol(other, course)
    attempt = quizzes.start_attempt(quiz, learner)
    db.session.commit()
    before, other_before = token(learner), token(other)
    assert quizzes.save_answers(attempt, {"1": "x"})  # an UPDATE statement
    db.session.commit()
    assert token(learner) != before and token(other) == other_before

    # an UPDATE of progress rows reaches the owner through the enrolment
    db.session.add(ModuleProgress(enrolment_id=enrolment.id, module_id=course.modules[0].id))
    db.session.commit()
    before = token(learner)
    db.session.execute(sa.update(ModuleProgress).where(ModuleProgress.enrolment_id == enrolment.id)
                       .values(completed_at=utcnow()))
    db.session.commit()
    assert token(learner) != before and token(other) == other_before

    # an INSERT names its owners
    third = factories.make_user()
    before = token(third)
    db.session.execute(sa.insert(Enrolment.__table__), [
        {"user_id": third.id, "course_id": course.id, "status": "active",
         "enrolled_at": utcnow(), "progress_percent": 0}])
    db.session.commit()
    assert token(third) != before and token(other) == other_before


def test_a_statement_whose_learners_are_unknown_changes_the_shared_token(app, course):
    factories.enrol(factories.make_user(), course)
    before = learners_token()
    db.session.execute(sa.update(Enrolment).values(progress_percent=0))  # no WHERE: everyone
    db.session.commit()
    assert learners_token() not in (before, None)


def test_bulk_enrolment_changes_only_its_learners_tokens(app, course, trainer):
    """New accounts and their enrolments go in as statements (enrolments.bulk): the new people
    get tokens of their own, nobody else's page is dropped."""
    from elearn.enrolments import bulk, bulk_file

    existing, bystander = factories.make_user(email="known@example.org"), factories.make_user()
    before, shared, other_before = token(existing), learners_token(), token(bystander)
    text = ("email,name,audience,country\nknown@example.org,Known,customs-officer,SN\n"
            "new@example.org,New Person,customs-officer,KE\n")
    result = bulk.apply(bulk_file.parse(text.encode()), course, trainer)
    db.session.commit()
    assert (result.created, result.enrolled) == (1, 2)
    assert token(existing) != before and token(bystander) == other_before
    assert learners_token() == shared


def test_an_account_change_changes_its_token_and_a_rollback_keeps_the_old_one(app):
    learner = factories.make_user()
    before = token(learner)
    learner.timezone = "Europe/Paris"
    db.session.commit()
    changed = token(learner)
    assert changed != before

    learner.name = "Somebody Else"
    db.session.flush()
    db.session.rollback()
    assert token(learner) == changed


# --- the pages ----------------------------------------------------------------------------------

def test_a_learners_pages_come_from_the_cache_until_they_change(app, as_user, course,
                                                               count_queries):
    learner = factories.make_user()
    factories.make_quiz(course)
    factories.enrol(learner, course)
    client = as_user(learner)
    for url in ("/courses", "/courses/esm", "/courses/esm/modules/module-1",
                "/courses/esm/quizzes/basics"):
        first, cold = get(count_queries, client, url)
        again, warm = get(count_queries, client, url)
        assert warm == HIT < cold, url
        assert again == first, url

    # the learner's own write, through the page's form
    assert client.post("/courses/esm/modules/module-1/done").status_code == 302
    page, queries = get(count_queries, client, "/courses/esm")
    assert queries > HIT and "1 of 3 modules done" in page
    page, queries = get(count_queries, client, "/courses/esm/modules/module-1")
    assert queries > HIT


def test_another_persons_decision_shows_on_the_learners_page(app, as_user, trainer):
    course = factories.make_course(slug="restricted", owner=trainer, restricted=True,
                                   audiences=("industry",))
    learner = factories.make_user()
    request = place_requests.request_place(learner, course)
    db.session.commit()
    client = as_user(learner)
    assert "Place requested" in client.get("/courses/restricted").get_data(as_text=True)

    assert place_requests.decide(request, trainer, approve=True)  # a conditional UPDATE
    db.session.commit()
    page = client.get("/courses/restricted").get_data(as_text=True)
    assert "Place requested" not in page and "Withdraw" in page


def test_learners_never_share_a_page(app, as_user, course):
    enrolled, other = factories.make_user(name="Enrolled One"), factories.make_user(name="Not Yet")
    factories.enrol(enrolled, course)
    assert "Withdraw" in as_user(enrolled).get("/courses/esm").get_data(as_text=True)
    page = as_user(other).get("/courses/esm").get_data(as_text=True)
    assert "Withdraw" not in page and "Not Yet" in page


def test_a_cached_page_carries_the_current_csrf_token(app, as_user, course, csrf_enabled):
    learner = factories.make_user()
    factories.enrol(learner, course)
    client = as_user(learner)
    client.get("/courses/esm")
    other_session = as_user(learner)  # the same learner on a second device: another session
    page = other_session.get("/courses/esm").get_data(as_text=True)
    assert "\x1f" not in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = other_session.post("/courses/esm/withdraw",
                                  data={"csrf_token": csrf, "next": "/courses/esm"})
    # the token was accepted (a stale one is refused with 400): the page asks to confirm
    assert response.status_code == 200 and "Withdraw from" in response.get_data(as_text=True)


def test_a_page_with_a_message_to_show_is_not_served_from_the_cache(app, as_user, course):
    client = as_user(factories.make_user())
    assert "Enrol in this course" not in client.get("/courses/esm").get_data(as_text=True)
    # a module of a course one is not enrolled in sends back to the course page with a message
    assert client.get("/courses/esm/modules/module-1").status_code == 302
    assert "Enrol in this course to read its modules." in client.get("/courses/esm").get_data(
        as_text=True)
    # shown once: the next view is the cached page again, without it
    assert "Enrol in this course" not in client.get("/courses/esm").get_data(as_text=True)


def test_a_page_is_not_served_after_what_it_shows_changes_with_time(
        app, as_user, course, trainer, count_queries, monkeypatch):
    learner = factories.make_user()
    factories.enrol(learner, course)
    webinar = factories.make_webinar(trainer, course=course, duration=60)
    client = as_user(learner)
    page, _cold = get(count_queries, client, "/courses/esm")
    assert webinar.title in page
    assert get(count_queries, client, "/courses/esm")[1] == HIT

    ends = webinar.start_utc + timedelta(minutes=60)
    monkeypatch.setattr(page_cache, "utcnow", lambda: ends)  # the session is over
    assert get(count_queries, client, "/courses/esm")[1] > HIT


def test_an_open_timed_attempt_bounds_the_page(app, as_user, course, count_queries, monkeypatch):
    learner = factories.make_user()
    quiz = factories.make_quiz(course, time_limit_minutes=10)
    factories.enrol(learner, course)
    attempt = quizzes.start_attempt(quiz, learner)
    db.session.commit()
    client = as_user(learner)
    get(count_queries, client, "/courses/esm/quizzes/basics")
    assert get(count_queries, client, "/courses/esm/quizzes/basics")[1] == HIT
    monkeypatch.setattr(page_cache, "utcnow", lambda: quizzes.expires_at(attempt))
    assert get(count_queries, client, "/courses/esm/quizzes/basics")[1] > HIT


def test_a_trainers_pages_are_rendered_each_time(app, as_user, course, trainer, count_queries):
    client = as_user(trainer)
    get(count_queries, client, "/courses/esm")
    _page, queries = get(count_queries, client, "/courses/esm")
    assert queries > HIT
    assert db.session.scalar(sa.select(User.role).where(User.id == trainer.id)) is Role.trainer


def test_the_page_cache_can_be_switched_off(app, as_user, course, count_queries, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", False)
    client = as_user(factories.make_user())
    get(count_queries, client, "/courses/esm")
    assert get(count_queries, client, "/courses/esm")[1] > HIT


def test_only_the_arguments_a_page_reads_are_kept(app, as_user, course, count_queries):
    learner = factories.make_user()
    factories.enrol(learner, course)
    client = as_user(learner)
    for url in ("/courses/esm?made-up=1", "/courses?q=" + "x" * 41,
                "/courses/esm/modules/module-1?original=1&other=2"):
        factories.enrol(factories.make_user(), course)  # (someone else: no change for this one)
        get(count_queries, client, url)
        assert get(count_queries, client, url)[1] > HIT, url
    get(count_queries, client, "/courses?q=waste&audience=customs-officer")
    assert get(count_queries, client, "/courses?q=waste&audience=customs-officer")[1] == HIT


# --- generated: whatever happens, a page from the cache is the page the view renders ------------

_ACTIONS = ["enrol", "withdraw", "done-1", "done-2", "done-3", "start-quiz", "submit-quiz",
            "request-place", "approve", "decline", "new-module", "timezone", "webinar",
            "audience"]
_URLS = ["/courses", "/courses/esm", "/courses/esm/modules/module-1",
         "/courses/esm/quizzes/basics", "/courses/restricted"]
_CSRF = re.compile(r'(name="csrf_token"[^>]*value=")[^"]*"')


def _act(action: str, learner, client, trainer, courses, quiz) -> None:
    """One thing a learner, their trainer or an author does (through the page or a service)."""
    from elearn.courses.models import Module
    from elearn.enrolments import services as enrolments
    from elearn.enrolments.models import EnrolmentRequest, RequestStatus
    from elearn.reference.models import Audience

    course, _restricted = courses
    if action == "enrol":
        client.post("/courses/esm/enrol", data={"next": "/courses/esm"})
    elif action.startswith("done-"):
        client.post(f"/courses/esm/modules/module-{action[-1]}/done")
    elif action == "start-quiz":
        client.post("/courses/esm/quizzes/basics/start")
    elif action == "request-place":
        client.post("/courses/restricted/request", data={"message": "Please"})
    else:
        if action == "withdraw":
            enrolment = enrolments.get_enrolment(learner.id, course.id)
            if enrolment is not None:
                enrolments.withdraw(enrolment)
        elif action == "submit-quiz":
            for attempt in quizzes.user_attempts(quiz.id, learner.id):
                if attempt.status.value == "in_progress":
                    quizzes.submit_attempt(quiz, attempt, {})
        elif action in ("approve", "decline"):
            pending = db.session.scalar(sa.select(EnrolmentRequest).where(
                EnrolmentRequest.user_id == learner.id,
                EnrolmentRequest.status == RequestStatus.pending))
            if pending is not None:
                place_requests.decide(pending, trainer, approve=action == "approve")
        elif action == "new-module":
            position = len(course.modules)
            db.session.add(Module(course_id=course.id, slug=f"extra-{position}",
                                  title=f"Extra {position}", position=position,
                                  body_html="<p>More.</p>"))
        elif action == "timezone":
            learner.timezone = "Asia/Tokyo" if learner.timezone != "Asia/Tokyo" else "UTC"
        elif action == "webinar":
            factories.make_webinar(trainer, course=course)
        elif action == "audience":
            learner.audience = db.session.scalar(sa.select(Audience).where(
                Audience.slug == ("industry" if learner.audience.slug != "industry"
                                  else "customs-officer")))
        db.session.commit()


def _page(client, url) -> tuple[int, str]:
    response = client.get(url)
    return response.status_code, _CSRF.sub(r'\1"', response.get_data(as_text=True))


@pytest.fixture
def world(app, trainer):
    course = factories.make_course(slug="esm", owner=trainer)
    restricted = factories.make_course(slug="restricted", owner=trainer, restricted=True,
                                       audiences=("industry",))
    return (course, restricted), factories.make_quiz(course)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(actions=st.lists(st.sampled_from(_ACTIONS), min_size=1, max_size=8))
def test_a_page_from_the_cache_is_the_page_the_view_renders(app, as_user, trainer, world,
                                                             actions, monkeypatch):
    """Random sequences of what learners, trainers and authors do: after each step every page
    the learner reads from the cache equals the page rendered with the cache off."""
    courses, quiz = world
    learner = factories.make_user()
    client = as_user(learner)
    for url in _URLS:  # stored before anything happens
        client.get(url)
    for action in actions:
        _act(action, learner, client, trainer, courses, quiz)
        for url in _URLS:
            client.get(url)  # served or stored
            served = _page(client, url)
            monkeypatch.setitem(app.config, "PAGE_CACHE", False)
            rendered = _page(client, url)
            monkeypatch.setitem(app.config, "PAGE_CACHE", True)
            assert served == rendered, (actions, action, url)
