"""The ``quizzes:`` entries of course.yaml: keys, settings and the quiz files they name."""

from __future__ import annotations

from pathlib import Path

from elearn.courses.file_checker import Checker, display_path, inside_folder
from elearn.courses.specs import CourseSpec, QuizRef
from elearn.courses.yaml_lines import LineDict
from elearn.quizzes import importer as quiz_importer

QUIZ_EXTENSIONS = (".yaml", ".yml", ".gift")


QUIZ_SETTINGS = {
    "pass_mark": ("int", 0, 100),
    "max_attempts": ("int", 0, 1000),
    "time_limit_minutes": ("int", 0, 24 * 60),
    "draw": ("int", 0, 10000),
    "shuffle_questions": ("bool",),
    "shuffle_choices": ("bool",),
    "score": ("choice", ("highest", "last")),
    "review": ("choice", ("score_only", "correct_answers", "correct_once_passed")),
}


def load_quizzes(spec: CourseSpec, check: Checker, data: LineDict, display_root: Path) -> None:
    quizzes = check.items(data, "quizzes", required=False)
    module_slugs = spec.declared_modules
    slugs: set[str] = set()
    for line, entry in zip(quizzes.lines, quizzes):
        if not isinstance(entry, LineDict):
            check.add(line, "a quiz must be a mapping with slug, title, file and after")
            continue
        ok = True
        for key in entry:
            if key not in ("slug", "title", "file", "after") and key not in QUIZ_SETTINGS:
                check.add(entry.lines[key], f"unknown quiz key {key!r}")
                ok = False
        slug = check.slug(entry, "slug")
        title = check.text(entry, "title", 300)
        file = check.text(entry, "file", 300)
        if slug in slugs:
            check.add(entry.lines.get("slug", line), f"duplicate quiz slug {slug!r}")
            ok = False
        slugs.add(slug)
        after = entry.get("after")
        if after is not None and (not isinstance(after, str) or after not in module_slugs):
            check.add(entry.lines.get("after", line),
                      f"after: {after!r} is not a module of this course")
            ok = False
        for key, rule in QUIZ_SETTINGS.items():
            if key in entry and not _setting_ok(entry[key], rule):
                check.add(entry.lines[key], _setting_message(key, rule))
                ok = False
        if not (slug and title and file):
            continue
        file_line = entry.lines.get("file", line)
        path = inside_folder(spec.directory, file)
        if path is None:
            check.add(file_line, f"quiz file {file!r} is outside the course folder")
            continue
        if not file.endswith(QUIZ_EXTENSIONS):
            check.add(file_line, f"quiz file {file!r} must be .yaml or .gift")
            continue
        if not path.is_file():
            check.add(file_line, f"missing quiz file {file}")
            continue
        rel_file = display_path(path, display_root)
        plain = {key: entry[key] for key in entry}
        # ``__line__``: the entry's line in course.yaml, for the importer's problems
        found = quiz_importer.check_quiz(spec.directory, {**plain, "__line__": line}, rel_file)
        if found:
            check.problems += found
            ok = False
        if ok:
            spec.quizzes.append(QuizRef(plain, rel_file))


def _setting_ok(value, rule) -> bool:
    if rule[0] == "int":
        return isinstance(value, int) and not isinstance(value, bool) and rule[1] <= value <= rule[2]
    if rule[0] == "bool":
        return isinstance(value, bool)
    return isinstance(value, str) and value in rule[1]


def _setting_message(key: str, rule) -> str:
    if rule[0] == "int":
        return f"{key}: must be a whole number from {rule[1]} to {rule[2]}"
    if rule[0] == "bool":
        return f"{key}: must be true or false"
    return f"{key}: must be one of {', '.join(rule[1])}"
