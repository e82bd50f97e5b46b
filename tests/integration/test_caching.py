"""The page cache (elearn.caching): keyed by a content version that changes with every write to
course content, so an edit shows at once; ETags and 304s for visitors only; shared by every app
server through Redis when ELEARN_REDIS_URL is set."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
import sqlalchemy as sa

from elearn import caching
from elearn.extensions import db
from tests import factories


def text(response) -> str:
    return response.get_data(as_text=True)


def test_an_edit_to_a_course_shows_in_the_catalog_at_once(client, count_queries):
    course = factories.make_course(slug="esm", title="Old title")
    assert "Old title" in text(client.get("/courses"))
    with count_queries() as counter:
        assert "Old title" in text(client.get("/courses"))
    assert counter.count == 1  # only the content version: the rest came from the cache

    course.title = "New title"
    db.session.commit()
    page = text(client.get("/courses"))
    assert "New title" in page and "Old title" not in page


def test_audiences_translations_and_new_courses_change_the_version(client, app):
    from elearn.courses.models import CourseTranslation
    from elearn.reference.models import Audience

    course = factories.make_course(slug="esm", title="Waste management",
                                   audiences=("customs-officer",))
    client.get("/courses")
    course.audiences = [factories.audience("nip-official")]  # only the association table changes
    db.session.commit()
    nip = db.session.scalar(sa.select(Audience).where(Audience.slug == "nip-official"))
    assert nip.name in text(client.get("/courses"))

    db.session.add(CourseTranslation(course_id=course.id, language="fr",
                                     title="Gestion des déchets", summary="En bref."))
    db.session.commit()
    assert "Gestion des déchets" in text(client.get("/courses", headers={
        "Accept-Language": "fr"}))

    # a statement (not an ORM object) writing a content table changes the version too
    before = _version()
    db.session.execute(sa.update(type(course)).where(type(course).id == course.id)
                       .values(summary="Changed by a statement."))
    db.session.commit()
    assert _version() != before
    assert "Changed by a statement." in text(client.get("/courses"))


def _version() -> str:
    return db.session.scalar(sa.select(caching.content_versions.c.token)) or "0"


def test_a_rolled_back_edit_keeps_the_version(app):
    course = factories.make_course(slug="esm")
    before = _version()
    course.title = "Never committed"
    db.session.flush()
    assert _version() != before  # changed inside the transaction ...
    db.session.rollback()
    assert _version() == before  # ... and gone with it


def test_learner_pages_do_not_change_the_version(learner_client, learner):
    course = factories.make_course(slug="esm", modules=2)
    factories.enrol(learner, course)
    quiz = factories.make_quiz(course)
    before = _version()
    learner_client.get("/courses/esm")
    learner_client.post("/courses/esm/modules/module-1/done")
    from elearn.quizzes import services as quizzes

    quizzes.submit_attempt(quiz, quizzes.start_attempt(quiz, learner), {})
    db.session.commit()
    assert _version() == before  # learning never invalidates the cache


def test_the_catalog_of_visitors_answers_304_while_nothing_changed(client):
    course = factories.make_course(slug="esm", title="Waste management")
    first = client.get("/courses")
    etag = first.headers["ETag"]
    assert "Cookie" in first.headers["Vary"] and "Accept-Language" in first.headers["Vary"]
    again = client.get("/courses", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data

    french = client.get("/courses", headers={"If-None-Match": etag, "Accept-Language": "fr"})
    assert french.status_code == 200 and french.headers["ETag"] != etag  # another language
    other_page = client.get("/courses?convention=basel", headers={"If-None-Match": etag})
    assert other_page.status_code == 200

    course.title = "Waste management, revised"
    db.session.commit()
    changed = client.get("/courses", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "revised" in text(changed)


def test_pages_of_logged_in_users_carry_no_etag(learner_client, client):
    factories.make_course(slug="esm")
    etag = client.get("/courses").headers["ETag"]
    page = learner_client.get("/courses", headers={"If-None-Match": etag})
    assert page.status_code == 200 and "ETag" not in page.headers  # never a visitor's copy
    assert "private" in page.headers["Cache-Control"]


def test_the_catalog_of_two_audiences_is_cached_apart(as_user, make_user):
    factories.make_course(slug="for-customs", title="Customs course", audiences=("customs-officer",))
    factories.make_course(slug="for-nip", title="NIP course", audiences=("nip-official",))
    customs = as_user(make_user(audience_slug="customs-officer"))
    nip = as_user(make_user(audience_slug="nip-official"))
    for _ in range(2):  # the second round comes from the cache
        customs_page, nip_page = text(customs.get("/courses")), text(nip.get("/courses"))
        assert customs_page.index("Customs course") < customs_page.index("NIP course")
        assert nip_page.index("NIP course") < nip_page.index("Customs course")


def test_a_bad_filter_value_is_not_kept(client):
    factories.make_course(slug="esm")
    assert client.get("/courses?page=abc").status_code == 200
    assert client.get("/courses?page=abc").status_code == 200


# --- shared through Redis ----------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("the shared-cache test cannot run in CI: needs redis-server")
        pytest.skip("needs redis-server (Debian package redis-server)")
    port = int(os.environ.get("ELEARN_TEST_REDIS_PORT") or _free_port())
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(host="127.0.0.1", port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_two_app_servers_share_the_cache_through_redis(app, redis_url, monkeypatch, request):
    """What one app server rendered, another one serves (same Redis), and an edit made through
    either is seen by both."""
    from flask_caching import Cache

    from elearn.courses import services

    factories.make_course(slug="esm", title="Waste management")
    servers = [Cache(config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                             "CACHE_KEY_PREFIX": "elearn:"}, with_jinja2_ext=False)
               for _ in range(2)]  # two connections, as two app servers have
    for server in servers:
        server.init_app(app)
    request.addfinalizer(lambda: [app.extensions["cache"].pop(s, None) for s in servers])

    # the app under test uses the first server's Redis cache ...
    monkeypatch.setattr(caching, "cache", servers[0])
    with app.test_request_context("/courses"):
        links = services.module_links(db.session.scalar(sa.text(
            "SELECT id FROM courses WHERE slug = 'esm'")), "en")
    assert [link.slug for link in links] == ["module-1", "module-2", "module-3"]

    # ... and the second finds the entry in Redis without building it
    monkeypatch.setattr(caching, "cache", servers[1])
    monkeypatch.setattr(services, "_module_link_rows", lambda *a: pytest.fail("not shared"))
    with app.test_request_context("/courses"):
        again = services.module_links(db.session.scalar(sa.text(
            "SELECT id FROM courses WHERE slug = 'esm'")), "en")
    assert [link.title for link in again] == [link.title for link in links]


def test_the_cache_is_redis_when_a_redis_url_is_set(redis_url):
    """ELEARN_REDIS_URL (the setting of the rate limits and the queue) also moves the cache."""
    import redis
    from flask import Flask

    from elearn.config import load_settings

    server = Flask("server")  # a bare app: create_app would rebind the shared rate limiter
    os.environ["ELEARN_REDIS_URL"] = redis_url
    try:
        server.config.update(load_settings(server.instance_path, {
            "ENV": "testing", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}))
    finally:
        del os.environ["ELEARN_REDIS_URL"]
    caching.init_app(server)
    assert server.config["CACHE_TYPE"] == "RedisCache"
    with server.app_context():
        caching.cache_set("probe", "shared")
    assert redis.Redis.from_url(redis_url).get("elearn:probe") is not None


def test_an_edited_module_shows_at_once(learner_client, learner, count_queries):
    from elearn.courses.models import Module

    course = factories.make_course(slug="esm", modules=2)
    factories.enrol(learner, course)
    url = "/courses/esm/modules/module-1"
    learner_client.get(url)
    with count_queries() as counter:
        learner_client.get(url)
    assert not any("body_html" in statement for statement in counter.statements)  # cached

    module = db.session.scalar(sa.select(Module).where(Module.course_id == course.id,
                                                       Module.slug == "module-1"))
    module.body_html = "<p>Revised text of the module.</p>"
    db.session.commit()
    assert "Revised text of the module." in text(learner_client.get(url))


def test_completion_counts_a_module_added_in_the_same_transaction(app, learner):
    """The outline completion reads is cached by content version; a module not yet flushed is
    flushed (and the version changed) before the version is read."""
    from elearn.courses.models import Module
    from elearn.enrolments.completion import completion_breakdown

    course = factories.make_course(slug="esm", modules=1)
    enrolment = factories.enrol(learner, course)
    assert completion_breakdown(enrolment).modules_total == 1
    db.session.add(Module(course_id=course.id, slug="module-9", title="Module 9", position=9,
                          body_markdown="", body_html=""))
    assert completion_breakdown(enrolment).modules_total == 2


def test_course_and_verification_pages_revalidate_for_visitors(client, learner_client, learner):
    from elearn.certificates.services import issue_certificate

    course = factories.make_course(slug="esm")
    page = client.get("/courses/esm")
    assert page.headers.get("ETag")
    assert client.get("/courses/esm", headers={
        "If-None-Match": page.headers["ETag"]}).status_code == 304
    assert "ETag" not in learner_client.get("/courses/esm").headers

    enrolment = factories.enrol(learner, course)
    certificate = issue_certificate(enrolment)
    db.session.commit()
    for url in (f"/certificates/{certificate.code}", f"/certificates/{certificate.code}.json"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers.get("ETag"), url
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304, url


def test_an_archived_question_changes_the_quiz_page_at_once(learner_client, learner):
    import re

    from elearn.db_types import utcnow
    from elearn.quizzes.models import Question

    course = factories.make_course(slug="esm")
    factories.enrol(learner, course)
    quiz = factories.make_quiz(course)
    url = "/courses/esm/quizzes/basics"

    def count() -> int:
        page = text(learner_client.get(url))
        return int(re.search(r"<dt>Questions</dt><dd>(\d+)</dd>", page).group(1))

    before = count()
    assert count() == before  # from the cache
    question = db.session.scalar(sa.select(Question).where(Question.quiz_id == quiz.id)
                                 .limit(1))
    question.archived_at = utcnow()
    db.session.commit()
    assert count() == before - 1


def test_a_learners_page_is_kept_in_redis(app, redis_url, monkeypatch, request, as_user,
                                          count_queries):
    """The page cache's entries (body, headers, time bound) go through Redis like the rest:
    another app server serves the page in two queries, and a write drops it for both."""
    from flask_caching import Cache

    course = factories.make_course(slug="esm")
    learner = factories.make_user()
    factories.enrol(learner, course)
    factories.make_webinar(factories.make_user(), course=course)  # the page has a time bound
    server = Cache(config={"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url,
                           "CACHE_KEY_PREFIX": "elearn:"}, with_jinja2_ext=False)
    server.init_app(app)
    request.addfinalizer(lambda: app.extensions["cache"].pop(server, None))
    monkeypatch.setattr(caching, "cache", server)
    client = as_user(learner)
    first = client.get("/courses/esm").get_data(as_text=True)
    with count_queries() as counter:
        again = client.get("/courses/esm").get_data(as_text=True)
    assert counter.count == 2 and again == first
    assert client.post("/courses/esm/modules/module-1/done").status_code == 302
    assert "1 of 3 modules done" in client.get("/courses/esm").get_data(as_text=True)
