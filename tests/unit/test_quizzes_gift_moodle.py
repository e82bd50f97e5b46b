"""GIFT as Moodle writes and accepts it: Moodle's own test fixtures (tests/fixtures/gift/,
GPL v3, see LICENCE.md there) and the constructs real banks use."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearn.quizzes.gift import parse_gift
from elearn.quizzes.loader import load_quiz
from elearn.quizzes.spec import build_question
from elearn.quizzes.types import question_type

GIFT = Path(__file__).resolve().parents[1] / "fixtures" / "gift"


def build(source: str):
    warnings: list = []
    specs, problems, categories = parse_gift(source, "bank.gift", warnings)
    assert problems == [], [str(p) for p in problems]
    questions = [build_question(spec, "bank.gift", problems) for spec in specs]
    assert problems == [], [str(p) for p in problems]
    return questions, warnings, categories


def load(tmp_path, name: str):
    (tmp_path / "quizzes").mkdir()
    shutil.copy(GIFT / name, tmp_path / "quizzes" / "bank.gift")
    return load_quiz(tmp_path, {"slug": "bank", "title": "Bank", "file": "quizzes/bank.gift"},
                     "bank.gift")


def test_moodles_questions_fixture_imports_all_but_the_essay(tmp_path):
    quiz, problems = load(tmp_path, "questions.gift.txt")
    assert problems == [], [str(p) for p in problems]
    assert [q.kind for q in quiz.questions] == [
        "matching", "single", "multiple", "numeric", "short", "truefalse", "truefalse",
        "truefalse"]
    assert len(quiz.warnings) == 1
    assert quiz.warnings[0].line == 2 and "::Q8::" in quiz.warnings[0].message


def test_moodles_category_fixture(tmp_path):
    quiz, problems = load(tmp_path, "questions_in_category.gift.txt")
    assert problems == []
    assert quiz.categories == ["$course$/Default for New Features"]
    assert [q.kind for q in quiz.questions] == ["matching", "single", "short", "truefalse"]
    greeting = quiz.questions[1]
    assert 'href="http://demo.moodle.net/file.php/5/media/bonjour.mp3"' in greeting.text_html


def test_per_answer_format_tags_are_honoured_and_stripped(tmp_path):
    quiz, _problems = load(tmp_path, "questions.gift.txt")
    everything = repr([q.data for q in quiz.questions]) + repr([q.text_html for q in quiz.questions])
    for tag in ("[html]", "[plain]", "[moodle]", "[markdown]"):
        assert tag not in everything
    q2 = quiz.questions[1]
    assert [c["html"] for c in q2.data["choices"]] == ["yellow", "red", "blue"]
    assert q2.data["choices"][1]["feedback_html"] == "wrong, it's yellow"  # [html]: no <p>
    assert q2.data["choices"][2]["feedback_html"] == "<p>wrong, it's yellow</p>"


@pytest.mark.parametrize("source, html", [
    ("Q {=[plain]a <b> c ~b}", "a &lt;b&gt; c"),
    ("Q {=[html]<em>x</em><script>alert(1)</script> ~b}", "<em>x</em>"),
    ("Q {=[markdown]**x** ~b}", "<strong>x</strong>"),
])
def test_each_format_is_rendered_its_way(source, html):
    questions, _w, _c = build(source)
    assert questions[0].data["choices"][0]["html"] == html


def test_numeric_with_other_answer_feedback():
    questions, _w, _c = build("::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}")
    question = questions[0]
    assert question.data["answers"] == [
        {"credit": 100.0, "feedback_html": "", "value": 3.0, "tolerance": 2.0}]
    qtype = question_type("numeric")
    assert qtype.grade(question.data, "4").fraction == 1
    wrong = qtype.grade(question.data, "9")
    assert wrong.fraction == 0 and "Completely wrong" in wrong.feedback_html


def test_bare_answer_is_a_short_answer():
    questions, _w, _c = build("Capital of Senegal? {Dakar}")
    assert questions[0].kind == "short"
    assert question_type("short").grade(questions[0].data, " dakar ").fraction == 1


def test_category_only_file_is_valid(tmp_path):
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "bank.gift").write_text("$CATEGORY: $course$/Basel\n")
    quiz, problems = load_quiz(tmp_path, {"slug": "b", "title": "B", "file": "quizzes/bank.gift"},
                               "bank.gift")
    assert problems == []
    assert quiz.categories == ["$course$/Basel"] and quiz.questions == []


def test_descriptions_are_text_before_the_next_question():
    questions, warnings, _c = build(
        "::Intro::[markdown]Read **Annex IV** first.\n\n::Q::Disposal code for landfill? {=D1 ~R1}\n\n"
        "::Late::A description with nothing after it\n")
    assert len(questions) == 1
    assert questions[0].text_html.startswith("<p>Read <strong>Annex IV</strong> first.</p>")
    assert "Disposal code" in questions[0].text_html
    assert len(warnings) == 1 and warnings[0].line == 5


def test_essays_are_skipped_with_a_warning_each_and_the_rest_imports():
    questions, warnings, _c = build(
        "::E1::Describe PIC. {}\n\n::Q::ok {T}\n\n::E2::Explain ESM. {####General}\n")
    assert [q.kind for q in questions] == ["truefalse"]
    assert [(w.line, "::E1::" in w.message or "::E2::" in w.message) for w in warnings] == [
        (1, True), (5, True)]


def test_matching_grades_by_share_of_pairs_and_hides_the_pairing():
    questions, _w, _c = build(
        "::M::Match the convention {\n=Basel -> wastes\n=Rotterdam -> PIC\n"
        "=Stockholm -> POPs\n= -> ozone\n}")
    data = questions[0].data
    qtype = question_type("matching")
    assert data["options"] == ["ozone", "PIC", "POPs", "wastes"]
    view = qtype.public_view(data, None)
    assert "option" not in repr(view["items"]) and "credit" not in repr(view)
    answer = qtype.coerce(data, ["3", "1", "0"], None)  # wastes, PIC, ozone
    assert answer == [3, 1, 0]
    assert qtype.grade(data, answer).fraction == pytest.approx(2 / 3)
    assert qtype.grade(data, [3, 1, 2]).fraction == 1
    assert qtype.coerce(data, ["", "", "99"], None) is None
    assert qtype.answer_label(data, [3, None, 2]) == "wastes; –; POPs"
