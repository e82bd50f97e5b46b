"""`flask courses sync`: one transaction, idempotent, in place, archives, keeps progress."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from elearn.courses.models import Course, CourseAsset, Module
from elearn.courses.sync import link_owners, sync_tree
from elearn.enrolments.models import EnrolmentStatus, ModuleProgress
from elearn.enrolments.services import mark_module_done
from elearn.extensions import db
from elearn.problems import CourseFilesError
from tests import factories
from tests.courses_helpers import copy_tree, edit


def course(slug="intro-course") -> Course:
    return db.session.scalar(sa.select(Course).where(Course.slug == slug))


def modules(c: Course) -> dict[str, Module]:
    return {m.slug: m for m in db.session.scalars(sa.select(Module).where(Module.course_id == c.id))}


def sync(tree):
    report = sync_tree(tree)
    db.session.commit()
    return report


def test_sync_creates_the_course(app, tmp_path):
    tree = copy_tree(tmp_path)
    report = sync(tree)
    assert "created course intro-course" in report.lines()
    c = course()
    assert c.title == "Introduction to the conventions"
    assert c.convention_list == ["basel", "stockholm"]
    assert [a.slug for a in c.audiences] == ["customs-officer", "nip-official"]
    assert c.estimated_hours == 2.5 and c.published
    assert [m.slug for m in c.modules] == ["basics", "details", "wrap-up"]
    basics = c.modules[0]
    assert '<img src="../assets/modules/img/map.png"' in basics.body_html
    assert 'href="details#top"' in basics.body_html
    asset = db.session.scalar(sa.select(CourseAsset))
    assert asset.path == "modules/img/map.png" and asset.content_type == "image/png"


def test_second_sync_changes_nothing(app, tmp_path):
    tree = copy_tree(tmp_path)
    sync(tree)
    before = course().content_version
    report = sync(tree)
    assert not report.changed
    assert report.lines()[-1] == "nothing changed (1 courses up to date)"
    assert course().content_version == before


def test_update_in_place_keeps_ids_and_progress(app, tmp_path):
    tree = copy_tree(tmp_path)
    sync(tree)
    c = course()
    ids = {slug: m.id for slug, m in modules(c).items()}
    learner = factories.make_user()
    enrolment = factories.enrol(learner, c)
    mark_module_done(enrolment, modules(c)["basics"])
    db.session.commit()

    edit(tree / "intro-course/modules/01-basics.md", "Learning objectives", "What you will learn")
    edit(tree / "intro-course/course.yaml", "title: The details", "title: More details")
    report = sync(tree)
    lines = report.lines()
    assert "changed module intro-course/basics" in "\n".join(lines)
    assert "changed module intro-course/details" in "\n".join(lines)
    c = course()
    after = modules(c)
    assert {slug: m.id for slug, m in after.items()} == ids
    assert "What you will learn" in after["basics"].body_html
    assert after["details"].title == "More details"
    assert c.content_version == 2
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1


def test_removed_module_is_archived_then_restored(app, tmp_path):
    tree = copy_tree(tmp_path)
    sync(tree)
    learner = factories.make_user()
    c = course()
    enrolment = factories.enrol(learner, c)
    mark_module_done(enrolment, modules(c)["wrap-up"])
    db.session.commit()
    original = (tree / "intro-course/course.yaml").read_text()
    edit(tree / "intro-course/course.yaml",
         "  - slug: wrap-up\n    title: Wrap-up\n    file: modules/03-wrap-up.md\n", "")
    report = sync(tree)
    assert "  archived module intro-course/wrap-up" in report.lines()
    archived = modules(course())["wrap-up"]
    assert archived.archived_at is not None
    assert [m.slug for m in course().modules] == ["basics", "details"]
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 1  # never deleted

    (tree / "intro-course/course.yaml").write_text(original)
    report = sync(tree)
    assert "  restored module intro-course/wrap-up" in report.lines()
    restored = modules(course())["wrap-up"]
    assert restored.id == archived.id and restored.archived_at is None


def test_sync_recomputes_progress_and_completed_stays_completed(app, tmp_path):
    tree = copy_tree(tmp_path)
    sync(tree)
    c = course()
    active = factories.enrol(factories.make_user(), c)
    done = factories.enrol(factories.make_user(), c, status="completed")
    mark_module_done(active, modules(c)["basics"])
    db.session.commit()
    (tree / "intro-course/modules/04-extra.md").write_text("## Extra\n")
    edit(tree / "intro-course/course.yaml", "quizzes:",
         "  - slug: extra\n    title: Extra\n    file: modules/04-extra.md\nquizzes:")
    sync(tree)
    db.session.refresh(active)
    db.session.refresh(done)
    quizzes = 1 if _quizzes_imported() else 0
    assert active.progress_percent == int(100 * 1 / (4 + quizzes))
    assert done.status is EnrolmentStatus.completed


def _quizzes_imported() -> bool:
    from elearn.quizzes import importer as quiz_importer

    return quiz_importer is not None


def test_broken_tree_imports_nothing(app, tmp_path):
    tree = copy_tree(tmp_path)
    shutil.copytree(tree / "intro-course", tree / "second")
    edit(tree / "second/course.yaml", "slug: intro-course", "slug: second")
    edit(tree / "second/course.yaml", "customs-officer", "nobody")
    with pytest.raises(CourseFilesError) as error:
        sync_tree(tree)
    db.session.rollback()
    assert "second/course.yaml:6: unknown audience 'nobody'" in str(error.value)
    assert db.session.scalar(sa.select(sa.func.count(Course.id))) == 0


def test_owner_linked_when_the_account_appears(app, tmp_path):
    from elearn.accounts.models import Role

    tree = copy_tree(tmp_path)
    report = sync(tree)
    assert any("owner owner@example.org has no account yet" in line for line in report.lines())
    assert course().owner_id is None and course().owner_email == "owner@example.org"
    owner = factories.make_user(email="Owner@example.org", role=Role.trainer)
    assert link_owners() == ["intro-course"]
    db.session.commit()
    assert course().owner_id == owner.id
    assert course().can_manage(owner)
    assert link_owners() == []


def test_owner_who_is_a_learner_is_not_linked(app, tmp_path):
    learner = factories.make_user(email="owner@example.org")
    tree = copy_tree(tmp_path)
    report = sync(tree)
    assert any("is not a trainer" in line for line in report.lines())
    assert not course().can_manage(learner)


def test_cli_check_and_sync(app, tmp_path):
    tree = copy_tree(tmp_path)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 0, result.output
    assert "OK: 1 courses, 3 modules" in result.output

    result = runner.invoke(args=["courses", "sync", str(tree)])
    assert result.exit_code == 0, result.output
    assert "created course intro-course" in result.output
    result = runner.invoke(args=["courses", "sync", str(tree)])
    assert "nothing changed" in result.output

    edit(tree / "intro-course/modules/01-basics.md", "img/map.png", "img/gone.png")
    result = runner.invoke(args=["courses", "check", str(tree)])
    assert result.exit_code == 1
    assert "intro-course/modules/01-basics.md:11: broken image link img/gone.png" in result.output
    result = runner.invoke(args=["courses", "sync", str(tree)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output


def test_the_shipped_courses_sync(app):
    from elearn import ROOT

    report = sync_tree(ROOT / "courses")
    db.session.commit()
    assert len(report.courses) >= 3
    assert not sync_tree(ROOT / "courses").changed


def test_a_moodle_bank_with_an_essay_imports_the_rest_and_the_report_names_the_essay(
        app, tmp_path):
    tree = copy_tree(tmp_path)
    folder = tree / "intro-course"
    shutil.copy(Path(__file__).parent.parent / "fixtures" / "gift" / "questions.gift.txt",
                folder / "quizzes" / "moodle.gift")
    edit(folder / "course.yaml", "quizzes:\n", "quizzes:\n  - slug: moodle\n    title: Moodle bank\n"
         "    file: quizzes/moodle.gift\n")
    report = sync(tree)
    notes = [line for line in report.lines() if "essay" in line]
    assert len(notes) == 1 and "::Q8::" in notes[0] and "moodle.gift:2" in notes[0]
    assert notes[0].startswith("note (intro-course)")
    assert "  created quiz intro-course/moodle" in report.lines()
