"""Read one quiz of a course: its course.yaml entry plus its YAML or GIFT file."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from elearn.problems import Problem, nul_problem
from elearn.quizzes.gift import parse_gift
from elearn.quizzes.native import parse_native
from elearn.quizzes.spec import (
    SETTING_DEFAULTS,
    ParsedQuiz,
    assign_keys,
    build_question,
    validate_settings,
)
from elearn.quizzes.translations import SOURCE_HASH_KEY, load_translations

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,99}$")
#: how problems of the course.yaml entry (not of the quiz file) begin
ENTRY_LABEL = "quiz entry"
ENTRY_KEYS = {"slug", "title", "file", "after"} | set(SETTING_DEFAULTS)


def entry_hash(entry: dict, source: bytes) -> str:
    """Hash of everything an import of this quiz depends on."""
    clean = {k: v for k, v in entry.items() if not str(k).startswith("__")}
    payload = json.dumps(clean, sort_keys=True, default=str).encode() + b"\0" + source
    return hashlib.sha256(payload).hexdigest()


def load_quiz(course_dir: Path, entry: dict, rel_file: str) -> tuple[ParsedQuiz | None, list[Problem]]:
    """The parsed quiz, or None with every problem found (``file:line: message``)."""
    problems: list[Problem] = []
    if not isinstance(entry, dict):
        return None, [Problem(rel_file, 0, "a quiz entry must be a mapping")]
    entry_line = int(entry.get("__line__", 0) or 0)
    slug = entry.get("slug")
    label = f"{ENTRY_LABEL} {slug!r}: " if slug else f"{ENTRY_LABEL}: "
    if not isinstance(slug, str) or not SLUG.match(slug):
        problems.append(Problem(rel_file, entry_line, f"{label}slug must be lowercase letters, digits "
                                f"and hyphens, got {slug!r}"))
    unknown = sorted(str(k) for k in entry if str(k) not in ENTRY_KEYS and not str(k).startswith("__"))
    if unknown:
        problems.append(Problem(rel_file, entry_line, f"{label}unknown key(s): {', '.join(unknown)}"))
    read = _read_quiz_file(course_dir, entry, rel_file, entry_line, problems)
    if read is None:
        return None, problems
    file_name, suffix, source = read

    warnings: list[Problem] = []
    if suffix in (".yaml", ".yml"):
        file_settings, specs, found = parse_native(source, rel_file)
        categories: list[str] = []
        source_format = "yaml"
    else:
        specs, found, categories = parse_gift(source, rel_file, warnings)
        file_settings = {}
        source_format = "gift"
    problems.extend(found)
    settings = dict(SETTING_DEFAULTS)
    settings.update(validate_settings(file_settings, rel_file, getattr(file_settings, "line", 1) or 1,
                                      problems))
    settings.update(validate_settings(entry, rel_file, entry_line, problems, where=label))
    title = entry.get("title") or file_settings.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.append(Problem(rel_file, entry_line, f"{label}needs a title"))
        title = ""
    questions, built_specs = _build_questions(specs, rel_file, problems)
    if settings["draw"] > len(questions) and not problems:
        problems.append(Problem(rel_file, 0, f"draw is {settings['draw']} but the quiz has only "
                                f"{len(questions)} questions"))
    if problems:
        return None, problems
    assign_keys(questions, built_specs)
    translations = {}
    if source_format == "yaml":
        translations, problems = load_translations(
            course_dir, file_name, rel_file, source, questions, _parse_translation)
        if problems:
            return None, problems
    if not questions:
        warnings.append(Problem(rel_file, 1, "the quiz has no questions yet (only categories): "
                                "learners cannot take it and it does not count toward completion "
                                "until questions are added"))
    return ParsedQuiz(title=title.strip()[:300], settings=settings, questions=questions,
                      source_format=source_format, categories=categories, warnings=warnings,
                      translations=translations), []


def _read_quiz_file(course_dir: Path, entry: dict, rel_file: str, entry_line: int,
                    problems: list[Problem]) -> tuple[str, str, str] | None:
    """(file name, suffix, text) of the entry's quiz file, or None when it cannot be read (why
    is appended to ``problems``)."""
    file_name = entry.get("file")
    if not isinstance(file_name, str) or not file_name.startswith("quizzes/"):
        problems.append(Problem(rel_file, entry_line, "the quiz file must be under quizzes/ of the course"))
        return None
    path = (course_dir / file_name).resolve()
    if course_dir.resolve() / "quizzes" not in path.parents:
        problems.append(Problem(rel_file, entry_line, "the quiz file must stay inside quizzes/ of the course"))
        return None
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".gift", ".txt"):
        problems.append(Problem(rel_file, 0, "a quiz file ends in .yaml, .yml or .gift"))
        return None
    if not path.is_file():
        problems.append(Problem(rel_file, 0, "the quiz file does not exist"))
        return None
    try:
        source = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(rel_file, 0, "the quiz file is not UTF-8 text"))
        return None
    nul = nul_problem(source, rel_file)
    if nul is not None:
        problems.append(nul)
        return None
    return file_name, suffix, source


def _build_questions(specs, rel_file: str, problems: list[Problem]) -> tuple[list, list]:
    """The built questions and their specs (a spec that does not build adds its problems); a
    question id used twice is a problem."""
    questions = []
    built_specs = []
    for spec in specs:
        question = build_question(spec, rel_file, problems)
        if question is not None:
            questions.append(question)
            built_specs.append(spec)
    explicit = {}
    for spec in built_specs:
        if spec.key:
            if spec.key in explicit:
                problems.append(Problem(rel_file, spec.line, f"question id {spec.key!r} is used twice "
                                        f"(first on line {explicit[spec.key]})"))
            explicit.setdefault(spec.key, spec.line)
    return questions, built_specs


def _parse_translation(text: str, display: str):
    """(settings, built questions, problems) of a YAML quiz translation."""
    settings, specs, problems = parse_native(text, display, frozenset({SOURCE_HASH_KEY}))
    questions = [q for q in (build_question(spec, display, problems) for spec in specs)
                 if q is not None]
    return settings, questions, problems


def translation_bytes(parsed: ParsedQuiz) -> bytes:
    """The language versions' files, for the import hash."""
    return b"".join(f"\0{code}\0".encode() + t.raw
                    for code, t in sorted(parsed.translations.items()))
