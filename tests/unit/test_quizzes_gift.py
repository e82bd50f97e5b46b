"""GIFT reading: every construct, each escape, errors with the right line, unsupported kinds,
and the fidelity of a bank that looks like a Moodle export."""

from __future__ import annotations

from pathlib import Path

import pytest

from elearn.quizzes.gift import parse_gift
from elearn.quizzes.gift_text import unescape
from elearn.quizzes.loader import load_quiz
from elearn.quizzes.spec import build_question

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes" / "demo-course"


def one(source: str):
    specs, problems, _categories = parse_gift(source, "q.gift")
    assert problems == [], [str(p) for p in problems]
    assert len(specs) == 1
    found: list = []
    question = build_question(specs[0], "q.gift", found)
    assert found == [], [str(p) for p in found]
    return specs[0], question


def test_comments_titles_and_blank_line_separation():
    source = "// a comment\n::First:: One? {T}\n\n// another\n::Second::\nTwo\nlines? {F}\n"
    specs, problems, _ = parse_gift(source, "q.gift")
    assert problems == []
    assert [s.title for s in specs] == ["First", "Second"]
    assert [s.line for s in specs] == [2, 5]
    assert specs[1].text == "Two\nlines?"


def test_category_lines_are_recorded_and_apply_to_following_questions():
    source = "$CATEGORY: top/A\n\n::Q1::x {T}\n\n$CATEGORY: top/B\n\n::Q2::y {F}\n"
    specs, problems, categories = parse_gift(source, "q.gift")
    assert problems == []
    assert categories == ["top/A", "top/B"]
    assert [s.category for s in specs] == ["top/A", "top/B"]


@pytest.mark.parametrize("fmt, text, expected", [
    ("[markdown]", "**bold**", "<p><strong>bold</strong></p>"),
    ("[html]", "<p>An <em>html</em> text</p>", "<p>An <em>html</em> text</p>"),
    ("[plain]", "a <b> c", "<p>a &lt;b&gt; c</p>"),
    ("", "*emphasis* by default", "<p><em>emphasis</em> by default</p>"),
])
def test_text_formats(fmt, text, expected):
    _spec, question = one(f"::T::{fmt}{text} {{T}}")
    assert question.text_html == expected


def test_single_choice_with_feedback_partial_credit_and_general_feedback():
    spec, question = one("Pick {=right#Yes! ~wrong#No. ~%50%half#Half. ####General}")
    assert spec.kind == "single"
    assert [c["credit"] for c in question.data["choices"]] == [100, 0, 50]
    assert [c["feedback_html"] for c in question.data["choices"]] == ["<p>Yes!</p>", "<p>No.</p>", "<p>Half.</p>"]
    assert question.feedback_html == "<p>General</p>"


def test_multiple_choice_weights_including_negative():
    spec, question = one("Pick all {~%50%a#fa ~%50%b ~%-100%c#fc}")
    assert spec.kind == "multiple"
    assert [c["credit"] for c in question.data["choices"]] == [50, 50, -100]
    assert question.data["choices"][2]["feedback_html"] == "<p>fc</p>"


@pytest.mark.parametrize("block, answer", [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)])
def test_truefalse_forms(block, answer):
    spec, question = one(f"Sky is blue {{{block}}}")
    assert spec.kind == "truefalse"
    assert question.data["answer"] is answer


def test_truefalse_feedback_wrong_then_right_and_general():
    _spec, question = one("Sky is blue {TRUE#You said false: wrong#You said true: right####General}")
    assert question.data["feedback_true"] == "<p>You said true: right</p>"
    assert question.data["feedback_false"] == "<p>You said false: wrong</p>"
    assert question.feedback_html == "<p>General</p>"
    _spec, question = one("Sky is green {F#wrong#right}")
    assert question.data["feedback_false"] == "<p>right</p>"
    assert question.data["feedback_true"] == "<p>wrong</p>"


def test_short_answer_with_several_answers_and_credit():
    spec, question = one("Capital of France? {=Paris =paris city#ok =%50%Lutetia#old name}")
    assert spec.kind == "short"
    assert [(a["text"], a["credit"]) for a in question.data["answers"]] == [
        ("Paris", 100), ("paris city", 100), ("Lutetia", 50)]
    assert question.data["answers"][2]["feedback_html"] == "<p>old name</p>"


def test_numeric_tolerance_range_and_several_answers():
    _s, q = one("Pi? {#3.14:0.01}")
    assert q.data["answers"] == [{"value": 3.14, "tolerance": 0.01, "credit": 100, "feedback_html": ""}]
    _s, q = one("Between? {#1..2}")
    assert q.data["answers"][0]["min"] == 1 and q.data["answers"][0]["max"] == 2
    _s, q = one("Exact {#42#The answer}")
    assert q.data["answers"][0]["value"] == 42 and q.data["answers"][0]["feedback_html"] == "<p>The answer</p>"
    _s, q = one("Year? {# =%100%1.5:0 =%50%2:0.5#close ~#any other answer}")
    assert [(a["value"], a["tolerance"], a["credit"]) for a in q.data["answers"]] == [(1.5, 0, 100), (2, 0.5, 50)]
    assert q.data["answers"][1]["feedback_html"] == "<p>close</p>"


def test_missing_word_keeps_text_before_and_after():
    spec, _q = one("Moodle costs {~lots of money =nothing ~a small amount} to download.")
    assert spec.kind == "single"
    assert spec.text == "Moodle costs _____ to download."


@pytest.mark.parametrize("escaped, plain", [
    (r"\~", "~"), (r"\=", "="), (r"\#", "#"), (r"\{", "{"), (r"\}", "}"), (r"\:", ":"),
])
def test_each_escape_in_text_and_answers(escaped, plain):
    _spec, question = one(f"Text {escaped} here {{={escaped}right#fb {escaped} ~wrong}}")
    assert question.text_html == f"<p>Text {plain} here</p>"
    assert question.data["choices"][0]["html"] == f"{plain}right"
    assert question.data["choices"][0]["feedback_html"] == f"<p>fb {plain}</p>"
    assert unescape(escaped) == plain


@pytest.mark.parametrize("escaped, plain", [(r"\#", "#"), (r"\=", "="), (r"\~", "~")])
def test_an_escaped_character_at_the_start_of_a_markdown_text_stays_literal(escaped, plain):
    """GIFT's escapes are Markdown's too: an escaped "#" never becomes a heading (the GIFT
    PEG.js test file escapeAll.gift has choices and feedback that start with one)."""
    _spec, question = one(f"{escaped} first {{={escaped}#{escaped} is special ~b}}")
    assert question.text_html == f"<p>{plain} first</p>"
    assert question.data["choices"][0]["html"] == plain
    assert question.data["choices"][0]["feedback_html"] == f"<p>{plain} is special</p>"


def test_escaped_colon_in_title_and_backslash_n():
    spec, _q = one(r"::Ratio 3\:1::Line one\nline two {T}")
    assert spec.title == "Ratio 3:1"
    assert spec.text == "Line one\nline two"


@pytest.mark.parametrize("source, line, message", [
    ("::A::fine {T}\n\n\n::M::Match {\n=a -> 1\n=b -> 2\n}\n", 4, "at least two items"),
    ("::A::fine {T}\n\n::M::Match {\n=a -> 1\n=b\n}\n", 5, "needs ->"),
    ("::A::fine {T}\n\n::B::open {=a\n~b\n", 3, "not closed"),
    ("::A::fine {T}\n\n::B::bad weight {\n~%abc%x\n~%100%y\n}\n", 4, "bad weight"),
    ("::A::fine {T}\n\n::B::bad number {\n#abc\n}\n", 4, "bad numeric answer"),
    ("::A::fine {T}\n\n::B never closed title {T}\n", 3, ":: is not closed"),
    ("::A::[rtf]fine {T}\n", 1, "unknown text format"),
    ("x {~a ~b}\n", 1, "add up to 100"),
])
def test_malformed_and_unsupported_questions_report_file_and_line(source, line, message):
    specs, problems, _ = parse_gift(source, "bank.gift")
    if not problems:
        for spec in specs:
            build_question(spec, "bank.gift", problems)
    assert problems, "expected a problem"
    assert problems[0].line == line
    assert message in problems[0].message
    assert str(problems[0]).startswith(f"bank.gift:{line}: ")


def test_a_broken_file_reports_every_problem_and_imports_nothing():
    entry = {"slug": "broken", "title": "Broken", "file": "quizzes/broken.gift"}
    quiz, problems = load_quiz(FIXTURES, entry, "demo-course/quizzes/broken.gift")
    assert quiz is None
    assert [(p.line, p.message.split(" ")[0] + " " + p.message.split(" ")[1]) for p in problems] == [
        (11, "the answer"), (6, "a matching")]
    assert str(problems[0]).startswith("demo-course/quizzes/broken.gift:11: the answer")


def test_moodle_export_imports_with_the_same_questions_answers_weights_and_feedback():
    entry = {"slug": "moodle", "title": "Moodle bank", "file": "quizzes/moodle-export.gift"}
    quiz, problems = load_quiz(FIXTURES, entry, "moodle-export.gift")
    assert problems == []
    assert quiz.source_format == "gift"
    assert quiz.categories == ["$course$/top/Default for ESM/Basel basics",
                               "$course$/top/Default for ESM/Numbers"]
    by_title = {q.title: q for q in quiz.questions}
    assert list(by_title) == ["Basel scope", "Controls that apply", "PIC is Rotterdam", "Year adopted",
                              "Document name", "Parties"]

    scope = by_title["Basel scope"]
    assert scope.kind == "single"
    assert scope.category == "$course$/top/Default for ESM/Basel basics"
    assert scope.text_html == ("<p>Which convention controls the <strong>transboundary movements"
                               "</strong> of hazardous wastes?</p>")
    assert [(c["html"], c["credit"], c["feedback_html"]) for c in scope.data["choices"]] == [
        ("The Basel Convention", 100, "<p>Right: Basel covers transboundary movements and their disposal.</p>"),
        ("The Rotterdam Convention", 0, "<p>Rotterdam is about prior informed consent for chemicals.</p>"),
        ("The Basel Ban Amendment", 25, "<p>Part of Basel, but not the whole answer.</p>"),
    ]
    assert scope.feedback_html == "<p>Basel (1989) is the waste convention.</p>"

    controls = by_title["Controls that apply"]
    assert controls.kind == "multiple"
    assert [(c["html"], c["credit"]) for c in controls.data["choices"]] == [
        ("Prior informed consent before export", 50), ("Environmentally sound management", 50),
        ("Free trade of hazardous wastes", -100)]
    assert controls.data["choices"][2]["feedback_html"] == "<p>No: trade is controlled.</p>"

    pic = by_title["PIC is Rotterdam"]
    assert pic.kind == "truefalse" and pic.data["answer"] is True
    assert pic.data["feedback_true"] == "<p>Correct, PIC is Rotterdam's core procedure.</p>"
    assert pic.data["feedback_false"] == "<p>It does: PIC is Rotterdam's core.</p>"

    year = by_title["Year adopted"]
    assert year.kind == "numeric"
    assert year.category == "$course$/top/Default for ESM/Numbers"
    assert [(a["value"], a["tolerance"], a["credit"], a["feedback_html"]) for a in year.data["answers"]] == [
        (1989, 0, 100, "<p>Yes, 22 March 1989.</p>"),
        (1990, 1, 50, "<p>Close: it entered into force in 1992.</p>")]

    document = by_title["Document name"]
    assert document.kind == "short"
    assert [(a["text"], a["credit"]) for a in document.data["answers"]] == [
        ("movement document", 100), ("notification", 50)]

    parties = by_title["Parties"]
    assert parties.text_html == "<p>The ratio 3:1 uses a colon; type 3:1</p>"
    assert [c["html"] for c in parties.data["choices"]] == ["3:1", "2:1"]
    # keys come from the titles, so a re-import matches the same questions
    assert scope.key == "title:Basel scope"


def test_gift_settings_come_from_the_course_entry():
    entry = {"slug": "moodle", "title": "Moodle bank", "file": "quizzes/moodle-export.gift",
             "pass_mark": 50, "max_attempts": 2, "score": "last", "shuffle_choices": True,
             "time_limit_minutes": 20, "review": "score_only", "draw": 3}
    quiz, problems = load_quiz(FIXTURES, entry, "moodle-export.gift")
    assert problems == []
    assert quiz.settings == {"pass_mark": 50, "max_attempts": 2, "score": "last",
                             "shuffle_questions": False, "shuffle_choices": True,
                             "time_limit_minutes": 20, "review": "score_only", "draw": 3}
    entry.update(score="best", draw=99)
    _quiz, problems = load_quiz(FIXTURES, entry, "moodle-export.gift")
    assert any("score must be one of highest, last" in p.message for p in problems)
