"""Helpers for the courses tests: a copy of the good fixture tree to break in a test."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "courses"
GOOD = FIXTURES / "good"
AUDIENCES = {"customs-officer", "nip-official", "enforcement-officer", "other"}


def copy_tree(tmp_path: Path) -> Path:
    """A writable copy of tests/fixtures/courses/good (one course: intro-course)."""
    target = tmp_path / "tree"
    shutil.copytree(GOOD, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def zip_tree(folder: Path, prefix: str = "") -> bytes:
    """The files under ``folder`` as a zip, each under ``prefix``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, prefix + path.relative_to(folder).as_posix())
    return buffer.getvalue()
