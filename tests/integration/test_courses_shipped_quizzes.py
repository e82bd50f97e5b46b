"""The bundled courses' quizzes: gradable with their right answers, analysable, and a revised
question is archived with the answers and grades given to it."""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from elearn import ROOT
from elearn.courses.models import Course
from elearn.courses.sync import sync_tree
from elearn.extensions import db
from elearn.quizzes import services
from elearn.quizzes.analysis import analyse
from elearn.quizzes.models import Question, Quiz
from tests import factories


def right_answer(question: Question):
    data = question.data
    kind = question.kind.value
    if kind == "single":
        return next(i for i, c in enumerate(data["choices"]) if c["credit"] == 100)
    if kind == "multiple":
        return [i for i, c in enumerate(data["choices"]) if c["credit"] > 0]
    if kind == "truefalse":
        return data["answer"]
    best = next(a for a in data["answers"] if a["credit"] == 100)
    if kind == "short":
        return best["text"]
    return str(best["value"] if "value" in best else best["min"])


def answer_all(quiz: Quiz, user, wrong_key: str | None = None):
    attempt = services.start_attempt(quiz, user)
    answers = {}
    for question in services.attempt_questions(attempt):
        answer = right_answer(question)
        if question.key == wrong_key:
            answer = next(i for i, c in enumerate(question.data["choices"]) if c["credit"] <= 0)
        answers[str(question.id)] = answer
    services.submit_attempt(quiz, attempt, answers)
    db.session.commit()
    db.session.refresh(attempt)
    return attempt


def test_every_shipped_quiz_is_passed_by_its_right_answers_and_analysed(app, make_user):
    sync_tree(ROOT / "courses")
    db.session.commit()
    learner = make_user("shipped-learner@example.org")
    quizzes = list(db.session.scalars(sa.select(Quiz).where(Quiz.archived_at.is_(None))))
    assert len(quizzes) >= 6
    for course_id in {quiz.course_id for quiz in quizzes}:
        factories.enrol(learner, db.session.get(Course, course_id))
    for quiz in quizzes:
        attempt = answer_all(quiz, learner)
        assert attempt.percent == 100, quiz.title
        report = analyse(quiz)
        assert report.attempts == 1 and report.passed == 1
        assert all(s.seen == 1 and s.right == 1 for s in report.questions), quiz.title


def test_revising_a_shipped_question_keeps_the_old_grade(app, make_user, tmp_path):
    tree = tmp_path / "courses"
    shutil.copytree(ROOT / "courses", tree, ignore=shutil.ignore_patterns("_figures"))
    sync_tree(tree)
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "customs-and-the-conventions"))
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id,
                                                   Quiz.slug == "final-assessment"))
    learner = make_user("reviser@example.org")
    factories.enrol(learner, course)
    attempt = answer_all(quiz, learner, wrong_key="classify-plastics-ewaste")
    before = attempt.percent
    assert before < 100

    path = tree / "customs-and-the-conventions" / "quizzes" / "final-assessment.yaml"
    path.write_text(path.read_text().replace("Four export declarations arrive",
                                             "Four export declarations are lodged"))
    report = sync_tree(tree)
    db.session.commit()
    assert report.changed

    versions = list(db.session.scalars(sa.select(Question).where(
        Question.quiz_id == quiz.id, Question.key == "classify-plastics-ewaste")))
    assert len(versions) == 2
    assert sum(v.archived_at is not None for v in versions) == 1
    db.session.refresh(attempt)
    assert attempt.percent == before
    stats = {s.question.id: s for s in analyse(quiz).questions}
    archived = next(v for v in versions if v.archived_at is not None)
    assert stats[archived.id].seen == 1 and stats[archived.id].right == 0
