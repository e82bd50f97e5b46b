"""What a course folder declares once read: course, modules, assets and quiz references."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from elearn.config import LANGUAGES
from elearn.courses import render
from elearn.quizzes.translations import translation_file


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
