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


MATCHING = """
title: T
questions:
  - type: matching
    id: subjects
    text: Match each convention to its subject.
    points: 3
    pairs:
      - item: Basel
        match: Hazardous wastes
      - {item: Rotterdam, match: Prior informed consent}
      - item: Stockholm
        match: Persistent organic pollutants
    distractors: [Ozone layer]
"""


def test_matching_in_yaml_gives_the_same_question_as_in_gift(tmp_path):
    quiz, problems = write(tmp_path, MATCHING)
    assert problems == []
    question = quiz.questions[0]
    assert (question.kind, question.key, question.points) == ("matching", "subjects", 3)
    assert question.data["options"] == ["Hazardous wastes", "Ozone layer",
                                        "Persistent organic pollutants", "Prior informed consent"]
    options = question.data["options"]
    assert [(i["html"], options[i["option"]]) for i in question.data["items"]] == [
        ("Basel", "Hazardous wastes"), ("Rotterdam", "Prior informed consent"),
        ("Stockholm", "Persistent organic pollutants")]
    (tmp_path / "quizzes" / "q.gift").write_text(
        "::subjects::Match each convention to its subject. {\n=Basel -> Hazardous wastes\n"
        "=Rotterdam -> Prior informed consent\n=Stockholm -> Persistent organic pollutants\n"
        "= -> Ozone layer\n}\n")
    gift, gift_problems = load_quiz(tmp_path, {"slug": "q", "title": "T", "file": "quizzes/q.gift"},
                                    "quizzes/q.gift")
    assert gift_problems == [] and gift.questions[0].data == question.data


PAIR_A = "  - type: matching\n    text: x\n    pairs:\n      - {item: a, match: b}\n"


@pytest.mark.parametrize("questions, line, message", [
    ("  - {type: matching, text: x}\n", 3, "needs pairs: a list of mappings with item: and match:"),
    ("  - {type: matching, text: x, pairs: {a: b}}\n", 3, "needs pairs"),
    ("  - type: matching\n    text: x\n    pairs:\n      - a -> b\n", 3, "pair 1 must be a mapping"),
    (PAIR_A + "      - {item: c, option: d}\n", 7, "unknown key(s) in pair 2: option"),
    (PAIR_A + "      - {match: d}\n", 7, "pair 2 has no item: text"),
    (PAIR_A + "      - {item: c, match: ''}\n", 7, "pair 2 has no match: text"),
    (PAIR_A + "      - {item: A, match: c}\n", 7, "the item 'A' is listed twice"),
    (PAIR_A + "      - {item: c, match: d}\n    distractors: e\n", 3, "distractors must be a list"),
    (PAIR_A + "      - {item: c, match: d}\n    distractors: [[e]]\n", 3, "distractor 1 must be a text"),
    (PAIR_A + "      - {item: c, match: d}\n    distractors: [b]\n", 3, "distractor 1 ('b') is the match"),
    (PAIR_A + "      - {item: c, match: d}\n", 3, "at least two items and three options"),
    ("  - {text: x, pairs: [{item: a, match: b}]}\n", 3, "matching"),  # no type: names the kinds
])
def test_matching_problems_name_the_line_and_say_what_is_wrong(tmp_path, questions, line,
                                                               message):
    quiz, problems = write(tmp_path, "title: T\nquestions:\n" + questions)
    assert quiz is None
    assert [(p.line, message in p.message) for p in problems] == [(line, True)], [
        str(p) for p in problems]


def test_a_translated_matching_question_shows_its_language_and_grades_as_the_source(tmp_path):
    from elearn.courses.translations import source_hash
    from elearn.quizzes.types import question_type

    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "q.yaml").write_text(MATCHING)
    (tmp_path / "quizzes" / "q.fr.yaml").write_text(f"""
source-hash: {source_hash(MATCHING)}
title: T
questions:
  - type: matching
    text: Associez chaque convention à son objet.
    points: 3
    pairs:
      - {{item: Bâle, match: Déchets dangereux}}
      - {{item: Rotterdam, match: Consentement préalable en connaissance de cause}}
      - {{item: Stockholm, match: Polluants organiques persistants}}
    distractors: [Couche d'ozone]
""")
    quiz, problems = load_quiz(tmp_path, {"slug": "q", "file": "quizzes/q.yaml"}, "quizzes/q.yaml")
    assert problems == []
    source = quiz.questions[0].data
    french = quiz.translations["fr"].questions[0]["data"]
    options = french["options"]
    assert [(i["html"], options[i["option"]]) for i in french["items"]] == [
        ("Bâle", "Déchets dangereux"),
        ("Rotterdam", "Consentement préalable en connaissance de cause"),
        ("Stockholm", "Polluants organiques persistants")]
    assert "Couche d'ozone" in options
    assert [i["option"] for i in french["items"]] == [i["option"] for i in source["items"]]
    matching = question_type("matching")
    right = [i["option"] for i in source["items"]]
    assert matching.grade(source, right).fraction == 1
    # a translation that pairs differently from the source is refused
    (tmp_path / "quizzes" / "q.fr.yaml").write_text(f"""
source-hash: {source_hash(MATCHING)}
title: T
questions:
  - type: matching
    text: Associez.
    points: 3
    pairs:
      - {{item: Bâle, match: Déchets}}
      - {{item: Rotterdam, match: Déchets}}
      - {{item: Stockholm, match: Polluants}}
    distractors: [Ozone, Eau]
""")
    _quiz, problems = load_quiz(tmp_path, {"slug": "q", "file": "quizzes/q.yaml"},
                                "quizzes/q.yaml")
    assert [(p.file, "question 1 pairs items with options otherwise" in p.message)
            for p in problems] == [("quizzes/q.fr.yaml", True)]
