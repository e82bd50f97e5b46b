"""A quiz without questions (a GIFT file of ``$CATEGORY`` lines only, which Moodle accepts) is
imported with a warning and does not hold anyone's completion: it cannot be passed."""

import sqlalchemy as sa

from elearn.enrolments import completion
from elearn.enrolments import services as enrolments
from elearn.enrolments.models import EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.loader import load_quiz
from elearn.quizzes.models import Question
from tests import factories


def _categories_only(tmp_path):
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "bank.gift").write_text("$CATEGORY: $course$/top/Customs\n",
                                                   encoding="utf-8")
    return {"slug": "bank", "title": "Question bank", "file": "quizzes/bank.gift"}


def test_a_categories_only_file_imports_with_a_warning(tmp_path):
    parsed, problems = load_quiz(tmp_path, _categories_only(tmp_path), "course.yaml")
    assert problems == []
    assert parsed.questions == []
    assert any("no questions" in str(w) for w in parsed.warnings)


def test_a_quiz_without_questions_does_not_hold_completion(app, tmp_path):
    entry = _categories_only(tmp_path)
    course = factories.make_course(modules=1)
    factories.make_quiz(course, entry["slug"], entry["file"], course_dir=tmp_path,
                        title=entry["title"])
    enrolment = factories.complete_course(factories.make_user(), course)
    assert enrolment.status is EnrolmentStatus.completed
    assert completion.completion_breakdown(enrolment).quizzes_total == 0


def test_a_quiz_whose_questions_are_all_archived_stops_counting(app):
    course = factories.make_course(modules=1)
    quiz = factories.make_quiz(course)
    learner = factories.make_user()
    enrolment = enrolments.enrol(learner, course)
    enrolments.mark_module_done(enrolment, course.modules[0])
    db.session.commit()
    assert enrolment.status is EnrolmentStatus.active  # the quiz is still to pass
    db.session.execute(sa.update(Question).where(Question.quiz_id == quiz.id)
                       .values(archived_at=sa.func.current_timestamp()))
    assert completion.recompute_course(course) == 1
    assert enrolment.status is EnrolmentStatus.completed
