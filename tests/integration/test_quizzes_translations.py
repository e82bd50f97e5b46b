"""Language versions of quizzes (quizzes/<stem>.<lang>.yaml): checked against the source,
imported as display texts, shown in the learner's language, graded on the source."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from elearn.courses.models import Course, source_hash
from elearn.extensions import db
from elearn.quizzes import services
from elearn.quizzes.importer import check_quiz, sync_quiz
from elearn.quizzes.models import Question, Quiz, QuizAttempt
from tests import factories
from tests.conftest import login_client
from tests.integration.test_quizzes_attempts import answers_form

FRENCH = """\
source-hash: {hash}
title: Les bases des conventions
questions:
  - type: single
    id: basel-scope
    text: Quelle convention contrôle les **mouvements transfrontières** de déchets dangereux ?
    points: 2
    feedback: RETOUR-GENERAL-bale
    choices:
      - text: Bâle
        correct: true
        feedback: SECRET-JUSTE-bale
      - text: Rotterdam (FR)
        feedback: Rotterdam porte sur le CPCC.
      - text: Stockholm (FR)
        feedback: Stockholm porte sur les POP.
  - type: multiple
    id: obligations
    text: Quelles sont les obligations de Bâle ?
    choices:
      - {{text: Consentement préalable, weight: 50, feedback: SECRET-JUSTE-pic}}
      - {{text: Gestion écologiquement rationnelle, weight: 50, feedback: SECRET-JUSTE-esm}}
      - {{text: Libre-échange, weight: -100, feedback: Non.}}
  - type: truefalse
    id: pic-rotterdam
    text: Le CPCC relève de la Convention de Rotterdam.
    answer: true
    feedback_true: SECRET-JUSTE-vf
    feedback_false: Si.
  - type: short
    id: document
    text: Nommez le document qui accompagne les déchets.
    answers:
      - {{text: Document de mouvement, credit: 100, feedback: SECRET-JUSTE-court}}
      - {{text: notification, credit: 50}}
  - type: numeric
    id: year
    text: En quelle année la Convention de Bâle a-t-elle été adoptée ?
    answer: 1989
    tolerance: 0
  - type: numeric
    id: range
    text: Donnez un nombre entre 10 et 20.
    min: 10
    max: 20
"""

ENTRY = {"slug": "basics", "title": "Basics", "file": "quizzes/basics.yaml"}


@pytest.fixture
def tree(tmp_path):
    target = tmp_path / "demo-course"
    shutil.copytree(factories.QUIZ_FIXTURES, target)
    return target


def translate(tree, language="fr", text=FRENCH, hash_=None):
    source = (tree / "quizzes/basics.yaml").read_text(encoding="utf-8")
    (tree / f"quizzes/basics.{language}.yaml").write_text(
        text.format(hash=hash_ or source_hash(source)), encoding="utf-8")


def imported(tree, trainer):
    course = db.session.scalar(sa.select(Course).where(Course.slug == "esm"))
    course = course or factories.make_course(slug="esm", owner=trainer, modules=0)
    sync_quiz(course, ENTRY, tree, 0)
    db.session.commit()
    quiz = db.session.scalar(sa.select(Quiz).where(Quiz.course_id == course.id))
    return course, quiz


def test_sync_imports_translations_as_display_texts(app, tree, trainer):
    translate(tree)
    assert check_quiz(tree, ENTRY, "demo-course/quizzes/basics.yaml") == []
    _course, quiz = imported(tree, trainer)
    assert quiz.translations == {"fr": {"title": "Les bases des conventions",
                                        "source_hash": quiz.translations["fr"]["source_hash"],
                                        "outdated": False}}
    questions = db.session.scalars(sa.select(Question).where(Question.quiz_id == quiz.id)
                                   .order_by(Question.position)).all()
    assert all(set(q.translations) == {"fr"} for q in questions)
    first = questions[0]
    assert "mouvements transfrontières" in first.translations["fr"]["text_html"]
    assert first.translations["fr"]["data"]["choices"][0]["html"] == "Bâle"
    # the source still grades: its credits, its question rows
    assert first.data["choices"][0]["html"] == "Basel"
    assert first.translations["fr"]["data"]["choices"][0]["credit"] == 100


def test_a_changed_translation_changes_no_question_row(app, tree, trainer):
    _course, quiz = imported(tree, trainer)
    before = {q.id for q in quiz.questions}
    translate(tree)
    assert sync_quiz(db.session.get(Course, quiz.course_id), ENTRY, tree, 0) == "changed"
    db.session.commit()
    db.session.expire_all()
    assert {q.id for q in db.session.get(Quiz, quiz.id).questions} == before
    assert db.session.get(Quiz, quiz.id).translations["fr"]["title"] == "Les bases des conventions"
    assert sync_quiz(db.session.get(Course, quiz.course_id), ENTRY, tree, 0) == "unchanged"


@pytest.mark.parametrize("change, message", [
    (lambda t: t.replace("        correct: true\n", "", 1).replace(
        "      - text: Rotterdam (FR)\n", "      - text: Rotterdam (FR)\n        correct: true\n"),
     "choice 1"),
    (lambda t: t.replace("    answer: true\n    feedback_true: SECRET-JUSTE-vf\n    feedback_false: Si.\n",
                         "    choices: [{{text: Oui, correct: true}}, {{text: Non}}]\n").replace(
        "type: truefalse", "type: single"), "is single, the source's is truefalse"),
    (lambda t: t.replace("answer: true", "answer: false"), "answer differs"),
    (lambda t: t.replace("answer: 1989", "answer: 1990"), "answer differs"),
    (lambda t: t.split("  - type: numeric\n    id: range")[0], "5 questions, the source has 6"),
    (lambda t: t.replace("    points: 2\n", "    points: 3\n"), "worth 3 points"),
])
def test_check_reports_a_translation_that_does_not_match_the_source(app, tree, change, message):
    translate(tree, text=change(FRENCH))
    problems = check_quiz(tree, ENTRY, "demo-course/quizzes/basics.yaml")
    assert problems, message
    assert all(p.file == "demo-course/quizzes/basics.fr.yaml" for p in problems)
    assert any(message in p.message for p in problems), [str(p) for p in problems]
    assert all(p.line >= 1 for p in problems)


def test_out_of_date_translation_is_flagged(app, tree, trainer):
    translate(tree, hash_="0123456789abcdef")
    assert check_quiz(tree, ENTRY, "demo-course/quizzes/basics.yaml") == []
    _course, quiz = imported(tree, trainer)
    assert quiz.translations["fr"]["outdated"] is True
    from types import SimpleNamespace

    from elearn.courses.specs import QuizRef
    from elearn.quizzes.loader import load_quiz
    from elearn.quizzes.translations import stale_notes

    spec = SimpleNamespace(directory=tree, quizzes=[QuizRef(ENTRY, "demo-course/quizzes/basics.yaml")])
    notes = stale_notes([spec], lambda spec, ref: load_quiz(spec.directory, ref.entry,
                                                           ref.rel_file)[0])
    assert len(notes) == 1 and notes[0].startswith("demo-course/quizzes/basics.fr.yaml:1:")
    assert "out of date" in notes[0]


def _learner(locale, course):
    learner = factories.make_user()
    learner.locale = locale
    db.session.commit()
    factories.enrol(learner, course)
    return learner


def _take(client, quiz, right=True):
    response = client.post(f"/courses/esm/quizzes/{quiz.slug}/start")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    attempt = db.session.get(QuizAttempt, attempt_id)
    page = client.get(f"/courses/esm/quizzes/{quiz.slug}/attempts/{attempt.id}").get_data(as_text=True)
    client.post(f"/courses/esm/quizzes/{quiz.slug}/attempts/{attempt.id}/submit",
                data=answers_form(attempt, right=right))
    db.session.refresh(attempt)
    result = client.get(f"/courses/esm/quizzes/{quiz.slug}/attempts/{attempt.id}/result")
    return attempt, page, result.get_data(as_text=True)


def test_a_french_learner_takes_the_french_version_graded_on_the_source(app, tree, trainer, client):
    translate(tree)
    course, quiz = imported(tree, trainer)
    login_client(client, _learner("fr", course))
    attempt, page, result = _take(client, quiz)
    assert "Les bases des conventions" in page and "Bâle" in page and 'lang="fr"' in page
    assert "Basel" not in page
    # never the right answers or their feedback before submission
    assert "SECRET" not in page and "RETOUR-GENERAL" not in page
    assert attempt.percent == 100 and attempt.passed
    assert "SECRET-JUSTE-bale" in result and "RETOUR-GENERAL-bale" in result
    assert "SECRET-RIGHT" not in result and "GENERALFEEDBACK" not in result


def test_arabic_reader_sees_the_fallback_notice(app, tree, trainer, client):
    translate(tree)
    course, quiz = imported(tree, trainer)
    login_client(client, _learner("ar", course))
    _attempt, page, result = _take(client, quiz)
    assert "Which convention controls" in page and 'class="notice"' in page
    assert 'lang="en" dir="ltr"' in page and 'dir="rtl"' in page  # page in ar, quiz in en
    assert 'class="notice"' in result


def test_arabic_version_renders_right_to_left(app, tree, trainer, client):
    translate(tree, "ar", FRENCH.replace("Les bases des conventions", "أساسيات الاتفاقيات")
              .replace("Bâle", "بازل"))
    course, quiz = imported(tree, trainer)
    login_client(client, _learner("ar", course))
    _attempt, page, _result = _take(client, quiz)
    assert "أساسيات الاتفاقيات" in page and 'lang="ar" dir="rtl"' in page and "بازل" in page
    assert 'class="notice"' not in page
    assert "SECRET" not in page


@pytest.mark.parametrize("right", [True, False])
def test_grading_is_identical_in_every_language(app, tree, trainer, as_user, right):
    translate(tree)
    translate(tree, "es", FRENCH)
    course, quiz = imported(tree, trainer)
    scores = set()
    for locale in ("en", "fr", "es", "ar"):
        client = as_user(_learner(locale, course))
        attempt, _page, _result = _take(client, quiz, right=right)
        scores.add((attempt.score, attempt.percent, tuple(sorted(
            (k, v["score"]) for k, v in attempt.results.items()))))
    assert len(scores) == 1


def test_short_answer_accepted_in_translation_with_the_source_credit(app, tree, trainer):
    translate(tree)
    _course, quiz = imported(tree, trainer)
    short = next(q for q in quiz.questions if q.kind.value == "short")
    for answer, fraction in (("document DE mouvement", 1.0), ("Movement document", 1.0),
                             ("Notification", 0.5), ("bordereau", 0.0)):
        graded = services.grade(quiz, [short], {str(short.id): answer})
        assert graded.results[str(short.id)]["fraction"] == fraction, answer


def test_course_page_titles_and_the_trainers_list_of_translations_to_update(
        app, tree, trainer, as_user):
    translate(tree, hash_="0123456789abcdef")
    course, _quiz = imported(tree, trainer)
    course.published = True
    db.session.commit()
    page = as_user(_learner("fr", course)).get("/courses/esm").get_data(as_text=True)
    assert "Les bases des conventions" in page and 'id="outdated-translations"' not in page
    trainer_page = as_user(trainer).get("/courses/esm").get_data(as_text=True)
    assert 'id="outdated-translations"' in trainer_page
    assert "These quizzes changed" in trainer_page


def test_the_customs_quizzes_ship_in_french_spanish_and_arabic(app, client):
    from elearn import ROOT
    from elearn.courses.sync import sync_tree

    sync_tree(ROOT / "courses")
    db.session.commit()
    course = db.session.scalar(sa.select(Course).where(Course.slug == "customs-and-the-conventions"))
    quizzes = db.session.scalars(sa.select(Quiz).where(Quiz.course_id == course.id)).all()
    assert {q.slug: sorted(q.translations) for q in quizzes} == {
        "trade-procedures-check": ["ar", "es", "fr"], "final-assessment": ["ar", "es", "fr"]}
    assert not any(t["outdated"] for q in quizzes for t in q.translations.values())
    for quiz in quizzes:
        for question in quiz.questions:
            assert sorted(question.translations) == ["ar", "es", "fr"]
