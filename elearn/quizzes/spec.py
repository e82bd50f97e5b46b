"""The neutral form of a quiz read from a file, before it reaches the database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from elearn.problems import Problem
from elearn.quizzes.markup import render
from elearn.quizzes.question_base import SpecError
from elearn.quizzes.types import REGISTRY

SETTING_DEFAULTS = {
    "pass_mark": 70,
    "max_attempts": 0,
    "score": "highest",
    "shuffle_questions": False,
    "shuffle_choices": False,
    "time_limit_minutes": 0,
    "review": "correct_once_passed",
    "draw": 0,
}
SETTING_CHOICES = {
    "score": ("highest", "last"),
    "review": ("score_only", "correct_answers", "correct_once_passed"),
}


@dataclass
class QuestionSpec:
    """One question as a reader found it: source text and a kind-specific spec."""

    kind: str
    text: str
    line: int
    fmt: str = "markdown"
    title: str = ""
    key: str = ""  # explicit stable id (YAML ``id``), else derived from title or text
    points: float = 1.0
    feedback: str = ""
    spec: dict = field(default_factory=dict)
    category: str = ""
    #: the general feedback's own format, when a per-text tag gave it one
    feedback_fmt: str = ""
    #: sanitised HTML shown before the question (GIFT description items)
    intro_html: str = ""


@dataclass
class ParsedQuestion:
    key: str
    kind: str
    title: str
    text_html: str
    feedback_html: str
    points: float
    data: dict
    line: int
    category: str = ""

    @property
    def content_hash(self) -> str:
        payload = json.dumps(
            [self.kind, self.title, self.text_html, self.feedback_html, self.points, self.data],
            sort_keys=True, ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass
class ParsedQuiz:
    title: str
    settings: dict
    questions: list[ParsedQuestion]
    source_format: str
    categories: list[str] = field(default_factory=list)
    #: things skipped on purpose (GIFT essays), as ``file:line: message``; they do not block
    warnings: list[Problem] = field(default_factory=list)
    #: language versions (elearn.quizzes.translations.QuizTranslation) by language code
    translations: dict = field(default_factory=dict)


def build_question(spec: QuestionSpec, rel_file: str, problems: list[Problem]) -> ParsedQuestion | None:
    """Render and validate one question spec; append a problem and return None when it is bad."""
    qtype = REGISTRY.get(spec.kind)
    if qtype is None:
        problems.append(Problem(rel_file, spec.line, f"unknown question type {spec.kind!r}"))
        return None
    if not spec.text.strip():
        problems.append(Problem(rel_file, spec.line, "the question has no text"))
        return None
    try:
        points = float(spec.points)
    except (TypeError, ValueError):
        points = -1
    if isinstance(spec.points, bool) or not points > 0 or points > 1000:
        problems.append(Problem(rel_file, spec.line, f"points must be a number above 0, got {spec.points!r}"))
        return None
    try:
        data = qtype.parse(spec.spec, spec.fmt)
    except SpecError as error:
        problems.append(Problem(rel_file, spec.line, str(error)))
        return None
    return ParsedQuestion(
        key=spec.key, kind=spec.kind, title=spec.title[:300],
        text_html=spec.intro_html + render(spec.text, spec.fmt),
        feedback_html=render(spec.feedback, spec.feedback_fmt or spec.fmt),
        points=points, data=data, line=spec.line, category=spec.category[:300],
    )


def assign_keys(questions: list[ParsedQuestion], specs: list[QuestionSpec]) -> None:
    """Give every question a stable key: its explicit id, else its title, else a hash of its text.

    Keys let a re-import match questions to the rows learners' attempts refer to.
    """
    seen: dict[str, int] = {}
    for question, spec in zip(questions, specs):
        base = spec.key or (f"title:{spec.title}" if spec.title else "")
        if not base:
            base = "text:" + hashlib.sha256(f"{spec.kind}\n{spec.text.strip()}".encode()).hexdigest()[:16]
        base = base[:90]
        seen[base] = seen.get(base, 0) + 1
        question.key = base if seen[base] == 1 else f"{base}#{seen[base]}"


def validate_settings(raw: dict, rel_file: str, line: int, problems: list[Problem], where: str = "") -> dict:
    """Quiz settings from a file or a course.yaml entry, checked; only the keys present."""
    out: dict = {}
    for key, value in raw.items():
        if key not in SETTING_DEFAULTS:
            continue
        label = f"{where}{key}"
        if key in SETTING_CHOICES:
            if value not in SETTING_CHOICES[key]:
                problems.append(Problem(rel_file, line, f"{label} must be one of "
                                        f"{', '.join(SETTING_CHOICES[key])}, got {value!r}"))
                continue
        elif key.startswith("shuffle_"):
            if not isinstance(value, bool):
                problems.append(Problem(rel_file, line, f"{label} must be true or false, got {value!r}"))
                continue
        else:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                problems.append(Problem(rel_file, line, f"{label} must be a whole number 0 or above, got {value!r}"))
                continue
            if key == "pass_mark" and value > 100:
                problems.append(Problem(rel_file, line, f"{label} is a percentage (0 to 100), got {value!r}"))
                continue
        out[key] = value
    return out
