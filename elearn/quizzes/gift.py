"""Moodle GIFT reader: turns a GIFT file into question specs, with ``file:line`` problems.

Follows Moodle's own reader (question/format/gift/format.php):
- questions are separated by blank lines; lines starting with ``//`` are comments;
- ``$CATEGORY: path`` lines are recorded and apply to the questions after them;
- ``::title::`` then an optional ``[markdown]``, ``[html]``, ``[plain]`` (or ``[moodle]``) format;
- the answer block ``{...}``; text after it makes a missing-word question (shown as a blank);
- ``####`` in the block starts the general feedback, ``#`` an answer's feedback;
- ``{T}`` ``{F}`` ``{TRUE}`` ``{FALSE}`` (``#feedback if wrong#feedback if right``);
- a block with ``~`` is multiple choice: single answer when it has an ``=``, several answers
  (``~%50%``, ``~%-100%`` weights) when it has none;
- only ``=`` answers: short answer (``=%50%`` gives partial credit);
- ``{#...}``: numeric: ``1.5:0.1``, ``1..2``, or several ``=%100%1.5:0 =%50%2:0.5`` answers;
- escapes ``\\~ \\= \\# \\{ \\} \\:`` (and ``\\n`` for a line break).
- per-answer formats: an answer's or a feedback's text may start with ``[html]``, ``[plain]``,
  ``[markdown]`` or ``[moodle]``: that text is rendered in that format and the tag removed;
- ``{#3:2~#feedback}``: numeric with Moodle's "any other answer" feedback;
- ``{answer}`` (no ``=`` or ``~``): a short answer with that one accepted answer;
- matching: ``{=item -> option =item -> option = -> distractor}``;
- description (no answer block): its text is shown before the next question (a description at
  the end of the file has no question to go with and is reported as a warning);
- essays (``{}``) need grading by hand, which elearn has not: each is skipped with a warning
  naming it, and the rest of the file imports;
- a file with only ``$CATEGORY`` lines is valid (it has no questions).

The text rules (escapes, format tags, answers, errors) are in ``elearn.quizzes.gift_text``.
"""

from __future__ import annotations

import bisect
import re

from elearn.problems import Problem
from elearn.quizzes.gift_text import (
    FORMATS,
    Description,
    EssaySkipped,
    GiftError,
    find,
    format_tag,
    parse_number_text,
    shown,
    split_answers,
    split_feedback,
    split_weight,
    unescape,
    unescape_markdown,
)
from elearn.quizzes.markup import render
from elearn.quizzes.spec import QuestionSpec


class _Block:
    """One question's lines joined, with a map from character offsets back to file lines."""

    def __init__(self, lines: list[tuple[int, str]]):
        self.starts = []
        self.numbers = []
        parts = []
        position = 0
        for number, line in lines:
            self.starts.append(position)
            self.numbers.append(number)
            parts.append(line)
            position += len(line) + 1
        self.text = "\n".join(parts)

    def line(self, offset: int) -> int:
        return self.numbers[max(0, bisect.bisect_right(self.starts, offset) - 1)]


def parse_gift(source: str, rel_file: str, warnings: list[Problem] | None = None,
               ) -> tuple[list[QuestionSpec], list[Problem], list[str]]:
    """Question specs, problems and the categories seen, from GIFT ``source``. Things skipped
    on purpose (essays, a trailing description) are appended to ``warnings`` when given."""
    warnings = warnings if warnings is not None else []
    intro: list[str] = []
    specs: list[QuestionSpec] = []
    problems: list[Problem] = []
    categories: list[str] = []
    category = ""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, raw_line in enumerate(source.lstrip("\ufeff").splitlines(), 1):
        line = raw_line.strip()
        if not line:
            if current:
                blocks.append(current)
                current = []
            continue
        if line.startswith("//"):
            continue
        current.append((number, line))
    if current:
        blocks.append(current)

    essays: list[int] = []
    described: list[int] = []
    for lines in blocks:
        if lines[0][1].startswith("$CATEGORY:"):
            category = lines[0][1][len("$CATEGORY:"):].strip()
            categories.append(category)
            lines = lines[1:]
            if not lines:
                continue
        block = _Block(lines)
        try:
            spec = parse_question(block.text)
        except EssaySkipped as essay:
            warnings.append(Problem(rel_file, block.numbers[0], str(essay)))
            essays.append(block.numbers[0])
            continue
        except Description as item:
            intro.append(render(item.text or item.title, item.fmt))
            described.append(block.numbers[0])
            continue
        except GiftError as error:
            problems.append(Problem(rel_file, block.line(error.offset), str(error)))
            continue
        spec.line = block.numbers[0]
        spec.category = category
        spec.intro_html, intro = "".join(intro), []
        specs.append(spec)
    if not specs and not problems and not categories:
        problems.append(_nothing_to_import(rel_file, essays, described))
    elif intro:
        warnings.append(Problem(rel_file, blocks[-1][0][0] if blocks else 0,
                                "a description at the end of the file has no question after it: "
                                "not imported"))
    return specs, problems, categories


def _lines(numbers: list[int]) -> str:
    shown_numbers = ", ".join(map(str, numbers[:10])) + (", ..." if len(numbers) > 10 else "")
    return f"line {shown_numbers}" if len(numbers) == 1 else f"lines {shown_numbers}"


def _nothing_to_import(rel_file: str, essays: list[int], described: list[int]) -> Problem:
    """The problem of a file without a question elearn can import (a file of ``$CATEGORY``
    lines only is valid: Moodle imports the categories), saying what it has instead."""
    if not essays and not described:
        return Problem(rel_file, 1, "the GIFT file has no questions")
    found = []
    if essays:
        found.append(f"essays ({_lines(essays)}): they need grading by hand, which elearn "
                     "does not offer")
    if described:
        found.append(f"descriptions ({_lines(described)}), text without an answer block")
    return Problem(rel_file, min(essays + described), "the GIFT file has no question elearn "
                   "can import: it has only " + " and ".join(found))


def parse_question(text: str) -> QuestionSpec:
    position = 0
    title = ""
    if text.startswith("::"):
        end = find(text, "::", 2)
        if end < 0:
            raise GiftError("the ::title:: is not closed", 0)
        title = unescape(text[2:end]).strip()
        position = end + 2
    fmt = "markdown"
    rest = text[position:].lstrip()
    position = len(text) - len(rest)
    match = re.match(r"\[(\w+)\]", rest)
    if match:
        name = match.group(1).lower()
        if name not in FORMATS:
            raise GiftError(f"unknown text format [{match.group(1)}] "
                            "(use [markdown], [html] or [plain])", position)
        fmt = FORMATS[name]
        position += match.end()

    open_at = find(text, "{", position)
    if open_at < 0:
        body = text[position:].strip()
        raise Description(title, unescape_markdown(body) if fmt == "markdown" else unescape(body),
                          fmt)
    close_at = find(text, "}", open_at + 1)
    if close_at < 0:
        raise GiftError("the answer block { is not closed with }", open_at)
    nested = find(text, "{", open_at + 1)
    if 0 <= nested < close_at:
        raise GiftError("a { inside an answer block must be escaped as \\{", nested)
    if find(text, "{", close_at + 1) >= 0:
        raise GiftError("a question can have only one answer block (escape a literal { as \\{)",
                        find(text, "{", close_at + 1))
    before = text[position:open_at].strip()
    after = text[close_at + 1:].strip()
    plain = unescape_markdown if fmt == "markdown" else unescape
    question_text = plain(before)
    if after:
        question_text = f"{question_text} _____ {plain(after)}".strip()
    spec = QuestionSpec(kind="", text=question_text, line=0, fmt=fmt, title=title)
    try:
        parse_block(spec, text[open_at + 1:close_at], open_at + 1)
    except EssaySkipped:
        name = f"::{title}::" if title else repr(question_text[:40])
        raise EssaySkipped(f"essay question {name} skipped: essays need grading by hand, which "
                           "elearn does not offer; the other questions are imported") from None
    if not spec.text.strip():
        spec.text = title
    return spec


def parse_block(spec: QuestionSpec, block: str, base: int) -> None:
    general_at = find(block, "####")
    if general_at >= 0:
        general_fmt, general = shown(block[general_at + 4:], spec.fmt)
        spec.feedback = general
        if general_fmt and general_fmt != spec.fmt:
            spec.feedback_fmt = general_fmt
        block = block[:general_at]
    body = block.strip()
    lead = len(block) - len(block.lstrip())
    if not body:
        raise EssaySkipped("essay", base)
    if body.startswith("#"):
        parse_numeric(spec, body[1:], base + lead + 1)
    elif find(body, "->") >= 0 and find(body, "~") < 0:
        parse_matching(spec, body, base + lead)
    elif find(body, "~") >= 0:
        parse_choices(spec, body, base + lead)
    else:
        head = body[: find(body, "#")] if find(body, "#") >= 0 else body
        if head.strip().upper() in ("T", "TRUE", "F", "FALSE"):
            parse_truefalse(spec, body, base + lead)
        elif find(body, "=") >= 0:
            parse_short(spec, body, base + lead)
        else:
            # a bare {answer}: Moodle reads it as a short answer with one accepted answer
            parse_short(spec, "=" + body, base + lead - 1)


def parse_truefalse(spec: QuestionSpec, body: str, base: int) -> None:
    parts = []
    start = 0
    while True:
        at = find(body, "#", start)
        if at < 0:
            parts.append(body[start:])
            break
        parts.append(body[start:at])
        start = at + 1
    if len(parts) > 3:
        raise GiftError("a true/false answer takes at most two feedbacks (#if wrong#if right)", base)
    answer = parts[0].strip().upper() in ("T", "TRUE")
    wrong_fmt, wrong = shown(parts[1] if len(parts) > 1 else "", spec.fmt)
    right_fmt, right = shown(parts[2] if len(parts) > 2 else "", spec.fmt)
    spec.kind = "truefalse"
    spec.spec = {
        "answer": answer,
        "feedback_true": right if answer else wrong,
        "feedback_false": wrong if answer else right,
        "feedback_true_fmt": right_fmt if answer else wrong_fmt,
        "feedback_false_fmt": wrong_fmt if answer else right_fmt,
    }


def parse_choices(spec: QuestionSpec, body: str, base: int) -> None:
    answers = split_answers(body, base)
    single = any(marker == "=" for marker, _rest, _offset in answers)
    choices = []
    for marker, rest, offset in answers:
        weight, rest = split_weight(rest, offset)
        text, feedback = split_feedback(rest)
        text_fmt, text = shown(text, spec.fmt)
        feedback_fmt, feedback = shown(feedback, spec.fmt)
        if not text:
            raise GiftError("an answer has no text", offset)
        if weight is None:
            weight = 100.0 if marker == "=" else 0.0
        choices.append({"text": text, "credit": weight, "feedback": feedback, "fmt": text_fmt,
                        "feedback_fmt": feedback_fmt})
    spec.kind = "single" if single else "multiple"
    spec.spec = {"choices": choices}


def parse_short(spec: QuestionSpec, body: str, base: int) -> None:
    answers = []
    for marker, rest, offset in split_answers(body, base):
        weight, rest = split_weight(rest, offset)
        text, feedback = split_feedback(rest)
        _text_fmt, text = format_tag(unescape(text))  # an accepted answer is compared as typed
        feedback_fmt, feedback = shown(feedback, spec.fmt)
        if not text:
            raise GiftError("an accepted answer is empty", offset)
        answers.append({"text": text, "credit": 100.0 if weight is None else weight,
                        "feedback": feedback, "feedback_fmt": feedback_fmt})
    spec.kind = "short"
    spec.spec = {"answers": answers}


def parse_matching(spec: QuestionSpec, body: str, base: int) -> None:
    """``=item -> option`` pairs; ``= -> option`` is an extra option (a distractor)."""
    pairs = []
    for marker, rest, offset in split_answers(body, base):
        if marker != "=":
            raise GiftError("matching pairs start with = (item -> option)", offset)
        arrow = find(rest, "->")
        if arrow < 0:
            raise GiftError("a matching pair needs -> between the item and its option", offset)
        text_fmt, text = shown(rest[:arrow], spec.fmt)
        pairs.append({"text": text, "fmt": text_fmt, "match": unescape(rest[arrow + 2:]).strip()})
    spec.kind = "matching"
    spec.spec = {"pairs": pairs}


def parse_numeric(spec: QuestionSpec, body: str, base: int) -> None:
    spec.kind = "numeric"
    stripped = body.strip()
    lead = len(body) - len(body.lstrip())
    if not stripped.startswith(("=", "~")) and (find(stripped, "~") >= 0 or find(stripped, "=") >= 0):
        # {#3:2~#feedback}: a first answer without its "=", then others
        stripped, lead = "=" + stripped, lead - 1
    if stripped.startswith(("=", "~")):
        answers = []
        other_feedback = other_fmt = None
        for marker, rest, offset in split_answers(stripped, base + lead):
            weight, rest = split_weight(rest, offset)
            value, feedback = split_feedback(rest)
            feedback_fmt, feedback = shown(feedback, spec.fmt)
            if marker == "~" and not value:
                # Moodle's "any other answer": only feedback, no credit
                other_feedback, other_fmt = feedback, feedback_fmt
                continue
            credit_entry = parse_number_text(value, offset)
            if weight is None:
                weight = 100.0 if marker == "=" else 0.0
            credit_entry.update(credit=weight, feedback=feedback, feedback_fmt=feedback_fmt)
            answers.append(credit_entry)
        spec.spec = {"answers": answers}
        if other_feedback:
            spec.spec.update(other_feedback=other_feedback, other_feedback_fmt=other_fmt)
        return
    value, feedback = split_feedback(stripped)
    entry = parse_number_text(value, base + lead)
    feedback_fmt, feedback = shown(feedback, spec.fmt)
    entry.update(credit=100.0, feedback=feedback, feedback_fmt=feedback_fmt)
    spec.spec = {"answers": [entry]}
