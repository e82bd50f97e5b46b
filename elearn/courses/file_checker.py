"""The problem collector of the course-file reader: typed reads of YAML values that record
``file:line: message`` problems.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from elearn.courses.yaml_lines import LineDict, LineList
from elearn.problems import Problem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def display_path(path: Path, display_root: Path) -> str:
    try:
        return path.relative_to(display_root).as_posix()
    except ValueError:
        return path.as_posix()


class Checker:
    def __init__(self, name: str):
        self.name = name
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.name, line, message))

    def text(self, data: LineDict, key: str, max_length: int, required=True) -> str:
        value = data.get(key)
        line = data.lines.get(key, data.line)
        if value is None:
            if required:
                self.add(line, f"{key}: missing")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.add(line, f"{key}: must be a non-empty text")
            return ""
        if len(value) > max_length:
            self.add(line, f"{key}: longer than {max_length} characters")
        return value.strip()

    def boolean(self, data: LineDict, key: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(data.lines.get(key, data.line), f"{key}: must be true or false")
            return default
        return value

    def slug(self, data: LineDict, key: str) -> str:
        value = self.text(data, key, 100)
        if value and not SLUG.match(value):
            self.add(data.lines.get(key, data.line),
                     f"{key}: {value!r} must be lowercase letters, digits and hyphens")
            return ""
        return value

    def items(self, data: LineDict, key: str, required=True) -> LineList:
        value = data.get(key)
        if value is None:
            if required:
                self.add(data.line, f"{key}: missing")
            return LineList()
        if not isinstance(value, list):
            self.add(data.lines.get(key, data.line), f"{key}: must be a list")
            return LineList()
        if not isinstance(value, LineList):  # pragma: no cover - the loader makes LineLists
            value = LineList(value)
            value.lines = [data.line] * len(value)
        return value


def inside_folder(directory: Path, relative: str) -> Path | None:
    """``directory / relative`` when it stays inside ``directory`` (no symlink escapes)."""
    if not relative or relative.startswith(("/", "\\")) or "\\" in relative:
        return None
    if any(part == ".." for part in PurePosixPath(relative).parts):
        return None
    path = directory / relative
    try:
        path.resolve().relative_to(directory.resolve())
    except (ValueError, OSError):
        return None
    return path
