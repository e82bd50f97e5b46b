"""The import seam used by `flask courses check/sync`: idempotent, in place, history kept."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from elearn.extensions import db
from elearn.problems import CourseFilesError
from elearn.quizzes import services
from elearn.quizzes.importer import archive_missing_quizzes, check_quiz, sync_quiz
from elearn.quizzes.models import Question, Quiz
from tests import factories


@pytest.fixture
def tree(tmp_path):
    target = tmp_path / "demo-course"
    shutil.copytree(factories.QUIZ_FIXTURES, target)
    return target


ENTRY = {"slug": "basics", "title": "Basics", "file": "quizzes/basics.yaml", "after": "module-1"}


def live_questions(quiz_id):
    return list(db.session.scalars(sa.select(Question).where(
        Question.quiz_id == quiz_id, Question.archived_at.is_(None)).order_by(Question.position)))


def test_check_reports_problems_and_sync_refuses_a_broken_file(app, tree):
    entry = {"slug": "broken", "title": "Broken", "file": "quizzes/broken.gift"}
    problems = check_quiz(tree, entry, "demo-course/quizzes/broken.gift")
    assert sorted(p.line for p in problems) == [6, 11]  # the essay on line 4 is a warning
    assert check_quiz(tree, ENTRY, "demo-course/quizzes/basics.yaml") == []
    # course.yaml entry problems are the course checker's; file problems are ours
    bad_entry = {**ENTRY, "score": "best"}
    assert check_quiz(tree, bad_entry, "x") == []
    with pytest.raises(CourseFilesError, match="score must be one of"):
        sync_quiz(factories.make_course(), bad_entry, tree, 0)
    outside = {**ENTRY, "file": "modules/basics.yaml"}
    assert "under quizzes/" in check_quiz(tree, outside, "x")[0].message
    course = factories.make_course()
    with pytest.raises(CourseFilesError):
        sync_quiz(course, entry, tree, 0)
    assert db.session.scalar(sa.select(sa.func.count(Quiz.id))) == 0


def test_sync_creates_then_is_idempotent(app, tree):
    course = factories.make_course()
    assert sync_quiz(course, ENTRY, tree, 0) == "created"
    db.session.commit()
    quiz = db.session.scalar(sa.select(Quiz))
    assert quiz.title == "Basics" and quiz.pass_mark == 60 and quiz.max_attempts == 2
    assert quiz.after_module_slug == "module-1"
    ids = [q.id for q in live_questions(quiz.id)]
    assert len(ids) == 6
    assert sync_quiz(course, ENTRY, tree, 0) == "unchanged"
    assert sync_quiz(course, {**ENTRY, "pass_mark": 80}, tree, 0) == "changed"
    assert quiz.pass_mark == 80
    assert [q.id for q in live_questions(quiz.id)] == ids  # settings change keeps the questions


def test_edits_archive_changed_and_removed_questions_and_keep_attempt_history(app, tree, learner):
    course = factories.make_course()
    quiz = factories.make_quiz(course, course_dir=tree, title="Basics")
    factories.enrol(learner, course)
    attempt = services.start_attempt(quiz, learner)
    first = live_questions(quiz.id)
    services.submit_attempt(quiz, attempt, {str(first[0].id): 0})
    db.session.commit()
    graded_on = dict(attempt.layout)

    source = (tree / "quizzes" / "basics.yaml").read_text()
    source = source.replace("Which convention controls", "Which treaty controls")
    source = source.replace("  - type: numeric\n    id: range\n    text: Give a number between 10 and 20.\n"
                            "    min: 10\n    max: 20\n", "")
    (tree / "quizzes" / "basics.yaml").write_text(source)
    assert sync_quiz(course, {**ENTRY, "title": "Basics"}, tree, 0) == "changed"
    db.session.commit()

    now = live_questions(quiz.id)
    assert len(now) == 5
    assert now[0].key == "basel-scope" and now[0].id != first[0].id  # new version of the question
    assert [q.id for q in now[1:]] == [q.id for q in first[1:5]]  # unchanged ones kept in place
    old = db.session.get(Question, first[0].id)
    assert old.archived_at is not None and "Which convention" in old.text_html
    assert db.session.get(Question, first[5].id).archived_at is not None
    # the past attempt still shows and grades what it was graded on
    db.session.refresh(attempt)
    assert attempt.layout == graded_on
    assert [q.id for q in services.attempt_questions(attempt)] == [q.id for q in first]
    assert attempt.results[str(first[0].id)]["fraction"] == 1
    # putting the old text back restores the archived row instead of adding a third one
    (tree / "quizzes" / "basics.yaml").write_text(source.replace("Which treaty controls", "Which convention controls"))
    sync_quiz(course, {**ENTRY, "title": "Basics"}, tree, 0)
    assert live_questions(quiz.id)[0].id == first[0].id


def test_archive_missing_quizzes_archives_and_a_resync_restores(app, tree):
    course = factories.make_course()
    sync_quiz(course, ENTRY, tree, 0)
    sync_quiz(course, {"slug": "moodle", "title": "M", "file": "quizzes/moodle-export.gift"}, tree, 1)
    assert archive_missing_quizzes(course, {"basics"}) == ["moodle"]
    assert archive_missing_quizzes(course, {"basics"}) == []
    moodle = db.session.scalar(sa.select(Quiz).where(Quiz.slug == "moodle"))
    assert moodle.archived_at is not None
    assert db.session.scalar(sa.select(sa.func.count(Question.id)).where(Question.quiz_id == moodle.id)) == 6
    assert sync_quiz(course, {"slug": "moodle", "title": "M", "file": "quizzes/moodle-export.gift"}, tree, 1) == "changed"
    assert moodle.archived_at is None


def test_gift_categories_are_recorded(app, tree):
    course = factories.make_course()
    quiz = factories.make_quiz(course, slug="moodle", file="quizzes/moodle-export.gift", course_dir=tree)
    categories = [q.category for q in live_questions(quiz.id)]
    assert categories[0] == "$course$/top/Default for ESM/Basel basics"
    assert categories[-1] == "$course$/top/Default for ESM/Numbers"
