"""The native YAML quiz format: every type, settings, and problems with their lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.quizzes.loader import load_quiz

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes" / "demo-course"
ROOT = Path(__file__).resolve().parents[2]


def write(tmp_path, text: str, name: str = "q.yaml"):
    (tmp_path / "quizzes").mkdir(exist_ok=True)
    (tmp_path / "quizzes" / name).write_text(text)
    return load_quiz(tmp_path, {"slug": "q", "file": f"quizzes/{name}"}, f"quizzes/{name}")


def test_fixture_bank_parses_every_type():
    quiz, problems = load_quiz(FIXTURES, {"slug": "basics", "file": "quizzes/basics.yaml"}, "basics.yaml")
    assert problems == []
    assert quiz.title == "Basics of the conventions"
    assert quiz.settings["pass_mark"] == 60 and quiz.settings["review"] == "correct_answers"
    assert [q.kind for q in quiz.questions] == ["single", "multiple", "truefalse", "short", "numeric", "numeric"]
    assert [q.key for q in quiz.questions][:2] == ["basel-scope", "obligations"]
    assert quiz.questions[0].points == 2
    assert quiz.questions[0].text_html.startswith("<p>Which convention controls <strong>")
    assert quiz.questions[5].data["answers"][0]["min"] == 10


def test_multiple_with_correct_flags_shares_the_weights(tmp_path):
    quiz, problems = write(tmp_path, """
title: T
questions:
  - type: multiple
    text: Pick
    choices:
      - {text: a, correct: true}
      - {text: b, correct: true}
      - {text: c}
""")
    assert problems == []
    assert [c["credit"] for c in quiz.questions[0].data["choices"]] == [50, 50, -50]


@pytest.mark.parametrize("body, line, message", [
    ("title: T\nquestions:\n  - type: single\n    text: x\n    choices: [{text: a}, {text: b}]\n",
     3, "marked correct"),
    ("title: T\nquestions:\n  - type: essay\n    text: x\n", 3, "unknown question type"),
    ("title: T\nquestions:\n  - type: single\n    txt: x\n", 3, "unknown question key(s): txt"),
    (("title: T\nquestions:\n  - type: truefalse\n    text: a\n    answer: true\n"
     "  - type: numeric\n    text: b\n    min: 5\n    max: 1\n"), 6, "above max"),
    ("title: T\nquestions: [\n", 3, "YAML error"),
    ("title: T\npass_mark: 150\nquestions:\n  - {type: truefalse, text: a, answer: true}\n", 1,
     "pass_mark is a percentage"),
    ("title: T\ndraw: 5\nquestions:\n  - {type: truefalse, text: a, answer: true}\n", 0,
     "draw is 5 but the quiz has only 1"),
    ("title: T\nquestions:\n  - {type: truefalse, text: a, answer: true, points: 0}\n", 3, "points"),
    (("title: T\nquestions:\n  - {type: truefalse, id: a, text: a, answer: true}\n"
     "  - {type: truefalse, id: a, text: b, answer: true}\n"), 4, "used twice"),
])
def test_problems_name_the_line(tmp_path, body, line, message):
    quiz, problems = write(tmp_path, body)
    assert quiz is None
    assert problems[0].line == line, [str(p) for p in problems]
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"quizzes/q.yaml:{line}: ")


def test_file_must_exist_and_stay_inside_quizzes(tmp_path):
    (tmp_path / "quizzes").mkdir()
    _q, problems = load_quiz(tmp_path, {"slug": "q", "title": "T", "file": "quizzes/../../etc/passwd.yaml"}, "x")
    assert "inside quizzes/" in problems[0].message
    _q, problems = load_quiz(tmp_path, {"slug": "q", "title": "T", "file": "quizzes/none.yaml"}, "x")
    assert "does not exist" in problems[0].message
    _q, problems = load_quiz(tmp_path, {"slug": "Bad Slug", "title": "T", "file": "quizzes/none.yaml"}, "x")
    assert "slug" in problems[0].message


def test_every_bundled_quiz_bank_parses():
    """Every quiz named by a bundled course.yaml parses without a problem."""
    import yaml

    course_files = sorted((ROOT / "courses").glob("*/course.yaml"))
    if not course_files:
        pytest.skip("no bundled courses in this tree")
    seen = 0
    for course_file in course_files:
        for entry in yaml.safe_load(course_file.read_text()).get("quizzes", []):
            quiz, problems = load_quiz(course_file.parent, entry, entry["file"])
            assert problems == [], [str(p) for p in problems]
            assert len(quiz.questions) >= 5
            seen += 1
    assert seen >= 3
