"""Language versions of a quiz: display overrides of the source quiz's questions.

A translation of ``quizzes/final-assessment.yaml`` into French is
``quizzes/final-assessment.fr.yaml`` beside it: the same structure as the source (same
questions in the same order, same types, points, correct flags, credits and numbers), with
the title, question text, choice text and feedback translated, and one more top-level key::

    source-hash: 3f5a9c0e1b2d4f67

the first 16 hex digits of the sha256 of the source quiz file (``source_hash`` of
elearn.courses.translations, as for modules). Settings (pass mark, attempts...) always come
from the source; a translation may repeat them.

Grading always uses the source question's data. The one exception is short answers: the
accepted answers of every language version are accepted too, with the credit of the source
answer at the same position, so the same answer scores the same in every language.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from elearn.config import LANGUAGES
from elearn.courses.models import source_hash
from elearn.problems import Problem

SOURCE_HASH_KEY = "source-hash"


@dataclass
class QuizTranslation:
    language: str
    file: str  # as shown in problems
    title: str
    #: the source hash the translation declares ("" when missing)
    source_hash: str
    #: the source's current hash
    current_hash: str
    #: per source question (same order): {"text_html", "feedback_html", "data"}
    questions: list[dict] = field(default_factory=list)
    #: the translation file's bytes (part of the import hash)
    raw: bytes = b""

    @property
    def outdated(self) -> bool:
        return self.source_hash != self.current_hash


def translation_file(quiz_file: str, language: str) -> str:
    path = PurePosixPath(quiz_file)
    return str(path.with_name(f"{path.stem}.{language}{path.suffix}"))


def _strip_feedback(data) -> object:
    """``data`` without its display texts, to compare what grades."""
    if isinstance(data, dict):
        return {k: _strip_feedback(v) for k, v in data.items()
                if not (k.endswith("html") or k.startswith("feedback") or k in ("text", "options"))}
    if isinstance(data, list):
        return [_strip_feedback(v) for v in data]
    return data


def _mismatch(kind: str, source: dict, translated: dict) -> str | None:
    if kind in ("single", "multiple"):
        if len(source["choices"]) != len(translated["choices"]):
            return (f"has {len(translated['choices'])} choices, the source has "
                    f"{len(source['choices'])}")
        for number, (a, b) in enumerate(zip(source["choices"], translated["choices"]), 1):
            if a["credit"] != b["credit"]:
                return f"choice {number} is not marked as in the source (correct flag or weight)"
        return None
    if kind == "short":
        if [a["credit"] for a in source["answers"]] != [a["credit"] for a in translated["answers"]]:
            return "its accepted answers do not match the source's (number and credits)"
        return None
    if kind == "matching":
        if (len(source["items"]), len(source["options"])) != (
                len(translated["items"]), len(translated["options"])):
            return (f"has {len(translated['items'])} pairs and {len(translated['options'])} "
                    f"options, the source has {len(source['items'])} and "
                    f"{len(source['options'])}")
        if _option_map(source, translated) is None:
            return "pairs items with options otherwise than the source (an option shared)"
        return None
    if _strip_feedback(source) != _strip_feedback(translated):
        return "its answer differs from the source's"
    return None


def _option_map(source: dict, translated: dict) -> dict[int, int] | None:
    """Source option index -> translated option index, from the pairs in order (item n of the
    translation is item n of the source); the options no item matches (distractors) in their
    sorted order, which is enough: no distractor is right. None when items share options
    differently in the two languages."""
    mapping: dict[int, int] = {}
    for mine, theirs in zip(source["items"], translated["items"]):
        if mapping.setdefault(mine["option"], theirs["option"]) != theirs["option"]:
            return None
    if len(set(mapping.values())) != len(mapping):
        return None
    spare = [i for i in range(len(translated["options"])) if i not in mapping.values()]
    for index in range(len(source["options"])):
        if index not in mapping:
            mapping[index] = spare.pop(0)
    return mapping


def _overlay(kind: str, source: dict, translated: dict) -> dict:
    """The source data with the translation's display texts (credits stay the source's)."""
    data = copy.deepcopy(source)
    if kind in ("single", "multiple"):
        for mine, theirs in zip(data["choices"], translated["choices"]):
            mine["html"], mine["feedback_html"] = theirs["html"], theirs["feedback_html"]
    elif kind == "truefalse":
        data["feedback_true"] = translated["feedback_true"]
        data["feedback_false"] = translated["feedback_false"]
    elif kind in ("short", "numeric"):
        for mine, theirs in zip(data["answers"], translated["answers"]):
            mine["feedback_html"] = theirs["feedback_html"]
            if kind == "short":
                mine["text"] = theirs["text"]
        if "other_feedback_html" in translated:
            data["other_feedback_html"] = translated["other_feedback_html"]
    elif kind == "matching":
        # items by position, options through the pairs: grading keeps the source's indexes
        mapping = _option_map(source, translated)
        for mine, theirs in zip(data["items"], translated["items"]):
            mine["html"] = theirs["html"]
        data["options"] = [translated["options"][mapping[index]]
                           for index in range(len(source["options"]))]
    return data


def load_translations(course_dir: Path, quiz_file: str, display_file: str, source_text: str,
                      questions, parse) -> tuple[dict[str, QuizTranslation], list[Problem]]:
    """The language versions beside ``quiz_file`` checked against the source's parsed
    ``questions``; ``parse(text, display) -> (settings, questions, problems)`` reads a file
    of the source's format."""
    found: dict[str, QuizTranslation] = {}
    problems: list[Problem] = []
    current = source_hash(source_text)
    for language in LANGUAGES:
        relative = translation_file(quiz_file, language)
        path = course_dir / relative
        if not path.is_file():
            continue
        display = translation_file(display_file, language)
        try:
            raw = path.read_bytes()
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append(Problem(display, 0, "the quiz translation is not UTF-8 text"))
            continue
        settings, translated, found_problems = parse(text, display)
        if found_problems:
            problems += found_problems
            continue
        line = getattr(settings, "line", 1) or 1
        if len(translated) != len(questions):
            problems.append(Problem(display, line, f"the translation has {len(translated)} "
                                    f"questions, the source has {len(questions)}"))
            continue
        overrides = []
        for number, (source, question) in enumerate(zip(questions, translated), 1):
            if source.kind != question.kind:
                problems.append(Problem(display, question.line, f"question {number} is "
                                        f"{question.kind}, the source's is {source.kind}"))
            elif source.points != question.points:
                problems.append(Problem(display, question.line, f"question {number} is worth "
                                        f"{question.points:g} points, the source's "
                                        f"{source.points:g}"))
            else:
                wrong = _mismatch(source.kind, source.data, question.data)
                if wrong:
                    problems.append(Problem(display, question.line,
                                            f"question {number} {wrong}"))
                else:
                    overrides.append({"text_html": question.text_html,
                                      "feedback_html": question.feedback_html,
                                      "data": _overlay(source.kind, source.data, question.data)})
        if len(overrides) != len(questions):
            continue
        found[language] = QuizTranslation(
            language=language, file=display, title=str(settings.get("title") or "").strip()[:300],
            source_hash=str(settings.get(SOURCE_HASH_KEY) or "").strip(), current_hash=current,
            questions=overrides, raw=raw)
    return found, problems


def stale_notes(specs, load) -> list[str]:
    """``file:line: message`` for quiz translations without or with an old source-hash.
    ``load(spec, quiz_ref)`` returns the ParsedQuiz of a checked quiz."""
    notes = []
    for spec in specs:
        for ref in spec.quizzes:
            parsed = load(spec, ref)
            for translation in (parsed.translations.values() if parsed else ()):
                if not translation.source_hash:
                    notes.append(f"{translation.file}:1: quiz translation has no source-hash; "
                                 f"if it matches {ref.rel_file} as it is, add "
                                 f"source-hash: {translation.current_hash}")
                elif translation.outdated:
                    notes.append(f"{translation.file}:1: quiz translation out of date: "
                                 f"{ref.rel_file} changed since (source-hash "
                                 f"{translation.source_hash}, now {translation.current_hash})")
    return notes


# -- display and grading -------------------------------------------------------------------

def reader_version(question, language: str) -> dict | None:
    """The question's display texts in ``language`` ({"text_html", "feedback_html",
    "data"}), or None when it has none."""
    return (question.translations or {}).get(language)


def grading_data(question) -> dict:
    """The source data the question is graded on; short answers also accept the accepted
    answers of every language version (with the source answer's credit)."""
    data = question.data
    kind = getattr(question.kind, "value", question.kind)
    if kind != "short" or not question.translations:
        return data
    extra = [answer for version in question.translations.values()
             for answer in version["data"]["answers"]]
    return {**data, "answers": list(data["answers"]) + extra}


@dataclass
class QuizVersion:
    """What a reader sees of a quiz: in which language, and whether to say so."""

    language: str
    title: str
    #: the reader's language, when the quiz is not available in it (a notice says so)
    wanted: str | None = None
    outdated: bool = False

    def question(self, question) -> tuple[str, str, dict]:
        """(text_html, feedback_html, data for display) of one question in this version."""
        version = reader_version(question, self.language)
        if version is None:
            return question.text_html, question.feedback_html, question.data
        return version["text_html"], version["feedback_html"], version["data"]

    @staticmethod
    def feedback_data(question, data: dict) -> dict:
        """``data`` to find the translated feedback of an answer with: a short answer typed
        in the source's words gets the translated feedback of the source answer it matched."""
        kind = getattr(question.kind, "value", question.kind)
        if kind != "short":
            return data
        source = [{**answer, "feedback_html": mine["feedback_html"]}
                  for answer, mine in zip(question.data["answers"], data["answers"])]
        return {**data, "answers": list(data["answers"]) + source}


def quiz_version(quiz, course_language: str, reader: str) -> QuizVersion:
    """The quiz in the reader's language when it has that version, else in the course's."""
    found = (quiz.translations or {}).get(reader) if reader != course_language else None
    if found is not None:
        return QuizVersion(reader, found.get("title") or quiz.title,
                           outdated=bool(found.get("outdated")))
    return QuizVersion(course_language, quiz.title,
                       wanted=reader if reader != course_language else None)
