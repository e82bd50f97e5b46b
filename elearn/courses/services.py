"""Reading courses for the pages: catalog, course page, module reader.

Each function issues a fixed number of queries whatever the number of courses, modules or
users (columns, not object graphs; one query per kind of row), so the pages stay fast.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import defer

from elearn.caching import cache_key, cached, content_version
from elearn.courses.files import CONVENTIONS
from elearn.courses.models import (
    Course,
    CourseAsset,
    CourseTranslation,
    Module,
    ModuleTranslation,
    course_audiences,
)
from elearn.courses.search import module_text_matches
from elearn.db_types import escape_like
from elearn.enrolments.completion import done_module_ids
from elearn.enrolments.services import get_enrolment, studying
from elearn.extensions import db
from elearn.pagination import PageNavigation
from elearn.reference.models import Audience

PER_PAGE = 24


@dataclass
class CatalogFilters:
    q: str = ""
    audience: str = ""
    convention: str = ""
    language: str = ""
    page: int = 1

    @property
    def active(self) -> bool:
        return bool(self.q or self.audience or self.convention or self.language)


@dataclass
class CatalogItem:
    id: int
    slug: str
    title: str
    summary: str
    language: str
    conventions: list[str]
    estimated_hours: float
    restricted: bool
    for_you: bool
    audiences: list[str] = field(default_factory=list)
    #: title and summary in the reader's language (the course's own when not translated)
    display_title: str = ""
    display_summary: str = ""
    #: set by the view: translated convention names and study time
    conventions_text: str = ""
    hours_text: str = ""


@dataclass
class CatalogPage(PageNavigation):
    items: list[CatalogItem]
    total: int
    page: int
    pages: int
    audiences: list[tuple[str, str]]  # (slug, name) for the filter
    languages: list[str]


@dataclass
class FilterChoices:
    audiences: list  # rows (id, slug, name) in display order
    languages: list[str]


def filter_choices() -> FilterChoices:
    """What the catalog can be filtered by: every audience, the published languages."""
    audiences = db.session.execute(
        sa.select(Audience.id, Audience.slug, Audience.name).order_by(Audience.position,
                                                                      Audience.name)
    ).all()
    languages = sorted(set(db.session.scalars(
        sa.select(Course.language).where(Course.published.is_(True)).distinct()
    )) | set(db.session.scalars(
        sa.select(ModuleTranslation.language).join(Module).join(Course)
        .where(Course.published.is_(True)).distinct()
    )))
    return FilterChoices(audiences, languages)


def _catalog_conditions(filters: CatalogFilters) -> list:
    """The WHERE conditions of the catalog query: published, then each filter that is set."""
    conditions = [Course.published.is_(True)]
    if filters.q:
        pattern = f"%{escape_like(filters.q)}%"
        conditions.append(sa.or_(Course.title.ilike(pattern, escape="\\"),
                                 Course.summary.ilike(pattern, escape="\\"),
                                 module_text_matches(filters.q, Course.id)))
    if filters.audience:
        conditions.append(sa.exists().where(
            course_audiences.c.course_id == Course.id,
            course_audiences.c.audience_id == Audience.id,
            Audience.slug == filters.audience,
        ))
    if filters.convention in CONVENTIONS:
        conditions.append(
            (sa.literal(",") + Course.conventions + sa.literal(",")).like(
                f"%,{filters.convention},%")
        )
    if filters.language:
        conditions.append(sa.or_(Course.language == filters.language, sa.exists().where(
            Module.course_id == Course.id, ModuleTranslation.module_id == Module.id,
            ModuleTranslation.language == filters.language)))
    return conditions


def _for_you(user):
    """The ``for_you`` column: 1 for a course of the user's audience, else 0."""
    audience_id = getattr(user, "audience_id", None) if getattr(
        user, "is_authenticated", False) else None
    if audience_id is not None:
        for_you = sa.exists().where(course_audiences.c.course_id == Course.id,
                                    course_audiences.c.audience_id == audience_id)
    else:
        for_you = sa.false()
    for_you = sa.case((for_you, 1), else_=0).label("for_you")
    return for_you


def catalog(user, filters: CatalogFilters, choices: FilterChoices | None = None,
            per_page: int = PER_PAGE) -> CatalogPage:
    """Published courses matching ``filters``, those for the user's audience first."""
    choices = choices or filter_choices()
    audience_rows = choices.audiences
    names = {row.id: row.name for row in audience_rows}
    languages = choices.languages

    conditions = _catalog_conditions(filters)
    for_you = _for_you(user)

    # One query: the page's rows, the total (a window count) and each course's audience ids.
    audience_ids = (
        sa.select(sa.func.aggregate_strings(
            sa.cast(course_audiences.c.audience_id, sa.String), ","))
        .where(course_audiences.c.course_id == Course.id)
        .scalar_subquery()
        .label("audience_ids")
    )
    page = max(1, filters.page)

    def fetch(page: int):
        return db.session.execute(
            sa.select(Course.id, Course.slug, Course.title, Course.summary, Course.language,
                      Course.conventions, Course.estimated_hours, Course.enrolment_policy,
                      for_you, audience_ids, sa.func.count().over().label("total"))
            .where(*conditions)
            .order_by(for_you.desc(), Course.title, Course.id)
            .limit(per_page).offset((page - 1) * per_page)
        ).all()

    rows = fetch(page)
    if not rows and page > 1:  # past the last page (edited URL): show the last one
        total = db.session.scalar(sa.select(sa.func.count(Course.id)).where(*conditions)) or 0
        page = max(1, math.ceil(total / per_page))
        rows = fetch(page)
    total = rows[0].total if rows else 0
    pages = max(1, math.ceil(total / per_page))
    order = {row.id: n for n, row in enumerate(audience_rows)}
    items = []
    for row in rows:
        ids = sorted((int(i) for i in (row.audience_ids or "").split(",") if i),
                     key=lambda i: order.get(i, 0))
        items.append(CatalogItem(
            id=row.id, slug=row.slug, title=row.title, summary=row.summary,
            language=row.language, conventions=[c for c in row.conventions.split(",") if c],
            estimated_hours=row.estimated_hours,
            restricted=row.enrolment_policy.value == "restricted", for_you=bool(row.for_you),
            audiences=[names[i] for i in ids if i in names],
        ))
    localise_titles(items)
    return CatalogPage(
        items=items, total=total, page=page, pages=pages,
        audiences=[(row.slug, row.name) for row in audience_rows], languages=languages,
    )


@dataclass
class ModuleLink:
    id: int
    slug: str
    title: str
    done: bool = False


def module_links(course_id: int, language: str | None = None) -> list[ModuleLink]:
    """The course's modules in order (titles only, not their text); titles in ``language``
    where the module has a version in it. Cached by content version (``elearn.caching``)."""
    rows = cached(cache_key("module-links", content_version(), course_id, language),
                  lambda: _module_link_rows(course_id, language))
    return [ModuleLink(*row) for row in rows]


def _module_link_rows(course_id: int, language: str | None) -> list[tuple[int, str, str]]:
    translated = sa.select(ModuleTranslation.title).where(
        ModuleTranslation.module_id == Module.id, ModuleTranslation.language == language
    ).scalar_subquery() if language else sa.null()
    rows = db.session.execute(
        sa.select(Module.id, Module.slug, sa.func.coalesce(translated, Module.title).label("title"))
        .where(Module.course_id == course_id, Module.archived_at.is_(None))
        .order_by(Module.position, Module.id)
    ).all()
    return [(row.id, row.slug, row.title) for row in rows]


def study_enrolment(user, course: Course):
    """The user's active or completed enrolment in the course, or None."""
    return studying(own_enrolment(user, course))


def own_enrolment(user, course: Course):
    """The user's enrolment in the course whatever its status (withdrawn too), or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return get_enrolment(user.id, course.id)


def mark_done_modules(links: list[ModuleLink], enrolment, done: set[int] | None = None) -> int:
    """Set ``done`` on the links from the enrolment's progress (``done``: its done module ids,
    when already read); returns the number done."""
    if enrolment is None:
        return 0
    if done is None:
        done = done_module_ids(enrolment.id)
    for link in links:
        link.done = link.id in done
    return sum(1 for link in links if link.done)


def get_module(course: Course, module_slug: str) -> Module | None:
    """The module without its text (loaded on first use; the reader gets it from
    :func:`module_version`)."""
    return db.session.scalar(
        sa.select(Module).where(Module.course_id == course.id, Module.slug == module_slug,
                                Module.archived_at.is_(None))
        .options(defer(Module.body_markdown), defer(Module.body_html))
    )


def get_asset(course: Course, path: str):
    return db.session.scalar(
        sa.select(CourseAsset).where(CourseAsset.course_id == course.id, CourseAsset.path == path)
    )


@dataclass(frozen=True)
class ModuleVersion:
    """What a reader sees of a module: its title and rendered HTML in one language."""

    title: str
    html: str
    language: str
    #: a language version of the module (not the course's own text) ...
    translated: bool = False
    #: ... whose source changed since it was translated
    outdated: bool = False


def module_version(module: Module, language: str, original: bool = False) -> ModuleVersion:
    """What a reader of ``language`` sees of ``module``; the course's language when there is
    no version in ``language``. Cached by content version: the module's text, most of the
    page's bytes, is then neither read nor sent by the database."""
    def build() -> ModuleVersion:
        course_language = module.course.language
        if not original and language != course_language:
            translation = db.session.scalar(sa.select(ModuleTranslation).where(
                ModuleTranslation.module_id == module.id, ModuleTranslation.language == language))
            if translation is not None:
                return ModuleVersion(translation.title, translation.body_html, language,
                                     translated=True, outdated=translation.outdated)
        return ModuleVersion(module.title, module.body_html, course_language)

    return cached(cache_key("module-version", content_version(), module.id, language,
                            original), build)


def outdated_translations(course: Course) -> list:
    """(module, translation) pairs whose source changed since they were translated."""
    rows = db.session.execute(
        sa.select(Module, ModuleTranslation)
        .join(ModuleTranslation, ModuleTranslation.module_id == Module.id)
        .where(Module.course_id == course.id, Module.archived_at.is_(None))
        .order_by(Module.position, ModuleTranslation.language)
    ).all()
    return [(module, translation) for module, translation in rows if translation.outdated]


def translation_languages(course: Course) -> list[str]:
    """The languages a course can be read in: its own, then those of its module versions
    (cached by content version)."""
    def build() -> list[str]:
        others = db.session.scalars(
            sa.select(ModuleTranslation.language).join(Module)
            .where(Module.course_id == course.id).distinct().order_by(ModuleTranslation.language)
        ).all()
        return [course.language] + [code for code in others if code != course.language]

    return cached(cache_key("course-languages", content_version(), course.id), build)


def localise_titles(items) -> None:
    """Title and summary of each course (catalog items or Course objects, not flushed) in
    the reader's language, where the course has them (one query for the page)."""
    from flask_babel import get_locale

    reader = str(get_locale() or "").split("_")[0]
    wanted = [item.id for item in items if item.language != reader]
    if not wanted:
        return
    found = {row.course_id: row for row in db.session.execute(
        sa.select(CourseTranslation.course_id, CourseTranslation.title, CourseTranslation.summary)
        .where(CourseTranslation.course_id.in_(wanted), CourseTranslation.language == reader))}
    for item in items:
        row = found.get(item.id)
        if row is not None:
            item.display_title, item.display_summary = row.title, row.summary or item.summary
