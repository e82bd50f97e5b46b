"""The native YAML quiz format (documented in courses/README.md), read with line numbers."""

from __future__ import annotations

import yaml

from elearn.problems import Problem
from elearn.quizzes.spec import QuestionSpec

QUESTION_KEYS = {
    "type", "id", "title", "text", "format", "points", "feedback", "choices", "answer",
    "tolerance", "min", "max", "answers", "feedback_true", "feedback_false", "pairs",
    "distractors",
}
KINDS = "single, multiple, truefalse, short, numeric or matching"
QUIZ_KEYS = {
    "title", "pass_mark", "max_attempts", "score", "shuffle_questions", "shuffle_choices",
    "time_limit_minutes", "review", "draw", "questions",
}


class LineDict(dict):
    """A mapping that remembers the (1-based) line it started on."""

    line = 0


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    pairs = []
    for key, value in loader.construct_pairs(node):
        try:
            hash(key)
        except TypeError:  # a list or mapping as a key: kept as text, reported as unknown
            key = str(key)
        pairs.append((key, value))
    mapping = LineDict(pairs)
    mapping.line = node.start_mark.line + 1
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(source: str, rel_file: str, problems: list[Problem]):
    try:
        return yaml.load(source, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        problems.append(Problem(rel_file, line, f"YAML error: {getattr(error, 'problem', error)}"))
        return None
    except RecursionError:
        problems.append(Problem(rel_file, 0, "YAML error: nested too deeply"))
        return None


def _line(item, default: int) -> int:
    return getattr(item, "line", 0) or default


def _items(value, line: int, what: str, rel_file: str, problems: list[Problem]) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.append(Problem(rel_file, line, f"{what} must be a list"))
        return []
    return value


def question_spec(item, rel_file: str, problems: list[Problem], default_line: int) -> QuestionSpec | None:
    line = _line(item, default_line)
    if not isinstance(item, dict):
        problems.append(Problem(rel_file, line, "each question must be a mapping (type:, text:, ...)"))
        return None
    unknown = sorted(set(map(str, item)) - QUESTION_KEYS)
    if unknown:
        problems.append(Problem(rel_file, line, f"unknown question key(s): {', '.join(unknown)}"))
        return None
    kind = item.get("type")
    fmt = item.get("format", "markdown")
    if fmt not in ("markdown", "html", "plain"):
        problems.append(Problem(rel_file, line, f"format must be markdown, html or plain, got {fmt!r}"))
        return None
    spec = QuestionSpec(
        kind=str(kind or ""), text=str(item.get("text") or ""), line=line, fmt=fmt,
        title=str(item.get("title") or ""), key=str(item.get("id") or ""),
        points=item.get("points", 1), feedback=str(item.get("feedback") or ""),
    )
    if kind is None:
        problems.append(Problem(rel_file, line, f"the question has no type ({KINDS})"))
        return None
    if kind in ("single", "multiple"):
        choices = _choices(item, kind, line, rel_file, problems)
        if choices is None:
            return None
        spec.spec = {"choices": choices}
    elif kind == "truefalse":
        spec.spec = {"answer": item.get("answer"), "feedback_true": item.get("feedback_true") or "",
                     "feedback_false": item.get("feedback_false") or ""}
    elif kind == "short":
        answers = _short_answers(item, line, rel_file, problems)
        if answers is None:
            return None
        spec.spec = {"answers": answers}
    elif kind == "numeric":
        if item.get("answers") is not None:
            answers = []
            for answer in _items(item.get("answers"), line, "answers", rel_file, problems):
                if not isinstance(answer, dict):
                    problems.append(Problem(rel_file, line, "each numeric answer must be a mapping "
                                            "(value:, tolerance:, credit:)"))
                    return None
                answers.append(dict(answer))
        elif item.get("min") is not None or item.get("max") is not None:
            answers = [{"min": item.get("min"), "max": item.get("max"), "credit": 100}]
        elif item.get("answer") is not None:
            answers = [{"value": item.get("answer"), "tolerance": item.get("tolerance", 0), "credit": 100}]
        else:
            answers = []
        spec.spec = {"answers": answers}
    elif kind == "matching":
        pairs = _matching_pairs(item, line, rel_file, problems)
        if pairs is None:
            return None
        spec.spec = {"pairs": pairs}
    return spec


def _choices(item, kind: str, line: int, rel_file: str, problems: list[Problem]) -> list | None:
    """The choices of a single or multiple choice question, with their credits; None (with the
    problem) for a choice that is not text or a mapping of known keys."""
    choices = []
    raw = _items(item.get("choices"), line, "choices", rel_file, problems)
    flagged = [c for c in raw if isinstance(c, dict) and c.get("correct") is True]
    for choice in raw:
        if isinstance(choice, str):
            choice = {"text": choice}
        if not isinstance(choice, dict):
            problems.append(Problem(rel_file, line, "each choice must be a mapping (text:, ...)"))
            return None
        extra = sorted(set(map(str, choice)) - {"text", "correct", "weight", "feedback"})
        if extra:
            problems.append(Problem(rel_file, _line(choice, line),
                                    f"unknown choice key(s): {', '.join(extra)}"))
            return None
        if "weight" in choice:
            credit = choice["weight"]
        elif kind == "single":
            credit = 100 if choice.get("correct") is True else 0
        else:
            # multiple without weights: the correct choices share 100%, each wrong one
            # takes away as much as one correct one gives
            share = 100 / len(flagged) if flagged else 0
            credit = share if choice.get("correct") is True else -share
        choices.append({"text": choice.get("text", ""), "credit": credit,
                        "feedback": choice.get("feedback") or ""})
    return choices


def _short_answers(item, line: int, rel_file: str, problems: list[Problem]) -> list | None:
    """The accepted answers of a short-answer question; None (with the problem) for one that is
    neither text nor a mapping."""
    answers = []
    for answer in _items(item.get("answers"), line, "answers", rel_file, problems):
        if isinstance(answer, (str, int, float)) and not isinstance(answer, bool):
            answer = {"text": str(answer)}
        if not isinstance(answer, dict):
            problems.append(Problem(rel_file, line, "each answer must be text or a mapping (text:, credit:)"))
            return None
        answers.append({"text": str(answer.get("text", "")), "credit": answer.get("credit", 100),
                        "feedback": answer.get("feedback") or ""})
    return answers


def _text(value) -> str | None:
    """A scalar as text (YAML reads ``2020`` as a number, ``yes`` as true); None otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return " ".join(str(value).split())
    return None


def _matching_pairs(item: dict, line: int, rel_file: str, problems: list[Problem]
                    ) -> list[dict] | None:
    """``pairs:`` (a list of ``{item: ..., match: ...}``) and ``distractors:`` (more options,
    matched by no item) in the spec GIFT matching gives (``{text, match}``, distractors with
    no text). Every problem names its pair's line."""
    raw = item.get("pairs")
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(rel_file, line, "a matching question needs pairs: a list of "
                                "mappings with item: and match:"))
        return None
    pairs, items, matches = [], set(), set()
    for number, pair in enumerate(raw, 1):
        where = _line(pair, line)
        if not isinstance(pair, dict):
            problems.append(Problem(rel_file, where, f"pair {number} must be a mapping "
                                    "(item:, match:)"))
            return None
        extra = sorted(set(map(str, pair)) - {"item", "match"})
        if extra:
            problems.append(Problem(rel_file, where, f"unknown key(s) in pair {number}: "
                                    f"{', '.join(extra)} (a pair has item: and match:)"))
            return None
        text, match = _text(pair.get("item")), _text(pair.get("match"))
        if not text:
            problems.append(Problem(rel_file, where, f"pair {number} has no item: text"))
            return None
        if not match:
            problems.append(Problem(rel_file, where, f"pair {number} has no match: text"))
            return None
        if text.casefold() in items:
            problems.append(Problem(rel_file, where, f"pair {number}: the item {text!r} is "
                                    "listed twice"))
            return None
        items.add(text.casefold())
        matches.add(match)
        pairs.append({"text": text, "match": match})
    distractors = item.get("distractors")
    if distractors is None:
        distractors = []
    if not isinstance(distractors, list):
        problems.append(Problem(rel_file, line, "distractors must be a list of texts"))
        return None
    for number, distractor in enumerate(distractors, 1):
        text = _text(distractor)
        if not text:
            problems.append(Problem(rel_file, line, f"distractor {number} must be a text"))
            return None
        if text in matches:
            problems.append(Problem(rel_file, line, f"distractor {number} ({text!r}) is the "
                                    "match of an item: a distractor matches no item"))
            return None
        pairs.append({"text": "", "match": text})
    return pairs


def parse_native(source: str, rel_file: str, extra_keys: frozenset = frozenset()
                 ) -> tuple[dict, list[QuestionSpec], list[Problem]]:
    """(quiz settings with title, question specs, problems) from a native YAML quiz file;
    ``extra_keys``: more top-level keys allowed (a translation's ``source-hash``)."""
    problems: list[Problem] = []
    document = load_yaml(source, rel_file, problems)
    if document is None:
        if not problems:
            problems.append(Problem(rel_file, 1, "the quiz file is empty"))
        return {}, [], problems
    if not isinstance(document, dict):
        problems.append(Problem(rel_file, 1, "a quiz file is a mapping (title:, questions:, ...)"))
        return {}, [], problems
    unknown = sorted(set(map(str, document)) - QUIZ_KEYS - extra_keys)
    if unknown:
        problems.append(Problem(rel_file, _line(document, 1), f"unknown quiz key(s): {', '.join(unknown)}"))
    raw_questions = document.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        problems.append(Problem(rel_file, _line(document, 1), "the quiz has no questions"))
        raw_questions = []
    specs = []
    for item in raw_questions:
        spec = question_spec(item, rel_file, problems, _line(document, 1))
        if spec is not None:
            specs.append(spec)
    settings = {key: value for key, value in document.items() if key not in ("questions",)}
    return settings, specs, problems
