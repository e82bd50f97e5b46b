"""Courses in several languages: module versions beside their source, a visible fallback,
progress kept per course, and translations flagged when their source changes."""

from __future__ import annotations

import sqlalchemy as sa

from elearn.courses.models import Course, ModuleTranslation, source_hash
from elearn.courses.sync import sync_tree
from elearn.extensions import db
from tests import factories
from tests.conftest import login_client
from tests.courses_helpers import copy_tree, edit


def _translate(tree, name="01-basics", language="fr", title="Les bases", body="Bonjour.",
               hash_of=None):
    source = (tree / "intro-course" / "modules" / f"{name}.md").read_text()
    digest = source_hash(hash_of if hash_of is not None else source)
    (tree / "intro-course" / "modules" / f"{name}.{language}.md").write_text(
        f"---\ntitle: {title}\nsource-hash: {digest}\n---\n\n{body}\n")


def _synced(tree):
    sync_tree(tree)
    db.session.commit()
    return db.session.scalar(sa.select(Course).where(Course.slug == "intro-course"))


def test_sync_imports_module_versions_and_drops_removed_ones(app, tmp_path):
    tree = copy_tree(tmp_path)
    _translate(tree)
    course = _synced(tree)
    rows = db.session.scalars(sa.select(ModuleTranslation)).all()
    assert [(r.language, r.title) for r in rows] == [("fr", "Les bases")]
    assert "Bonjour." in rows[0].body_html and not rows[0].outdated
    assert course.modules[0].slug == "basics"  # one course, not a separate French one
    (tree / "intro-course" / "modules" / "01-basics.fr.md").unlink()
    _synced(tree)
    assert db.session.scalars(sa.select(ModuleTranslation)).all() == []


def test_learner_reads_their_language_with_a_visible_fallback(app, client, tmp_path):
    tree = copy_tree(tmp_path)
    _translate(tree)
    course = _synced(tree)
    learner = factories.make_user()
    learner.locale = "fr"
    db.session.commit()
    factories.enrol(learner, course)
    login_client(client, learner)
    page = client.get("/courses/intro-course/modules/basics").get_data(as_text=True)
    assert "Les bases" in page and 'lang="fr"' in page
    other = client.get("/courses/intro-course/modules/details").get_data(as_text=True)
    assert "The details" in other and '<article class="module" lang="en"' in other
    assert 'class="notice"' in other  # says it is shown in English
    original = client.get("/courses/intro-course/modules/basics?original=1").get_data(as_text=True)
    assert "The basics" in original


def test_progress_belongs_to_the_course_whatever_the_language(app, client, tmp_path):
    tree = copy_tree(tmp_path)
    _translate(tree)
    course = _synced(tree)
    learner = factories.make_user()
    learner.locale = "fr"
    db.session.commit()
    enrolment = factories.enrol(learner, course)
    login_client(client, learner)
    client.post("/courses/intro-course/modules/basics/done")
    db.session.refresh(enrolment)
    assert enrolment.progress_percent > 0


def test_changed_source_flags_the_translation_in_check_and_on_the_trainers_page(
        app, tmp_path, admin_client):
    tree = copy_tree(tmp_path)
    _translate(tree)
    _synced(tree)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 0 and "out of date" not in result.output
    edit(tree / "intro-course" / "modules" / "01-basics.md", "", "A new first line.\n\n")
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 0
    assert "intro-course/modules/01-basics.fr.md:1: translation out of date" in result.output
    _synced(tree)
    assert db.session.scalar(sa.select(ModuleTranslation)).outdated
    page = admin_client.get("/courses/intro-course").get_data(as_text=True)
    assert 'id="outdated-translations"' in page


def test_a_translation_without_front_matter_is_a_problem(app, tmp_path):
    from elearn.courses.files import load_tree

    tree = copy_tree(tmp_path)
    (tree / "intro-course" / "modules" / "01-basics.es.md").write_text("Hola.\n")
    _specs, problems = load_tree(tree)
    assert any("01-basics.es.md:1:" in str(p) and "front matter" in str(p) for p in problems)


def test_catalog_shows_language_names(app, client):
    factories.make_course(slug="c1")
    page = client.get("/courses", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "anglais" in page


def test_course_title_summary_and_module_titles_in_the_readers_language(app, client, tmp_path):
    tree = copy_tree(tmp_path)
    _translate(tree)
    (tree / "intro-course" / "course.fr.yaml").write_text(
        "title: Introduction aux conventions\nsummary: Un court cours pour les tests.\n")
    _synced(tree)
    french = {"Accept-Language": "fr"}
    catalog = client.get("/courses", headers=french).get_data(as_text=True)
    assert "Introduction aux conventions" in catalog and "Un court cours pour les tests." in catalog
    assert "Introduction aux conventions" in client.get(
        "/courses?language=fr", headers=french).get_data(as_text=True)  # filter by version
    page = client.get("/courses/intro-course", headers=french).get_data(as_text=True)
    assert "Introduction aux conventions" in page and "Les bases" in page
    english = client.get("/courses/intro-course").get_data(as_text=True)
    assert "Introduction to the conventions" in english and "The basics" in english


def test_a_french_visitor_meets_the_customs_course_in_french(app, client, make_user):
    """The shipped customs course: French title on the catalog for a French browser, and a
    French-speaking customs officer reads its first module in French."""
    from pathlib import Path

    sync_tree(Path(__file__).resolve().parents[2] / "courses")
    db.session.commit()
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    catalog = client.get("/courses", headers=french).get_data(as_text=True)
    assert "Les douanes et les conventions" in catalog
    officer = make_user(audience_slug="customs-officer")
    officer.locale = "fr"
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "customs-and-the-conventions"))
    factories.enrol(officer, course)
    login_client(client, officer)
    page = client.get("/courses/customs-and-the-conventions/modules/pillars").get_data(as_text=True)
    assert "Les trois conventions à la frontière" in page and 'class="notice"' not in page
