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


def test_every_shipped_module_is_light_illustrated_with_alt_text_and_sourced():
    """Module pages stay under 100 KB with their pictures, every picture has alt text, and every
    module ends with a Sources section that links to an official page."""
    import re

    from elearn.courses.render import references, render_module

    modules = sorted((ROOT / "courses").glob("*/modules/*.md"))
    assert len(modules) >= 20
    pictures = 0
    for path in modules:
        course = path.parents[1]
        text = path.read_text()
        assets = {p.relative_to(course).as_posix() for p in course.rglob("*.png")}
        html = render_module(text, path.relative_to(course).as_posix(), assets, {})
        images = [r for r in references(text) if r.kind == "image"]
        weight = len(html.encode()) + sum((path.parent / r.url).stat().st_size for r in images)
        assert weight < 100 * 1024, path.name
        for alt in re.findall(r"!\[([^\]]*)\]\(", text):
            assert len(alt.split()) >= 5, f"{path.name}: alt text too short: {alt!r}"
        pictures += len(images)
        sources = text.rsplit("\n## Sources\n", 1)
        assert len(sources) == 2 and "## " not in sources[1], f"{path.name}: no final Sources section"
        assert re.search(r"\]\(https://[^)]+\)", sources[1]), f"{path.name}: Sources without a link"
    assert pictures >= 10


def test_the_committed_figures_are_what_the_figure_script_draws(tmp_path):
    """courses/_figures/render.py redraws every committed PNG pixel for pixel, twice the same."""
    import runpy

    from PIL import Image

    script = runpy.run_path(str(ROOT / "courses" / "_figures" / "render.py"))
    assert script["main"]([str(tmp_path)]) == 0
    first = {rel: (tmp_path / rel).read_bytes() for rel in script["FIGURES"]}
    script["main"]([str(tmp_path)])
    for rel in script["FIGURES"]:
        assert (tmp_path / rel).read_bytes() == first[rel], rel
        committed = ROOT / "courses" / rel
        assert committed.stat().st_size < 40 * 1024, rel
        with Image.open(committed) as old, Image.open(tmp_path / rel) as new:
            assert old.size == new.size, rel
            assert old.convert("RGB").tobytes() == new.convert("RGB").tobytes(), rel
