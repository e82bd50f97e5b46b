"""Course upload as a .zip: safe extraction, then the same check and sync as the files.

Safe means: the archive's size is limited; entries with absolute paths, ``..``, backslashes,
drive letters or symbolic links are refused (zip-slip); the number of files, the total
uncompressed size and each entry's compression ratio are limited, and sizes are counted while
reading rather than trusted from the headers (zip bombs); only the expected file types are
accepted. Nothing is written to the database unless the whole course checks clean.
"""

from __future__ import annotations

import os
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path, PurePosixPath

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from elearn.courses.files import course_dirs, load_tree
from elearn.courses.models import Course
from elearn.courses.sync import SyncReport, sync_specs
from elearn.extensions import db
from elearn.permissions import can_manage_course
from elearn.problems import Problem

ALLOWED_SUFFIXES = {".yaml", ".yml", ".md", ".gift", ".png", ".jpg", ".jpeg", ".gif", ".webp"}
#: files that archivers add on their own, skipped silently
IGNORED_NAMES = {".DS_Store", "Thumbs.db"}
IGNORED_PREFIXES = ("__MACOSX/",)
MAX_RATIO = 100


def setting(name: str, default: int) -> int:
    """A numeric setting: app config ``COURSE_UPLOAD_<name>``, else env ``ELEARN_COURSE_UPLOAD_<name>``."""
    key = f"COURSE_UPLOAD_{name}"
    value = current_app.config.get(key)
    if value is None:
        value = os.environ.get(f"ELEARN_{key}", default)
    return int(value)


def limits() -> dict[str, int]:
    return {
        "max_bytes": setting("MAX_MB", 10) * 1024 * 1024,
        "max_unpacked": setting("MAX_UNPACKED_MB", 50) * 1024 * 1024,
        "max_files": setting("MAX_FILES", 500),
    }


class UploadRejected(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass
class UploadResult:
    slug: str = ""
    report: SyncReport | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report is not None and not self.problems


def _reject(name: str, message: str) -> UploadRejected:
    return UploadRejected([Problem(name, 0, message)])


def _entry_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if "\\" in name or name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        raise _reject(name, _("absolute or Windows path in the archive"))
    parts = PurePosixPath(name).parts
    if any(part in ("..", "") for part in parts) or not parts:
        raise _reject(name, _("path leaving the course folder ('..') in the archive"))
    mode = info.external_attr >> 16
    if stat.S_ISLNK(mode):
        raise _reject(name, _("symbolic links are not allowed"))
    if info.flag_bits & 0x1:
        raise _reject(name, _("encrypted files are not allowed"))
    return PurePosixPath(name).as_posix()


def extract(data: bytes, target: Path) -> None:
    """Extract a course zip into ``target``; raises UploadRejected with every reason found."""
    lim = limits()
    if len(data) > lim["max_bytes"]:
        raise _reject("upload", _("the file is larger than %(mb)s MB",
                                       mb=lim["max_bytes"] // (1024 * 1024)))
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError):
        raise _reject("upload", _("not a valid .zip file")) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        infos = [i for i in infos if not i.filename.startswith(IGNORED_PREFIXES)
                 and PurePosixPath(i.filename).name not in IGNORED_NAMES]
        if len(infos) > lim["max_files"]:
            raise _reject("upload", _("more than %(max)s files in the archive",
                                           max=lim["max_files"]))
        problems = []
        declared = 0
        for info in infos:
            try:
                name = _entry_name(info)
            except UploadRejected as exc:
                problems += exc.problems
                continue
            if PurePosixPath(name).suffix.lower() not in ALLOWED_SUFFIXES:
                problems.append(Problem(name, 0, "file type not allowed (allowed: "
                                        + ", ".join(sorted(ALLOWED_SUFFIXES)) + ")"))
            declared += info.file_size
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                problems.append(Problem(name, 0, "compression ratio too high (zip bomb?)"))
        if declared > lim["max_unpacked"]:
            problems.append(Problem("upload", 0, "unpacked size larger than "
                                                 f"{lim['max_unpacked'] // (1024 * 1024)} MB"))
        if problems:
            raise UploadRejected(problems)
        try:
            _write_entries(archive, infos, target, lim)
        except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError,
                ValueError):
            # a bad CRC, a truncated or encrypted entry, an unknown compression method
            raise _reject("upload", _("the .zip file is damaged or encrypted; "
                                      "make it again and upload it")) from None


def _write_entries(archive: zipfile.ZipFile, infos, target: Path, lim: dict[str, int]) -> None:
    """Write the checked entries, counting the bytes actually read (never the headers)."""
    total = 0
    root = target.resolve()
    for info in infos:
        name = _entry_name(info)
        path = (target / name).resolve()
        if not path.is_relative_to(root):  # belt and braces after _entry_name
            raise _reject(name, _("path leaving the course folder"))
        path.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        with archive.open(info) as source, open(path, "wb") as out:
            while chunk := source.read(64 * 1024):
                written += len(chunk)
                total += len(chunk)
                if written > info.file_size or total > lim["max_unpacked"]:
                    raise _reject(name, _("the archive lies about its sizes (zip bomb?)"))
                out.write(chunk)


def find_course_dir(root: Path) -> Path:
    """The course folder of an extracted upload: the root or its one sub-folder."""
    if (root / "course.yaml").is_file():
        return root
    folders = [p for p in course_dirs(root) if (p / "course.yaml").is_file()]
    others = [p for p in root.iterdir() if p.is_file()]
    if len(folders) != 1 or others:
        raise _reject("upload", _("the archive must hold one course: course.yaml at its "
                                  "root, or one folder containing course.yaml"))
    return folders[0]


def import_upload(data: bytes, user) -> UploadResult:
    """Check and import an uploaded course zip as ``user``. Flushes; the caller commits.

    Nothing is written when the result has problems.
    """
    result = UploadResult()
    with tempfile.TemporaryDirectory(prefix="elearn-upload-") as tmp:
        root = Path(tmp)
        try:
            extract(data, root)
            course_dir = find_course_dir(root)
        except UploadRejected as exc:
            result.problems = exc.problems
            return result
        specs, problems = load_tree(course_dir, display_root=root)
        if problems:
            result.problems = problems
            return result
        spec = specs[0]
        result.slug = spec.slug
        existing = db.session.scalar(sa.select(Course).where(Course.slug == spec.slug))
        if existing is not None and not can_manage_course(user, existing):
            result.problems = [Problem(
                spec.display, 1,
                f"a course with the slug {spec.slug!r} exists and you do not manage it; "
                "choose another slug or ask its owner")]
            return result
        result.report = sync_specs([spec], uploader=user)
    return result
