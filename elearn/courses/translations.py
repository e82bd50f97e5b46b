"""Language versions of a course's modules.

A translation of ``modules/02-basel-procedures.md`` into French is the file
``modules/02-basel-procedures.fr.md`` beside it. It starts with a small front matter naming
its title and the hash of the source it was translated from::

    ---
    title: Procédures de la Convention de Bâle
    source-hash: 3f5a9c0e1b2d4f67
    ---

``flask courses check`` prints the current ``source-hash`` of every source module whose
translation is missing the field or carries another one (the source changed since: the
translation is out of date). An out-of-date translation is still imported and shown, with a
notice; the trainer's course page lists it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from elearn.config import LANGUAGES
from elearn.courses.models import source_hash


@dataclass
class TranslationSpec:
    language: str
    file: str  # path inside the course folder
    title: str
    markdown: str
    #: the source hash the translation declares ("" when missing)
    source_hash: str

    def outdated(self, source_markdown: str) -> bool:
        return self.source_hash != source_hash(source_markdown)


def translation_path(module_file: str, language: str) -> str:
    path = PurePosixPath(module_file)
    return str(path.with_name(f"{path.stem}.{language}{path.suffix}"))


def is_translation_file(name: str) -> bool:
    """``x.fr.md``: a translation, not a module of its own."""
    parts = PurePosixPath(name).name.split(".")
    return len(parts) >= 3 and parts[-1] == "md" and parts[-2] in LANGUAGES


def load_translations(directory: Path, module_file: str, course_language: str,
                      add_problem) -> dict[str, TranslationSpec]:
    """The translations found beside ``module_file``; ``add_problem(file, line, message)``
    receives what is wrong with them."""
    found: dict[str, TranslationSpec] = {}
    for language in LANGUAGES:
        if language == course_language:
            continue
        relative = translation_path(module_file, language)
        path = directory / relative
        if not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            add_problem(relative, 0, "translation is not UTF-8 text")
            continue
        meta, body = _front_matter(text)
        if meta is None:
            add_problem(relative, 1, "a translation starts with front matter: ---, "
                                     "title: ..., source-hash: ..., ---")
            continue
        title = str(meta.get("title") or "").strip()
        if not title:
            add_problem(relative, 1, "the translation's front matter needs a title")
            continue
        found[language] = TranslationSpec(
            language=language, file=relative, title=title[:300], markdown=body,
            source_hash=str(meta.get("source-hash") or "").strip(),
        )
    return found


def _front_matter(text: str) -> tuple[dict | None, str]:
    lines = text.replace("\r\n", "\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return None, text
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == "---")
    except StopIteration:
        return None, text
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError:
        return None, text
    if not isinstance(meta, dict):
        return None, text
    return meta, "\n".join(lines[end + 1:]).lstrip("\n")


def stale_notes(specs) -> list[str]:
    """``file:line: message`` lines for translations that are out of date (not errors)."""
    notes = []
    for spec in specs:
        for module in spec.modules:
            current = source_hash(module.markdown)
            for translation in module.translations.values():
                where = f"{spec.directory.name}/{translation.file}"
                if not translation.source_hash:
                    notes.append(f"{where}:1: translation has no source-hash; if it matches "
                                 f"{module.file} as it is, add source-hash: {current}")
                elif translation.outdated(module.markdown):
                    notes.append(f"{where}:1: translation out of date: {module.file} changed "
                                 f"since (source-hash {translation.source_hash}, now {current})")
    return notes


def load_course_translations(directory: Path, course_language: str, add_problem) -> dict:
    """``course.<lang>.yaml`` beside course.yaml: the course's title and summary in another
    language, as {language: (title, summary)}."""
    found = {}
    for language in LANGUAGES:
        if language == course_language:
            continue
        name = f"course.{language}.yaml"
        path = directory / name
        if not path.is_file():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, yaml.YAMLError):
            add_problem(name, 0, "not a readable YAML file")
            continue
        if not isinstance(data, dict) or not str(data.get("title") or "").strip():
            add_problem(name, 1, "a course translation is a mapping with a title (and a summary)")
            continue
        found[language] = (str(data["title"]).strip()[:300], str(data.get("summary") or "").strip())
    return found
