"""Import checked course files into the database (``flask courses sync`` and uploads).

``sync_tree(path)`` checks the whole tree first and raises CourseFilesError, touching nothing,
when any file is broken. Otherwise every course is updated in place by slug: modules keep their
id (and so learners' progress) across text changes, modules removed from the files are archived
(``archived_at``), never deleted, and come back when they reappear. Running it twice changes
nothing the second time. The caller commits (one transaction).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.courses import render, search
from elearn.courses.files import load_tree
from elearn.courses.models import (
    Course,
    CourseAsset,
    CourseTranslation,
    EnrolmentPolicy,
    Module,
    ModuleTranslation,
)
from elearn.courses.specs import CourseSpec
from elearn.db_types import utcnow
from elearn.enrolments.completion import recompute_progress
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.problems import CourseFilesError
from elearn.quizzes import importer as quiz_importer
from elearn.reference.models import Audience


@dataclass
class CourseChange:
    slug: str
    created: bool = False
    changed_fields: list[str] = field(default_factory=list)
    modules_created: list[str] = field(default_factory=list)
    modules_changed: list[str] = field(default_factory=list)
    modules_archived: list[str] = field(default_factory=list)
    modules_restored: list[str] = field(default_factory=list)
    quizzes_created: list[str] = field(default_factory=list)
    quizzes_changed: list[str] = field(default_factory=list)
    quizzes_archived: list[str] = field(default_factory=list)
    assets_changed: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(
            self.created or self.changed_fields or self.modules_created or self.modules_changed
            or self.modules_archived or self.modules_restored or self.quizzes_created
            or self.quizzes_changed or self.quizzes_archived or self.assets_changed
        )

    def lines(self) -> list[str]:
        out = []
        if self.created:
            out.append(f"created course {self.slug}")
        elif self.changed:
            detail = f" ({', '.join(self.changed_fields)})" if self.changed_fields else ""
            out.append(f"changed course {self.slug}{detail}")
        for label, items in (
            ("created module", self.modules_created), ("changed module", self.modules_changed),
            ("archived module", self.modules_archived),
            ("restored module", self.modules_restored),
            ("created quiz", self.quizzes_created), ("changed quiz", self.quizzes_changed),
            ("archived quiz", self.quizzes_archived),
        ):
            out += [f"  {label} {self.slug}/{slug}" for slug in items]
        if self.assets_changed and not self.created:
            out.append(f"  images changed: {self.assets_changed}")
        out += [f"note ({self.slug}): {note}" for note in self.notes]
        return out


@dataclass
class SyncReport:
    courses: list[CourseChange] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.courses)

    def lines(self) -> list[str]:
        out = [line for change in self.courses for line in change.lines()]
        if not self.changed:
            out.append(f"nothing changed ({len(self.courses)} courses up to date)")
        return out


def sync_tree(root: Path | str, *, uploader: User | None = None) -> SyncReport:
    """Check then import the tree under ``root``; raises CourseFilesError when broken."""
    specs, problems = load_tree(Path(root))
    if problems:
        raise CourseFilesError(problems)
    return sync_specs(specs, uploader=uploader)


def sync_specs(specs: list[CourseSpec], *, uploader: User | None = None) -> SyncReport:
    """Import checked courses. With ``uploader`` (a web upload), a new course is owned by the
    uploader and an existing course keeps its owner; otherwise the files name the owner."""
    audiences = {a.slug: a for a in db.session.scalars(sa.select(Audience))}
    report = SyncReport()
    for spec in specs:
        report.courses.append(_sync_course(spec, audiences, uploader))
    db.session.flush()
    return report


def _sync_course(spec: CourseSpec, audiences: dict[str, Audience],
                 uploader: User | None) -> CourseChange:
    change = CourseChange(spec.slug)
    course = db.session.scalar(sa.select(Course).where(Course.slug == spec.slug))
    if course is None:
        course = Course(slug=spec.slug, content_version=1)
        db.session.add(course)
        change.created = True

    _sync_settings(course, spec, audiences, uploader, change)
    db.session.flush()

    if uploader is not None and change.created:
        course.owner_id = uploader.id
        if uploader not in course.trainers:
            course.trainers.append(uploader)
    else:
        note = link_owner(course)
        if note:
            change.notes.append(note)

    _sync_assets(course, spec, change)
    _sync_modules(course, spec, change)
    _sync_course_translations(course, spec)
    _sync_quizzes(course, spec, change)
    search.refresh(course)

    content_hash = spec.content_hash
    if change.changed or course.content_hash != content_hash:
        course.content_hash = content_hash
    if change.changed and not change.created:
        course.content_version = (course.content_version or 1) + 1
        course.updated_at = utcnow()
    db.session.flush()
    if change.changed and not change.created:
        _recompute_enrolments(course)
    return change


def _sync_settings(course: Course, spec: CourseSpec, audiences: dict[str, Audience],
                   uploader: User | None, change: CourseChange) -> None:
    """The course's own fields and audiences from course.yaml, noting which changed."""
    values = {
        "title": spec.title,
        "summary": spec.summary,
        "language": spec.language,
        "conventions": ",".join(spec.conventions),
        "enrolment_policy": EnrolmentPolicy(spec.enrolment),
        "estimated_hours": float(spec.estimated_hours),
        "webinar_required": spec.webinar_required,
        "certificate_validity_months": spec.certificate_validity_months,
        "published": spec.published,
    }
    if uploader is None:
        values["owner_email"] = spec.owner
    elif change.created:
        values["owner_email"] = uploader.email.lower()
    for name, value in values.items():
        if getattr(course, name) != value:
            setattr(course, name, value)
            if not change.created:
                change.changed_fields.append(name)
    wanted = [audiences[slug] for slug in spec.audiences]
    if [a.id for a in course.audiences] != [a.id for a in wanted] or change.created:
        if {a.id for a in course.audiences} != {a.id for a in wanted} and not change.created:
            change.changed_fields.append("audiences")
        course.audiences = wanted


def link_owner(course: Course) -> str | None:
    """Link ``course.owner_email`` to its account (and make it a course trainer).

    The owner must hold the trainer or admin role: a file cannot give a learner the right to
    manage a course. Returns a note when the owner cannot be linked yet.
    """
    email = (course.owner_email or "").lower()
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))
    if user is None:
        return f"owner {email} has no account yet; linked when it exists (flask courses link-owners)"
    if user.role not in (Role.trainer, Role.admin):
        return f"owner {email} is not a trainer; not linked"
    if course.owner_id != user.id:
        course.owner_id = user.id
    if all(t.id != user.id for t in course.trainers):
        course.trainers.append(user)
    return None


def link_owners() -> list[str]:
    """Link every course whose owner account appeared since the sync. Returns the slugs."""
    linked = []
    courses = db.session.scalars(
        sa.select(Course).where(Course.owner_email != "").order_by(Course.slug)
    ).all()
    for course in courses:
        before = course.owner_id
        trainers_before = {t.id for t in course.trainers}
        link_owner(course)
        if course.owner_id != before or {t.id for t in course.trainers} != trainers_before:
            linked.append(course.slug)
    db.session.flush()
    return linked


def _sync_assets(course: Course, spec: CourseSpec, change: CourseChange) -> None:
    existing = {a.path: a for a in db.session.scalars(
        sa.select(CourseAsset).where(CourseAsset.course_id == course.id))}
    for path, asset in spec.assets.items():
        row = existing.pop(path, None)
        if row is None:
            db.session.add(CourseAsset(
                course_id=course.id, path=path, content_type=asset.content_type,
                sha256=asset.sha256, size=len(asset.data), data=asset.data))
            change.assets_changed += 1
        elif row.sha256 != asset.sha256 or row.content_type != asset.content_type:
            row.data, row.sha256 = asset.data, asset.sha256
            row.size, row.content_type = len(asset.data), asset.content_type
            change.assets_changed += 1
    for row in existing.values():  # images no module uses any more
        db.session.delete(row)
        change.assets_changed += 1


def _sync_modules(course: Course, spec: CourseSpec, change: CourseChange) -> None:
    existing = {m.slug: m for m in db.session.scalars(
        sa.select(Module).where(Module.course_id == course.id))}
    assets_changed = change.assets_changed > 0
    for position, module_spec in enumerate(spec.modules):
        module = existing.pop(module_spec.slug, None)
        if module is None:
            module = Module(course_id=course.id, slug=module_spec.slug)
            db.session.add(module)
            change.modules_created.append(module_spec.slug)
            dirty = True
        else:
            dirty = False
            if module.archived_at is not None:
                module.archived_at = None
                change.modules_restored.append(module_spec.slug)
            if module.position != position:
                module.position = position
                dirty = True
        module.position = position
        content_hash = module_spec.content_hash
        if module.content_hash != content_hash or module.title != module_spec.title:
            module.title = module_spec.title
            module.body_markdown = module_spec.markdown
            module.content_hash = content_hash
            dirty = True
        html = spec.rendered(module_spec) if (dirty or assets_changed) else None
        if html is not None and module.body_html != html:
            module.body_html = html
            dirty = True
        if _sync_translations(module, module_spec, spec, dirty or assets_changed):
            dirty = True
        if dirty and module_spec.slug not in change.modules_created:
            change.modules_changed.append(module_spec.slug)
    now = utcnow()
    for module in existing.values():
        if module.archived_at is None:
            module.archived_at = now
            change.modules_archived.append(module.slug)


def _sync_course_translations(course: Course, spec: CourseSpec) -> None:
    existing = {t.language: t for t in db.session.scalars(
        sa.select(CourseTranslation).where(CourseTranslation.course_id == course.id))}
    for language, (title, summary) in spec.translations.items():
        row = existing.pop(language, None) or CourseTranslation(course_id=course.id,
                                                                language=language)
        row.title, row.summary = title, summary
        db.session.add(row)
    for row in existing.values():
        db.session.delete(row)


def _sync_translations(module: Module, module_spec, spec: CourseSpec, rerender: bool) -> bool:
    """Create, update or remove the module's language versions; True when any changed."""
    if module.id is None:
        db.session.flush()
    existing = {t.language: t for t in db.session.scalars(
        sa.select(ModuleTranslation).where(ModuleTranslation.module_id == module.id))}
    changed = False
    for language, found in module_spec.translations.items():
        row = existing.pop(language, None)
        digest = hashlib.sha256()
        for part in (render.RENDER_VERSION, found.title, found.markdown, found.source_hash):
            digest.update(part.encode() + b"\0")
        content_hash = digest.hexdigest()
        if row is None:
            row = ModuleTranslation(module_id=module.id, language=language)
            db.session.add(row)
        elif row.content_hash == content_hash and not rerender:
            continue
        html = render.render_module(found.markdown, found.file, set(spec.assets),
                                    spec.module_links)
        if (row.content_hash, row.body_html) != (content_hash, html):
            row.title, row.source_hash = found.title, found.source_hash
            row.body_html, row.content_hash = html, content_hash
            changed = True
    for row in existing.values():  # translation file removed
        db.session.delete(row)
        changed = True
    return changed


def _sync_quizzes(course: Course, spec: CourseSpec, change: CourseChange) -> None:
    for position, quiz in enumerate(spec.quizzes):
        result = quiz_importer.sync_quiz(course, quiz.entry, spec.directory, position,
                                         notes=change.notes)
        if result == "created":
            change.quizzes_created.append(quiz.entry["slug"])
        elif result == "changed":
            change.quizzes_changed.append(quiz.entry["slug"])
    change.quizzes_archived += quiz_importer.archive_missing_quizzes(
        course, {quiz.entry["slug"] for quiz in spec.quizzes})


def _recompute_enrolments(course: Course) -> None:
    enrolments = db.session.scalars(
        sa.select(Enrolment).where(Enrolment.course_id == course.id,
                                   Enrolment.status != EnrolmentStatus.withdrawn)
    ).all()
    for enrolment in enrolments:
        recompute_progress(enrolment)
