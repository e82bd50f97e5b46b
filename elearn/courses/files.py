"""Course files: read and check a tree of ``courses/<slug>/`` folders.

``load_tree(path)`` returns the parsed courses and every problem found, each as
``file:line: message`` with the line of the YAML node or Markdown line concerned; ``check_tree``
returns the problems only. Nothing here touches the database except reading the audience slugs.
The format is documented in courses/README.md.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from elearn.accounts.services import valid_email
from elearn.courses import render
from elearn.courses.file_checker import Checker, display_path, inside_folder
from elearn.courses.quiz_entries import load_quizzes
from elearn.courses.specs import AssetSpec, CourseSpec, ModuleSpec
from elearn.courses.translations import load_course_translations, load_translations
from elearn.courses.yaml_lines import LineDict, load_yaml
from elearn.extensions import db
from elearn.problems import Problem, nul_problem
from elearn.reference.data import AUDIENCES
from elearn.reference.models import Audience

CONVENTIONS = ("basel", "rotterdam", "stockholm")
ENROLMENT = ("open", "restricted")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
#: slugs that would clash with the courses blueprint's own URLs
RESERVED_SLUGS = {"upload"}
COURSE_KEYS = {
    # key: (required, check)
    "slug": True, "title": True, "summary": True, "language": True, "conventions": True,
    "audiences": True, "modules": True, "enrolment": False, "estimated_hours": False,
    "webinar_required": False, "owner": False, "published": False, "quizzes": False,
    "certificate_validity_months": False,
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_MODULE_BYTES = 512 * 1024

_SIGNATURES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


def image_type(data: bytes, suffix: str) -> str | None:
    """The content type of an image whose bytes match its extension, else None."""
    expected = render.IMAGE_TYPES.get(suffix.lower())
    if expected is None:
        return None
    if expected == "image/webp":
        return expected if data[:4] == b"RIFF" and data[8:12] == b"WEBP" else None
    return expected if data.startswith(_SIGNATURES[expected]) else None


# --- YAML with line numbers -------------------------------------------------------------


# --- parsed course ---------------------------------------------------------------------


# --- the checker -----------------------------------------------------------------------


def known_audiences() -> set[str]:
    """Audience slugs from the database, or the shipped reference data when it is empty."""
    import sqlalchemy as sa

    slugs = set(db.session.scalars(sa.select(Audience.slug)))
    if not slugs:
        slugs = {row[0] for row in AUDIENCES}
    return slugs


def course_dirs(root: Path) -> list[Path]:
    """The course folders of a tree: ``root`` itself when it holds course.yaml, else its
    sub-folders (hidden folders and those starting with ``_`` are skipped)."""
    if (root / "course.yaml").is_file():
        return [root]
    return sorted(
        p for p in root.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_"))
    )


def load_tree(root: Path | str, audiences: set[str] | None = None,
              display_root: Path | None = None) -> tuple[list[CourseSpec], list[Problem]]:
    """Parse and check every course under ``root``: (courses, problems).

    Problem paths are relative to ``display_root`` (default: ``root``, or its parent when
    ``root`` is itself a course folder, so the course folder's name shows).
    """
    root = Path(root)
    if not root.is_dir():
        return [], [Problem(str(root), 0, "no such folder")]
    if audiences is None:
        audiences = known_audiences()
    if display_root is None:
        display_root = root.parent if (root / "course.yaml").is_file() else root
    specs: list[CourseSpec] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for directory in course_dirs(root):
        display = display_path(directory / "course.yaml", display_root)
        if not (directory / "course.yaml").is_file():
            problems.append(Problem(display, 0, "course folder without a course.yaml"))
            continue
        spec, found = _load_course(directory, display, display_root, audiences)
        problems += found
        if spec is None:
            continue
        if spec.slug and spec.slug in seen:
            problems.append(Problem(display, 1, f"duplicate course slug {spec.slug!r} "
                                                f"(also in {seen[spec.slug]})"))
        elif spec.slug:
            seen[spec.slug] = display
        specs.append(spec)
    if not specs and not problems:
        problems.append(Problem(display_path(root, display_root) or ".", 0, "no course found"))
    return specs, sorted(problems)


def check_tree(root: Path | str, audiences: set[str] | None = None) -> list[Problem]:
    """Every problem of the tree under ``root`` (empty when it can be imported)."""
    return load_tree(root, audiences)[1]


def _load_course(directory: Path, display: str, display_root: Path,
                 audiences: set[str]) -> tuple[CourseSpec | None, list[Problem]]:
    check = Checker(display)
    try:
        text = (directory / "course.yaml").read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [Problem(display, 0, "not UTF-8 text")]
    data, problems = load_yaml(text, display)
    check.problems += problems
    if data is None:
        return None, check.problems
    if not isinstance(data, LineDict):
        check.add(1, "course.yaml must be a mapping of keys (slug, title, modules, ...)")
        return None, check.problems

    for key in data:
        if key not in COURSE_KEYS:
            check.add(data.lines[key], f"unknown key {key!r}")
    spec = CourseSpec(directory=directory, display=display)
    spec.slug = check.slug(data, "slug")
    if spec.slug in RESERVED_SLUGS:
        check.add(data.lines.get("slug", 1), f"slug: {spec.slug!r} is reserved")
    spec.title = check.text(data, "title", 300)
    spec.summary = check.text(data, "summary", 2000)
    spec.language = check.text(data, "language", 8) or "en"
    if spec.language and not LANGUAGE.match(spec.language):
        check.add(data.lines.get("language", 1),
                  f"language: {spec.language!r} is not a language code such as en or fr")

    _load_lists(spec, check, data, audiences)
    _load_settings(spec, check, data)

    _load_modules(spec, check, data, display_root)
    spec.translations = load_course_translations(
        directory, spec.language,
        lambda name, number, message: check.problems.append(Problem(
            display_path(directory / name, display_root), number, message)))
    load_quizzes(spec, check, data, display_root)
    return spec, check.problems


def _load_lists(spec: CourseSpec, check: Checker, data: LineDict, audiences: set[str]) -> None:
    """The conventions and audiences of course.yaml: known values, each once."""
    conventions = check.items(data, "conventions")
    for line, value in zip(conventions.lines, conventions):
        if value not in CONVENTIONS:
            check.add(line, f"unknown convention {value!r} (use {', '.join(CONVENTIONS)})")
        elif value in spec.conventions:
            check.add(line, f"convention {value!r} listed twice")
        else:
            spec.conventions.append(value)
    spec.conventions.sort(key=CONVENTIONS.index)

    audience_items = check.items(data, "audiences")
    if "audiences" in data and not audience_items:
        check.add(data.lines["audiences"], "audiences: name at least one audience")
    for line, value in zip(audience_items.lines, audience_items):
        if not isinstance(value, str) or value not in audiences:
            check.add(line, f"unknown audience {value!r}")
        elif value in spec.audiences:
            check.add(line, f"audience {value!r} listed twice")
        else:
            spec.audiences.append(value)


def _load_settings(spec: CourseSpec, check: Checker, data: LineDict) -> None:
    """Enrolment, hours, webinar, certificate validity, published and owner of course.yaml."""
    enrolment = data.get("enrolment", "open")
    if enrolment not in ENROLMENT:
        check.add(data.lines.get("enrolment", 1), "enrolment: must be open or restricted")
    else:
        spec.enrolment = enrolment
    hours = data.get("estimated_hours", 1)
    if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 0 < hours <= 1000:
        check.add(data.lines.get("estimated_hours", 1),
                  "estimated_hours: must be a number of hours greater than 0")
    else:
        spec.estimated_hours = float(hours)
    spec.webinar_required = check.boolean(data, "webinar_required", False)
    months = data.get("certificate_validity_months")
    if months is not None:
        if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 600:
            check.add(data.lines.get("certificate_validity_months", 1),
                      "certificate_validity_months: must be a whole number of months (1-600)")
        else:
            spec.certificate_validity_months = months
    spec.published = check.boolean(data, "published", False)
    owner = data.get("owner")
    if owner is not None:
        address = valid_email(owner) if isinstance(owner, str) else None
        if address is None:
            check.add(data.lines.get("owner", 1), "owner: must be the email of a trainer")
        else:
            spec.owner = address


def _load_modules(spec: CourseSpec, check: Checker, data: LineDict, display_root: Path) -> None:
    modules = check.items(data, "modules")
    if "modules" in data and isinstance(data["modules"], list) and not modules:
        check.add(data.lines["modules"], "modules: a course needs at least one module")
    slugs: set[str] = set()
    declared: set[str] = set()
    for line, entry in zip(modules.lines, modules):
        if not isinstance(entry, LineDict):
            check.add(line, "a module must be a mapping with slug, title and file")
            continue
        for key in entry:
            if key not in ("slug", "title", "file"):
                check.add(entry.lines[key], f"unknown module key {key!r}")
        slug = check.slug(entry, "slug")
        title = check.text(entry, "title", 300)
        file = check.text(entry, "file", 300)
        if slug in slugs:
            check.add(entry.lines.get("slug", line), f"duplicate module slug {slug!r}")
            slug = ""
        slugs.add(slug)
        if not file:
            continue
        declared.add(PurePosixPath(file).as_posix())
        file_line = entry.lines.get("file", line)
        path = inside_folder(spec.directory, file)
        if path is None:
            check.add(file_line, f"module file {file!r} is outside the course folder")
            continue
        if not file.endswith(".md"):
            check.add(file_line, f"module file {file!r} must be Markdown (.md)")
            continue
        if not path.is_file():
            check.add(file_line, f"missing module file {file}")
            continue
        if path.stat().st_size > MAX_MODULE_BYTES:
            check.add(file_line, f"module file {file} is larger than "
                                 f"{MAX_MODULE_BYTES // 1024} KB")
            continue
        try:
            markdown = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            check.add(file_line, f"module file {file} is not UTF-8 text")
            continue
        nul = nul_problem(markdown, display_path(path, display_root))
        if nul is not None:
            check.problems.append(nul)
            continue
        if slug and title:
            module_file = PurePosixPath(file).as_posix()
            spec.modules.append(ModuleSpec(
                slug=slug, title=title, file=module_file, markdown=markdown,
                translations=load_translations(
                    spec.directory, module_file, spec.language,
                    lambda name, number, message: check.problems.append(Problem(
                        display_path(spec.directory / name, display_root), number, message))),
            ))
    spec.declared_modules = slugs - {""}
    for module in spec.modules:
        _check_references(spec, module, declared, display_root, check)


def _check_references(spec: CourseSpec, module: ModuleSpec, module_files: set[str],
                      display_root: Path, check: Checker) -> None:
    name = display_path(spec.directory / module.file, display_root)
    for ref in render.references(module.markdown):
        url = ref.url
        if ref.kind == "image":
            if not url:
                check.problems.append(Problem(name, ref.line, "image without a path"))
                continue
            if render.is_external(url) or url.startswith("/"):
                check.problems.append(Problem(
                    name, ref.line, f"image {url} is not in the course folder "
                                    "(keep images in the course folder, e.g. modules/img/)"))
                continue
            target = render.resolve(url, module.file)
            if target is None:
                check.problems.append(Problem(
                    name, ref.line, f"image {url} escapes the course folder"))
                continue
            path = inside_folder(spec.directory, target)
            if path is None:
                check.problems.append(Problem(
                    name, ref.line, f"image {url} escapes the course folder"))
                continue
            if not path.is_file():
                check.problems.append(Problem(name, ref.line, f"broken image link {url}"))
                continue
            suffix = PurePosixPath(target).suffix.lower()
            if suffix not in render.IMAGE_TYPES:
                check.problems.append(Problem(
                    name, ref.line, f"image {url}: only PNG, JPEG, GIF and WebP images "
                                    "are allowed"))
                continue
            if path.stat().st_size > MAX_IMAGE_BYTES:
                check.problems.append(Problem(
                    name, ref.line, f"image {url} is larger than "
                                    f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB"))
                continue
            content = path.read_bytes()
            content_type = image_type(content, suffix)
            if content_type is None:
                check.problems.append(Problem(
                    name, ref.line, f"image {url} is not a valid {suffix[1:].upper()} file"))
                continue
            spec.assets[target] = AssetSpec(target, content_type, content)
        elif url and not render.is_external(url) and not url.startswith("#"):
            target = render.resolve(url, module.file)
            if target is not None and target.endswith(".md") and target not in module_files:
                check.problems.append(Problem(
                    name, ref.line, f"link {url} is not a module of this course"))
