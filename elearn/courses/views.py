"""Courses pages: catalog, course page, module reader, mark as done, images, upload."""

from __future__ import annotations

import math
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from elearn import caching, page_cache
from elearn.accounts.models import Role
from elearn.courses import services
from elearn.courses.forms import CONVENTION_NAMES, CatalogFilterForm, MarkDoneForm, UploadForm
from elearn.courses.models import Course
from elearn.courses.sections import course_sections, done_modules
from elearn.courses.uploads import import_upload, limits
from elearn.enrolments.services import mark_module_done, studying
from elearn.extensions import db
from elearn.loaders import load_course
from elearn.permissions import can_manage_course, can_study, ensure, require
from elearn.quizzes.models import Quiz

bp = Blueprint("courses", __name__, url_prefix="/courses")


def _no_store(response: Response) -> Response:
    """Pages that show a learner's own progress are never kept by shared caches."""
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


#: catalog arguments whose pages are cached (a search, with its free text, is not)
CACHED_CATALOG_ARGS = frozenset({"audience", "convention", "language", "page"})


@bp.route("")
@page_cache.personal_page(args=CACHED_CATALOG_ARGS | {"q"})
def catalog():
    reader_audience = current_user.audience_id if current_user.is_authenticated else None
    args = sorted(request.args.items(multi=True))
    etag = caching.public_etag("catalog", args)
    unchanged = caching.not_modified(etag)
    if unchanged is not None:
        return unchanged
    key = None
    if all(name in CACHED_CATALOG_ARGS and len(value) <= 40 for name, value in args):
        key = caching.cache_key("catalog", caching.content_version(), get_locale(),
                                reader_audience, args)
    body = caching.cache_get(key)
    form = None
    if body is None:
        form, body = _catalog_body()
        if not form.errors:  # an edited URL with a bad value is shown, not kept
            caching.cache_set(key, body)
    return caching.conditional(Response(render_template(
        "courses/catalog.html", body=Markup(body), form=form,
        can_upload=current_user.is_authenticated and current_user.role in (Role.trainer,
                                                                           Role.admin),
    )), etag)


def _catalog_body():
    """(filter form, HTML of the catalog below its title) for this request's filters."""
    choices = services.filter_choices()
    form = CatalogFilterForm(request.args, [(a.slug, a.name) for a in choices.audiences],
                             choices.languages)
    filters = form.filters()
    result = services.catalog(current_user, filters, choices)
    _label_items(result.items)
    return form, render_template(
        "courses/_catalog_body.html", form=form, result=result, filters=filters,
        course_url=url_for("courses.show", slug="x")[:-1])


def _label_items(items) -> None:
    """Translated texts of each catalog item, computed once per distinct value."""
    conventions = {key: str(name) for key, name in CONVENTION_NAMES.items()}
    hours: dict[float, str] = {}
    for item in items:
        item.conventions_text = ", ".join(conventions[c] for c in item.conventions
                                          if c in conventions)
        if item.estimated_hours not in hours:
            hours[item.estimated_hours] = ngettext(
                "%(hours)s hour", "%(hours)s hours", math.ceil(item.estimated_hours),
                hours=format_decimal(item.estimated_hours))
        item.hours_text = hours[item.estimated_hours]


@bp.route("/<slug>")
@page_cache.personal_page()
def show(slug: str):
    course = load_course(slug)
    # the enrolment box also shows a withdrawn enrolment (to enrol again); studying needs more
    record = services.own_enrolment(current_user, course)
    enrolment = studying(record)
    modules = services.module_links(course.id, _reader_language())
    done = services.mark_done_modules(
        modules, enrolment, done_modules(enrolment) if enrolment is not None else None)
    user_audience = current_user.audience_id if current_user.is_authenticated else None
    can_manage = can_manage_course(current_user, course)
    services.localise_titles([course])
    # visitors revalidate (the page shows upcoming webinars: the ETag is the body's)
    return caching.with_body_etag(_no_store(Response(render_template(
        "courses/show.html", course=course, enrolment=enrolment, modules=modules, done=done,
        # module slugs are URL-safe: one URL built, not one per module
        module_url=url_for("courses.module", slug=course.slug, module_slug="x")[:-1],
        sections=course_sections(course, current_user, enrolment, record),
        for_you=any(a.id == user_audience for a in course.audiences),
        can_read=can_study(current_user, course, enrolment),
        can_manage=can_manage, convention_names=CONVENTION_NAMES,
        course_languages=services.translation_languages(course),
        outdated=services.outdated_translations(course) if can_manage else [],
    ))))


def _reader_language() -> str:
    return str(get_locale() or "en").split("_")[0]


@bp.route("/<slug>/modules/<module_slug>")
@page_cache.personal_page(args=frozenset({"original"}))
def module(slug: str, module_slug: str):
    course = load_course(slug)
    enrolment = services.study_enrolment(current_user, course)
    if not can_study(current_user, course, enrolment):
        flash(_("Enrol in this course to read its modules."), "info")
        return redirect(url_for("courses.show", slug=course.slug))
    current = services.get_module(course, module_slug)
    ensure(current is not None)
    modules = services.module_links(course.id, _reader_language())
    services.mark_done_modules(modules, enrolment)
    index = next(i for i, link in enumerate(modules) if link.id == current.id)
    reader = _reader_language()
    original = request.args.get("original") == "1"
    version = services.module_version(current, reader, original=original)
    return _no_store(Response(render_template(
        "courses/module.html", course=course, module=current, enrolment=enrolment,
        title=version.title, html=version.html, content_language=version.language,
        translation=version if version.translated else None,
        reader_language=reader, original_requested=original,
        position=index + 1, count=len(modules), done=modules[index].done,
        next_quiz=_quiz_after(course, current.slug, last=index + 1 == len(modules)),
        previous=modules[index - 1] if index > 0 else None,
        next=modules[index + 1] if index + 1 < len(modules) else None,
        form=MarkDoneForm(),
    )))


@bp.route("/<slug>/modules/<module_slug>/done", methods=["POST"])
@require()
def mark_done(slug: str, module_slug: str):
    course = load_course(slug)
    enrolment = services.study_enrolment(current_user, course)
    ensure(enrolment is not None)  # only one's own enrolment, in a course one studies
    current = services.get_module(course, module_slug)
    ensure(current is not None)
    form = MarkDoneForm()
    if not form.validate_on_submit():
        abort(400)
    mark_module_done(enrolment, current)
    db.session.flush()
    # stay on the module: the message names it, and the page offers the next step
    flash(_("“%(title)s” is marked as done.", title=current.title), "success")
    return redirect(url_for("courses.module", slug=course.slug, module_slug=current.slug))


@dataclass(frozen=True)
class QuizLink:
    slug: str
    title: str


def _quiz_after(course, module_slug: str, last: bool) -> QuizLink | None:
    """The quiz that follows a module (one placed after it, or after the last module); cached
    by content version."""
    def build():
        placed = Quiz.after_module_slug == module_slug
        if last:
            placed = sa.or_(placed, Quiz.after_module_slug.is_(None))
        row = db.session.execute(
            sa.select(Quiz.slug, Quiz.title)
            .where(Quiz.course_id == course.id, Quiz.archived_at.is_(None), placed)
            .order_by(Quiz.position, Quiz.id).limit(1)).first()
        return ("quiz", *row) if row else ("none",)

    found = caching.cached(caching.cache_key("quiz-after", caching.content_version(), course.id,
                                             module_slug, last), build)
    return QuizLink(*found[1:]) if found[0] == "quiz" else None


@bp.route("/<slug>/assets/<path:path>")
def asset(slug: str, path: str):
    """A course image: only stored raster images, with their verified type, never HTML."""
    course = load_course(slug)
    # the images of a course are part of its modules: the same people read both
    enrolment = services.study_enrolment(current_user, course)
    ensure(can_study(current_user, course, enrolment))
    row = services.get_asset(course, path)
    ensure(row is not None)
    response = Response(row.data, mimetype=row.content_type)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    response.cache_control.max_age = 3600
    response.cache_control.private = True  # never in a shared cache: access depends on the user
    response.vary.add("Cookie")
    response.set_etag(row.sha256)
    return response.make_conditional(request)


@bp.route("/upload", methods=["GET", "POST"])
@require(Role.trainer)
def upload():
    max_bytes = limits()["max_bytes"]
    form = UploadForm(max_bytes=max_bytes)
    result = None
    if form.validate_on_submit():
        result = import_upload(form.archive_bytes, current_user)
        if result.ok:
            db.session.flush()
            imported = db.session.scalar(sa.select(Course.title).where(Course.slug == result.slug))
            flash(_("The course “%(title)s” was imported.", title=imported or result.slug), "success")
        else:
            db.session.rollback()
    status = 422 if (result is not None and not result.ok) or form.errors else 200
    return render_template("courses/upload.html", form=form, result=result,
                           max_mb=max_bytes // (1024 * 1024)), status
