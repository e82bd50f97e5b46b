"""Course files: read and check a tree of ``courses/<slug>/`` folders.

``load_tree(path)`` returns the parsed courses and every problem found, each as
``file:line: message`` with the line of the YAML node or Markdown line concerned; ``check_tree``
returns the problems only. Nothing here touches the database except reading the audience slugs.
The format is documented in courses/README.md.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import yaml

from elearn.accounts.services import valid_email
from elearn.config import LANGUAGES
from elearn.courses import render
from elearn.courses.translations import load_course_translations, load_translations
from elearn.problems import Problem, nul_problem
from elearn.quizzes import importer as quiz_importer
from elearn.quizzes.translations import translation_file

CONVENTIONS = ("basel", "rotterdam", "stockholm")
ENROLMENT = ("open", "restricted")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
#: slugs that would clash with the courses blueprint's own URLs
RESERVED_SLUGS = {"upload"}
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


class LineDict(dict):
    """A YAML mapping that remembers its own line and each key's line."""

    line = 1
    lines: dict


class LineList(list):
    line = 1
    lines: list

    def __init__(self, *args):
        super().__init__(*args)
        self.lines = []


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps node lines and reports duplicate keys."""

    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, str]] = []


def _construct_mapping(loader: _Loader, node):
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            key = str(key)
        if key in result:
            loader.duplicates.append((key_node.start_mark.line + 1, str(key)))
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node):
    result = LineList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml(text: str, name: str) -> tuple[object, list[Problem]]:
    """Parse YAML keeping lines; (data, problems). Data is None when the YAML is invalid."""
    nul = nul_problem(text, name)
    if nul is not None:
        return None, [nul]
    loader = None
    try:
        loader = _Loader(text)
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else 0
        reason = getattr(exc, "problem", None) or str(exc)
        return None, [Problem(name, line, f"invalid YAML: {reason}")]
    except RecursionError:
        return None, [Problem(name, 0, "invalid YAML: nested too deeply")]
    finally:
        if loader is not None:
            loader.dispose()
    problems = [Problem(name, line, f"duplicate key {key!r}") for line, key in loader.duplicates]
    return data, problems


# --- parsed course ---------------------------------------------------------------------


@dataclass
class ModuleSpec:
    slug: str
    title: str
    file: str  # path inside the course folder
    markdown: str = ""
    #: language versions, by language code (see elearn.courses.translations)
    translations: dict = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return _sha(render.RENDER_VERSION, self.title, self.markdown)


@dataclass
class AssetSpec:
    path: str  # inside the course folder
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class QuizRef:
    #: the quiz entry of course.yaml, as a plain dict (slug, title, file, after, settings)
    entry: dict
    #: the quiz file as shown in problems (relative to the checked tree)
    rel_file: str


@dataclass
class CourseSpec:
    """A course as its files describe it, once checked."""

    directory: Path
    #: the course.yaml path as shown in problems (relative to the checked tree)
    display: str
    slug: str = ""
    title: str = ""
    summary: str = ""
    language: str = "en"
    conventions: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    enrolment: str = "open"
    estimated_hours: float = 1
    webinar_required: bool = False
    #: months a certificate stays valid (None: it never expires)
    certificate_validity_months: int | None = None
    owner: str = ""
    published: bool = False
    modules: list[ModuleSpec] = field(default_factory=list)
    quizzes: list[QuizRef] = field(default_factory=list)
    assets: dict[str, AssetSpec] = field(default_factory=dict)
    #: title and summary in other languages: {language: (title, summary)}
    translations: dict = field(default_factory=dict)
    #: module slugs named in course.yaml, even those whose file has a problem
    declared_modules: set[str] = field(default_factory=set)

    @property
    def module_links(self) -> dict[str, str]:
        return {m.file: m.slug for m in self.modules}

    def rendered(self, module: ModuleSpec) -> str:
        return render.render_module(module.markdown, module.file, set(self.assets),
                                    self.module_links)

    @property
    def content_hash(self) -> str:
        """Hash of everything imported, used to tell whether a course changed."""
        parts = [self.slug, self.title, self.summary, self.language, ",".join(self.conventions),
                 ",".join(self.audiences), self.enrolment, repr(float(self.estimated_hours)),
                 repr(self.webinar_required), self.owner, repr(self.published)]
        if self.certificate_validity_months is not None:
            parts.append(f"validity:{self.certificate_validity_months}")
        parts += [f"{m.slug}:{m.file}:{m.content_hash}" for m in self.modules]
        parts += [f"{code}:{_sha(*texts)}" for code, texts in sorted(self.translations.items())]
        parts += [f"{m.slug}:{t.language}:{_sha(t.title, t.markdown, t.source_hash)}"
                  for m in self.modules for t in m.translations.values()]
        parts += [f"{a.path}:{a.sha256}" for a in sorted(self.assets.values(),
                                                         key=lambda a: a.path)]
        for quiz in self.quizzes:
            parts.append(repr(sorted((k, str(v)) for k, v in quiz.entry.items())))
            for file in [quiz.entry["file"]] + [translation_file(quiz.entry["file"], code)
                                                 for code in LANGUAGES]:
                try:
                    parts.append(hashlib.sha256((self.directory / file).read_bytes()).hexdigest())
                except OSError:
                    pass
        return _sha(*parts)


def _sha(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


# --- the checker -----------------------------------------------------------------------


def known_audiences() -> set[str]:
    """Audience slugs from the database, or the shipped reference data when it is empty."""
    import sqlalchemy as sa

    from elearn.extensions import db
    from elearn.reference.models import Audience

    slugs = set(db.session.scalars(sa.select(Audience.slug)))
    if not slugs:
        from elearn.reference.data import AUDIENCES

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
        display = _display(directory / "course.yaml", display_root)
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
        problems.append(Problem(_display(root, display_root) or ".", 0, "no course found"))
    return specs, sorted(problems)


def check_tree(root: Path | str, audiences: set[str] | None = None) -> list[Problem]:
    """Every problem of the tree under ``root`` (empty when it can be imported)."""
    return load_tree(root, audiences)[1]


def _display(path: Path, display_root: Path) -> str:
    try:
        return path.relative_to(display_root).as_posix()
    except ValueError:
        return path.as_posix()


class _Checker:
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


def _load_course(directory: Path, display: str, display_root: Path,
                 audiences: set[str]) -> tuple[CourseSpec | None, list[Problem]]:
    check = _Checker(display)
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

    _load_modules(spec, check, data, display_root)
    spec.translations = load_course_translations(
        directory, spec.language,
        lambda name, number, message: check.problems.append(Problem(
            _display(directory / name, display_root), number, message)))
    _load_quizzes(spec, check, data, display_root)
    return spec, check.problems


def _inside(directory: Path, relative: str) -> Path | None:
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


def _load_modules(spec: CourseSpec, check: _Checker, data: LineDict, display_root: Path) -> None:
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
        path = _inside(spec.directory, file)
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
        nul = nul_problem(markdown, _display(path, display_root))
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
                        _display(spec.directory / name, display_root), number, message))),
            ))
    spec.declared_modules = slugs - {""}
    for module in spec.modules:
        _check_references(spec, module, declared, display_root, check)


def _check_references(spec: CourseSpec, module: ModuleSpec, module_files: set[str],
                      display_root: Path, check: _Checker) -> None:
    name = _display(spec.directory / module.file, display_root)
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
            path = _inside(spec.directory, target)
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


def _load_quizzes(spec: CourseSpec, check: _Checker, data: LineDict, display_root: Path) -> None:
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
        path = _inside(spec.directory, file)
        if path is None:
            check.add(file_line, f"quiz file {file!r} is outside the course folder")
            continue
        if not file.endswith(QUIZ_EXTENSIONS):
            check.add(file_line, f"quiz file {file!r} must be .yaml or .gift")
            continue
        if not path.is_file():
            check.add(file_line, f"missing quiz file {file}")
            continue
        rel_file = _display(path, display_root)
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
