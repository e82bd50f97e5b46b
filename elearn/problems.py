"""Problems found while checking course files, reported as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    #: path of the file, relative to the tree that was checked
    file: str
    #: 1-based line number (0 when the problem concerns the whole file)
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def nul_problem(text: str, name: str) -> Problem | None:
    """A problem at the first NUL character of a course file's text, or None. PostgreSQL
    cannot store NUL in text, and no course file has a reason to hold one."""
    index = text.find("\x00")
    if index < 0:
        return None
    return Problem(name, text.count("\n", 0, index) + 1,
                   "NUL character (byte 0) in the text; remove it")


class CourseFilesError(Exception):
    """Raised by an import when any file is broken; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
