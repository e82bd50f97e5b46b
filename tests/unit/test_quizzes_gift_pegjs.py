"""The public set of 51 GIFT test files of the GIFT PEG.js grammar project
(tests/fixtures/gift/gift-grammar-pegjs/, MIT, see LICENCE.md there): every file either imports
(with the question types listed here) or is refused with a line-numbered message saying why.
None raises."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from elearn.quizzes.loader import load_quiz

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "gift" / "gift-grammar-pegjs"
KINDS = {"S": "single", "M": "multiple", "TF": "truefalse", "SA": "short", "N": "numeric",
         "MA": "matching"}


def imports(kinds: str) -> tuple:
    return ("imports", [KINDS[k] for k in kinds.split()])


def refused(line: int, only: str) -> tuple:
    """Refused: the file's only items are essays (which need grading by hand) or descriptions,
    so it has no question to import; the message names them and their lines."""
    return ("refused", line, only)


# Moodle imports each of these files; elearn imports every one that has a question it can grade
# (descriptions become text before the next question, essays are skipped with a note) and a
# file of $CATEGORY lines only. Files whose only items are essays or descriptions are refused.
EXPECTED = {
    "TFTwoFeedback.gift": imports("TF TF TF"),
    "category1.gift": imports(""),
    "categorySpecialCharacter.gift": imports(""),
    "description1.gift": imports("TF"),
    "descriptionTitleEscapedColon.gift": imports("TF"),
    "descriptionWithID.gift": imports("TF"),
    "escapeAll.gift": imports("S"),
    "escapeColon.gift": imports("S"),
    "escapeEquals.gift": imports("S"),
    "essay1.gift": refused(1, "essays"),
    "formatExamples.gift": imports("S"),
    "giftFormatPhpExamples.gift": imports("S S TF SA N MA S S SA N"),
    "markdown.gift": refused(1, "descriptions"),
    "matching1.gift": imports("MA MA"),
    "mc1.gift": imports("S"),
    "mc2.gift": imports("S"),
    "mc4.gift": imports("S"),
    "mc5.gift": imports("S S S S"),
    "mcHTMLComment.gift": imports("S"),
    "multiLineFeedback1.gift": imports("S S"),
    "multipleAnswersFloat.gift": imports("M"),
    "newlineAndLaTeX.gift": refused(1, "essays"),
    "numerical1.gift": imports("N N N N N N N N N N"),
    "options1.gift": imports("N SA S S SA SA TF S S SA M M S S"),
    "shortAnswer1.gift": imports("SA SA"),
    "shortAnswer2.gift": imports("SA SA"),
    "shortAnswerNotMatching.gift": imports("S S"),
    "shortFirstEmbedded.gift": imports("SA SA"),
    "shortFirstEmbeddedUnderline.gift": imports("SA SA"),
    "shortFirstEmbeddedUnderlineHTML.gift": imports("SA SA"),
    "symbolsAll.gift": imports("TF"),
    "tag_id.gift": refused(2, "essays"),
    "tag_id_and_two_tags.gift": refused(3, "essays"),
    "tag_two_tags.gift": refused(2, "essays"),
    "tf1.gift": imports("TF"),
    "tf1_html.gift": imports("TF"),
    "tf1_markdown.gift": imports("TF"),
    "tf2.gift": imports("TF TF"),
    "totara_moodle_backslash.gift": refused(4, "essays"),
    "totara_moodle_essay.gift": refused(4, "essays"),
    "totara_moodle_match.gift": imports("MA"),
    "totara_moodle_multichoice.gift": imports("S"),
    "totara_moodle_multichoice_multi.gift": imports("M"),
    "totara_moodle_numerical.gift": imports("N"),
    "totara_moodle_pre_content.gift": refused(3, "essays"),
    "totara_moodle_shortanswer.gift": imports("SA"),
    "totara_moodle_shortanswer_general_feedback.gift": imports("SA"),
    "totara_moodle_truefalse.gift": imports("TF"),
    "totara_moodle_truefalse_true_answer1.gift": imports("TF"),
    "totara_moodle_truefalse_true_answer2.gift": imports("TF"),
    "type_inferred_multiline_markdown.gift": imports("SA"),
}


def test_the_set_is_complete():
    assert sorted(path.name for path in FOLDER.glob("*.gift")) == sorted(EXPECTED)
    assert len(EXPECTED) == 51


def load(tmp_path, name: str):
    (tmp_path / "quizzes").mkdir()
    shutil.copy(FOLDER / name, tmp_path / "quizzes" / name)
    return load_quiz(tmp_path, {"slug": "bank", "title": "Bank", "file": f"quizzes/{name}"},
                     f"quizzes/{name}")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_file_imports_or_is_refused_with_a_line_numbered_reason(tmp_path, name):
    quiz, problems = load(tmp_path, name)
    expected = EXPECTED[name]
    if expected[0] == "imports":
        assert problems == [], [str(p) for p in problems]
        assert [q.kind for q in quiz.questions] == expected[1]
        assert all(q.text_html.strip() for q in quiz.questions)
        for question in quiz.questions:
            for choice in question.data.get("choices", []):
                assert choice["html"].strip(), (question.title, question.data)
    else:
        _kind, line, only = expected
        assert quiz is None
        assert [(p.file, p.line) for p in problems] == [(f"quizzes/{name}", line)]
        message = problems[0].message
        assert message.startswith("the GIFT file has no question elearn can import: it has "
                                  f"only {only} (line")


def test_escaped_control_characters_are_literal_choices_and_feedback(tmp_path):
    """escapeAll.gift: each choice is one escaped control character (a "#" among them, which
    Markdown would read as a heading) and its feedback starts with it."""
    quiz, _problems = load(tmp_path, "escapeAll.gift")
    choices = quiz.questions[0].data["choices"]
    assert [c["html"] for c in choices] == ["~", "=", "#", "{", "}", ":", "\\"]
    assert [c["credit"] for c in choices] == [0, 0, 0, 0, 0, 0, 100]
    assert choices[2]["feedback_html"] == "<p># is a control character.</p>"


def test_descriptions_and_categories_of_the_set(tmp_path):
    quiz, _problems = load(tmp_path, "description1.gift")
    assert quiz.questions[0].text_html == (
        "<p>You can use your pencil and paper for these next questions.</p>"
        "<p>True or false?</p>")
    (tmp_path / "other").mkdir()
    quiz, problems = load(tmp_path / "other", "category1.gift")
    assert problems == [] and quiz.questions == []
    assert quiz.categories == ["$course$/top/Default for LING-373-2194-B"]
