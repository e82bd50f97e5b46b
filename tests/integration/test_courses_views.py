"""Catalog, course page, module reader, mark as done and images: every role's access."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from elearn.accounts.models import Role
from elearn.courses.models import CourseAsset, Module, ModuleTranslation
from elearn.courses.search import translation_matches
from elearn.enrolments.models import ModuleProgress
from elearn.extensions import db
from tests import factories
from tests.integration.test_courses_languages import _translate

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
       b"\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
       b"\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def course(app, trainer):
    return factories.make_course(slug="esm", title="ESM basics", owner=trainer,
                                 audiences=("customs-officer", "nip-official"))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- catalog ---------------------------------------------------------------------------


def test_catalog_lists_published_courses_only(client, course):
    factories.make_course(slug="draft", title="Draft course", published=False)
    page = text(client.get("/courses"))
    assert "ESM basics" in page and "Summary of course" in page
    assert "Customs officer" in page and "Basel Convention" in page
    assert "Draft course" not in page


def test_catalog_is_home_for_a_logged_in_user(learner_client, course):
    response = learner_client.get("/")
    assert response.status_code == 302 and response.location.endswith("/courses")


def test_catalog_filters(client, app):
    factories.make_course(slug="a", title="Customs at the border", audiences=("customs-officer",),
                          conventions="rotterdam")
    factories.make_course(slug="b", title="NIP update", audiences=("nip-official",),
                          conventions="stockholm")
    assert "NIP update" not in text(client.get("/courses?audience=customs-officer"))
    page = text(client.get("/courses?convention=stockholm"))
    assert "NIP update" in page and "Customs at the border" not in page
    page = text(client.get("/courses?q=border"))
    assert "Customs at the border" in page and "NIP update" not in page
    french = factories.make_course(slug="c", title="Cours en français")
    french.language = "fr"
    db.session.commit()
    page = text(client.get("/courses?language=fr"))
    assert "Cours en français" in page and "NIP update" not in page
    # a bad filter value from an edited URL is ignored, not an error
    response = client.get("/courses?audience=%27%3B--&convention=x&page=abc")
    assert response.status_code == 200 and "NIP update" in text(response)


def test_catalog_search_finds_module_text(client, app, tmp_path):
    """`?q=PIC` finds a course whose module text (not its title or summary) mentions PIC, on
    SQLite (FTS5, indexed at sync time) and PostgreSQL (to_tsvector, GIN index) alike."""
    from elearn.courses.sync import sync_tree
    from tests.courses_helpers import copy_tree, edit

    tree = copy_tree(tmp_path)
    details = tree / "intro-course" / "modules" / "02-details.md"
    edit(details, "Some **details**", "The prior informed consent (PIC) procedure. Some **details**")
    sync_tree(tree)
    db.session.commit()
    factories.make_course(slug="other", title="Other course")
    title = "Introduction to the conventions"
    for q in ("PIC", "pic", "informed consent", "consent PIC"):
        page = text(client.get(f"/courses?q={q}"))
        assert title in page and "Other course" not in page, q
    for q in ("PIC nowhere", "unheardof", '"PIC', "PIC*)(-", "NEAR(", "-"):
        response = client.get("/courses", query_string={"q": q})
        assert response.status_code == 200
        if q in ("PIC nowhere", "unheardof"):
            assert title not in text(response), q
    # the index follows the course files: the word gone, the course is no longer found
    edit(details, "The prior informed consent (PIC) procedure. ", "")
    sync_tree(tree)
    db.session.commit()
    assert title not in text(client.get("/courses?q=PIC"))


def test_catalog_search_finds_translated_module_text(client, app, tmp_path):
    """Module translations are indexed too, each with its language's text-search configuration
    on PostgreSQL (French and Spanish stemming; 'simple' for Arabic), FTS5 on SQLite."""
    from elearn.courses.sync import sync_tree
    from tests.courses_helpers import copy_tree

    tree = copy_tree(tmp_path)
    _translate(tree, body="Les **déchets** dangereux et le consentement préalable.")
    _translate(tree, language="es", title="Los fundamentos",
               body="Los residuos peligrosos y el <em>consentimiento</em> previo.")
    _translate(tree, language="ar", title="الأساسيات", body="النفايات الخطرة والموافقة المسبقة.")
    factories.make_course(slug="other", title="Other course")
    title = "Introduction to the conventions"
    assert title not in text(client.get("/courses", query_string={"q": "déchets"}))
    sync_tree(tree)
    db.session.commit()
    for q in ("déchets", "déchet dangereux", "Les bases", "residuos peligrosos", "residuo",
              "النفايات", "الأساسيات"):
        page = text(client.get("/courses", query_string={"q": q}))
        assert title in page and "Other course" not in page, q
    for q in ("strong", "em", "amp"):  # the HTML of the translations is not indexed
        assert title not in text(client.get("/courses", query_string={"q": q})), q
    # a translation removed: its words are no longer found
    (tree / "intro-course" / "modules" / "01-basics.fr.md").unlink()
    sync_tree(tree)
    db.session.commit()
    assert title not in text(client.get("/courses", query_string={"q": "déchets"}))
    assert title in text(client.get("/courses", query_string={"q": "residuos"}))


def test_postgresql_translation_search_can_use_its_index(app):
    if db.session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL's GIN index (SQLite uses FTS5)")
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    query = sa.select(ModuleTranslation.id).where(translation_matches("déchets"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = "\n".join(db.session.execute(sa.text(f"EXPLAIN {compiled}")).scalars())
    assert "ix_module_translations_search" in plan, plan


def test_catalog_search_escapes_like_wildcards(client, app):
    factories.make_course(slug="a", title="Waste 100% sound")
    factories.make_course(slug="b", title="Other course")
    assert "Other course" not in text(client.get("/courses?q=%25"))
    assert "Waste 100% sound" in text(client.get("/courses?q=100%25"))
    assert "No course matches" in text(client.get("/courses?q=_"))


def test_courses_for_you_come_first(as_user, app):
    factories.make_course(slug="a", title="AAA for NIP", audiences=("nip-official",))
    factories.make_course(slug="z", title="ZZZ for customs", audiences=("customs-officer",))
    customs = factories.make_user(audience_slug="customs-officer")
    page = text(as_user(customs).get("/courses"))
    assert page.index("ZZZ for customs") < page.index("AAA for NIP")
    assert page.count("For you") == 1


# --- course page -----------------------------------------------------------------------


def test_course_page_for_anonymous(client, course):
    page = text(client.get("/courses/esm"))
    assert "Who it is for" in page
    assert "This course is written for: Customs officer, Stockholm NIP national official." in page
    assert "Module 1" in page and "/courses/esm/modules/module-1" not in page


def test_course_page_shows_progress_of_an_enrolled_learner(learner, learner_client, course):
    from elearn.enrolments.services import mark_module_done

    enrolment = factories.enrol(learner, course)
    mark_module_done(enrolment, course.modules[0])
    db.session.commit()
    page = text(learner_client.get("/courses/esm"))
    assert "It is for you" in page
    assert "1 of 3 modules done" in page
    assert 'value="33"' in page
    assert page.count("✓") == 1
    assert "/courses/esm/modules/module-2" in page


@pytest.mark.parametrize("who, status", [
    ("anonymous", 404), ("learner", 404), ("other_trainer", 404), ("trainer", 200),
    ("admin", 200),
])
def test_unpublished_course_is_hidden(who, status, app, client, as_user, trainer, learner, admin):
    factories.make_course(slug="draft", owner=trainer, published=False)
    users = {"learner": learner, "trainer": trainer, "admin": admin,
             "other_trainer": factories.make_user(role=Role.trainer)}
    c = client if who == "anonymous" else as_user(users[who])
    assert c.get("/courses/draft").status_code == status
    assert c.get("/courses/draft/modules/module-1").status_code in (status, 302)
    if status == 404:
        assert c.get("/courses/draft/modules/module-1").status_code == 404


def test_unknown_course_and_module(learner, learner_client, course):
    factories.enrol(learner, course)
    assert learner_client.get("/courses/nope").status_code == 404
    assert learner_client.get("/courses/esm/modules/nope").status_code == 404


# --- module reader ---------------------------------------------------------------------


@pytest.mark.parametrize("who, can_read", [
    ("anonymous", False), ("learner", False), ("enrolled", True), ("completed", True),
    ("withdrawn", False), ("other_trainer", False), ("trainer", True), ("admin", True),
])
def test_who_reads_modules(who, can_read, app, client, as_user, course, trainer, admin):
    users = {"trainer": trainer, "admin": admin}
    if who in ("learner", "enrolled", "completed", "withdrawn"):
        users[who] = factories.make_user()
        if who != "learner":
            factories.enrol(users[who], course,
                            status={"enrolled": "active"}.get(who, who))
    if who == "other_trainer":
        users[who] = factories.make_user(role=Role.trainer)
    c = client if who == "anonymous" else as_user(users[who])
    response = c.get("/courses/esm/modules/module-2")
    if can_read:
        assert response.status_code == 200
        assert "<h2>Part 2</h2>" in text(response)
    else:
        assert response.status_code == 302
        assert response.location.endswith("/courses/esm")
        assert "Enrol in this course to read its modules." in text(c.get("/courses/esm"))


def test_module_page_has_previous_next_and_mark_done(learner, learner_client, course):
    factories.enrol(learner, course)
    page = text(learner_client.get("/courses/esm/modules/module-2"))
    assert 'href="/courses/esm/modules/module-1"' in page
    assert 'href="/courses/esm/modules/module-3"' in page
    assert 'action="/courses/esm/modules/module-2/done"' in page
    assert "Module 2 of 3" in page
    assert "courses.css" in page


def test_trainer_reads_without_a_mark_done_form(trainer_client, course):
    page = text(trainer_client.get("/courses/esm/modules/module-1"))
    assert "Mark as done" not in page


def test_archived_module_is_not_readable(learner, learner_client, course):
    from elearn.db_types import utcnow

    factories.enrol(learner, course)
    module = db.session.scalar(sa.select(Module).where(Module.slug == "module-3"))
    module.archived_at = utcnow()
    db.session.commit()
    assert learner_client.get("/courses/esm/modules/module-3").status_code == 404
    assert learner_client.post("/courses/esm/modules/module-3/done").status_code == 404


def test_module_page_is_light(learner, learner_client, app, trainer):
    c = factories.make_course(slug="big", owner=trainer, modules=30)
    module = c.modules[0]
    module.body_html = "<p>" + "A realistic paragraph of course text. " * 400 + "</p>"
    db.session.commit()
    factories.enrol(learner, c)
    response = learner_client.get("/courses/big/modules/module-1")
    css = learner_client.get("/static/css/courses.css")
    app_css = learner_client.get("/static/css/app.css")
    assert response.status_code == 200
    assert len(response.data) + len(css.data) + len(app_css.data) < 100 * 1024
    assert response.headers["Cache-Control"] == "private, no-cache"


# --- mark as done ----------------------------------------------------------------------


def test_mark_done_records_progress_and_stays_on_the_module(learner, learner_client, course):
    enrolment = factories.enrol(learner, course)
    response = learner_client.post("/courses/esm/modules/module-1/done")
    assert response.status_code == 302
    assert response.location.endswith("/courses/esm/modules/module-1")
    page = text(learner_client.get(response.location))
    assert "“Module 1” is marked as done." in page and "Next: Module 2" in page
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1
    db.session.refresh(enrolment)
    assert enrolment.progress_percent == 33
    # twice counts once
    learner_client.post("/courses/esm/modules/module-1/done")
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1
    page = text(learner_client.get("/courses/esm/modules/module-1"))
    assert "You have marked this module as done." in page
    response = learner_client.post("/courses/esm/modules/module-3/done")
    assert response.location.endswith("/courses/esm/modules/module-3")


def test_after_the_last_module_the_next_step_is_the_quiz(learner, learner_client, course):
    factories.enrol(learner, course)
    factories.make_quiz(course, title="Final check")
    learner_client.post("/courses/esm/modules/module-3/done")
    page = text(learner_client.get("/courses/esm/modules/module-3"))
    assert "Next: the quiz Final check" in page


@pytest.mark.parametrize("who", ["anonymous", "learner", "withdrawn", "trainer", "admin"])
def test_mark_done_needs_an_enrolment(who, app, client, as_user, course, trainer, admin):
    users = {"trainer": trainer, "admin": admin, "learner": factories.make_user()}
    if who == "withdrawn":
        users[who] = factories.make_user()
        factories.enrol(users[who], course, status="withdrawn")
    c = client if who == "anonymous" else as_user(users[who])
    response = c.post("/courses/esm/modules/module-1/done")
    assert response.status_code == (302 if who == "anonymous" else 404)
    if who == "anonymous":
        assert "/login" in response.location
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 0


def test_mark_done_only_touches_ones_own_enrolment(as_user, course):
    alice, bob = factories.make_user(), factories.make_user()
    factories.enrol(alice, course)
    bob_enrolment = factories.enrol(bob, course)
    as_user(alice).post("/courses/esm/modules/module-1/done")
    rows = db.session.scalars(sa.select(ModuleProgress)).all()
    assert len(rows) == 1 and rows[0].enrolment_id != bob_enrolment.id


def test_mark_done_of_a_module_of_another_course(learner, learner_client, course):
    factories.enrol(learner, course)
    factories.make_course(slug="other")
    assert learner_client.post("/courses/other/modules/module-1/done").status_code == 404


def test_mark_done_needs_a_csrf_token(csrf_enabled, learner, as_user, course, csrf_token):
    factories.enrol(learner, course)
    c = as_user(learner)
    assert c.post("/courses/esm/modules/module-1/done").status_code == 400
    token = csrf_token(c, "/courses/esm/modules/module-1")
    response = c.post("/courses/esm/modules/module-1/done", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1


# --- images ----------------------------------------------------------------------------


def test_course_images_are_served_safely(as_user, learner, course):
    db.session.add(CourseAsset(course_id=course.id, path="modules/img/map.png",
                               content_type="image/png", sha256="abc", size=len(PNG), data=PNG))
    factories.enrol(learner, course)
    client = as_user(learner)
    response = client.get("/courses/esm/assets/modules/img/map.png")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    assert response.data == PNG
    again = client.get("/courses/esm/assets/modules/img/map.png",
                       headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/courses/esm/assets/modules/img/other.png").status_code == 404
    assert client.get("/courses/esm/assets/../../etc/passwd").status_code == 404


def test_course_images_follow_the_module_rule(client, as_user, learner, make_user, course):
    """Images belong to modules: only people who may read the modules get them, and never
    through a shared cache (issue 11, item 7)."""
    db.session.add(CourseAsset(course_id=course.id, path="modules/img/map.png",
                               content_type="image/png", sha256="abc", size=len(PNG), data=PNG))
    db.session.commit()
    url = "/courses/esm/assets/modules/img/map.png"
    assert client.get(url).status_code == 404
    outsider = make_user(email="outsider@example.org")
    assert as_user(outsider).get(url).status_code == 404
    factories.enrol(learner, course)
    response = as_user(learner).get(url)
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]


def test_images_of_an_unpublished_course_are_hidden(client, trainer_client, trainer):
    c = factories.make_course(slug="draft", owner=trainer, published=False)
    db.session.add(CourseAsset(course_id=c.id, path="a.png", content_type="image/png",
                               sha256="x", size=len(PNG), data=PNG))
    db.session.commit()
    assert client.get("/courses/draft/assets/a.png").status_code == 404
    assert trainer_client.get("/courses/draft/assets/a.png").status_code == 200


# --- a fixed number of queries ---------------------------------------------------------


def _queries(count_queries, c, url) -> int:
    with count_queries() as counter:
        response = c.get(url)
    assert response.status_code == 200, url
    return counter.count


def test_pages_issue_a_fixed_number_of_queries(app, as_user, client, count_queries, trainer):
    from elearn.courses.models import Course

    learner = factories.make_user()
    others = [factories.make_user() for _ in range(2)]
    c = as_user(learner)

    def add_courses(first: int, count: int, modules: int) -> None:
        for i in range(first, first + count):
            factories.make_course(slug=f"c{i:03d}", title=f"Course {i:03d}", modules=modules,
                                  audiences=("customs-officer", "nip-official", "industry"),
                                  owner=trainer)

    def measure() -> list[int]:
        return [
            _queries(count_queries, client, "/courses"),
            _queries(count_queries, c, "/courses"),
            _queries(count_queries, c, "/courses?q=course&audience=customs-officer"),
            _queries(count_queries, c, "/courses/c000"),
            _queries(count_queries, c, "/courses/c000/modules/module-2"),
            _queries(count_queries, as_user(trainer), "/courses/c000/modules/module-2"),
            _queries(count_queries, c, "/courses/c000/quizzes/basics"),
            _queries(count_queries, as_user(trainer), "/courses/c000"),
        ]

    add_courses(0, 3, 3)
    course = db.session.scalar(sa.select(Course).where(Course.slug == "c000"))
    factories.make_quiz(course)
    factories.enrol(learner, course)
    for other in others:
        factories.enrol(other, course)
    small, small_cached = measure(), measure()  # after a content change, then from the cache

    add_courses(3, 47, 3)
    for i in range(3, 25):  # many more modules in the course read, and its enrolments
        db.session.add(Module(course_id=course.id, slug=f"module-{i + 1}", title=f"M {i + 1}",
                              position=i, body_html="<p>x</p>"))
    db.session.commit()
    for other in [factories.make_user() for _ in range(4)]:
        factories.enrol(other, course)
    large, large_cached = measure(), measure()
    assert small == large, (small, large)
    assert small_cached == large_cached, (small_cached, large_cached)
    assert all(warm <= cold for warm, cold in zip(small_cached, small, strict=True))
    print("queries per page:", small, "from the cache:", small_cached)
    # a learner's pages come whole from the page cache (the user and the version tokens); a
    # trainer's are rendered, the course page reading the progress and attempts once (its
    # sections share them): a repeated read makes these fail
    assert small_cached == [1, 2, 2, 2, 2, 7, 2, 10], small_cached
    assert small == [5, 6, 6, 14, 9, 7, 8, 10], small


def test_catalog_pages(client, app):
    for i in range(30):
        factories.make_course(slug=f"p{i:02d}", title=f"Paged {i:02d}", modules=0)
    first = text(client.get("/courses"))
    assert "30 courses" in first and "Paged 00" in first and "Paged 24" not in first
    assert "Page 1 of 2" in first and "page=2" in first
    second = text(client.get("/courses?page=2"))
    assert "Paged 24" in second and "Paged 29" in second and "Paged 00" not in second
    assert "Paged 29" in text(client.get("/courses?page=99"))  # past the end: the last page


@pytest.mark.parametrize("policy, passed", [("last", 0), ("highest", 1)])
def test_course_page_box_counts_quizzes_passed_by_their_score_policy(as_user, trainer, policy,
                                                                     passed):
    """The box takes the passed quizzes from the quiz list's attempts (read once): same rule
    as completion (``last``: the last submitted attempt counts; ``highest``: any pass)."""
    from elearn.enrolments.completion import completion_breakdown
    from elearn.quizzes.models import QuizAttempt, ScorePolicy

    learner = factories.make_user()
    course = factories.make_course(slug="pol", title="Policies", modules=1, owner=trainer)
    quiz = factories.make_quiz(course)
    quiz.score_policy = ScorePolicy(policy)
    enrolment = factories.enrol(learner, course)
    for number, did_pass in ((1, True), (2, False)):
        db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=learner.id, number=number,
                                   status="submitted", layout={}, answers={}, score=5,
                                   max_score=10, percent=90 if did_pass else 10,
                                   passed=did_pass))
    db.session.commit()
    assert completion_breakdown(enrolment).quizzes_done == passed
    html = text(as_user(learner).get("/courses/pol"))
    assert f"Quiz: {passed} of 1 passed" in html
