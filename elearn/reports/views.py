"""Reports pages: the centre dashboard (coordinators), the trainers' reports, participant lists,
one person's record, CSV/XLSX exports; the profile page for API tokens is in ``token_views``.

Each view reads its arguments through a form, works out the scope the user may see (404 for a
centre or person outside it), calls the services and renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import (
    Response,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.i18n import column_labels
from elearn.inputs import parse_int
from elearn.loaders import load_person
from elearn.permissions import can_see_person, ensure, require
from elearn.reference.models import RegionalCentre
from elearn.reference.services import country_names
from elearn.reports import charts, dashboard, exports, people, services
from elearn.reports.api import bp as api_bp
from elearn.reports.blueprint import bp
from elearn.reports.forms import FilterForm, ParticipantFilterForm
from elearn.reports.services import Scope

# isort: split
# the API token pages are routes of the same blueprint, in their own module
from elearn.reports import token_views  # noqa: F401

blueprints = [bp, api_bp]

PER_PAGE = 50
FORMATS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Context:
    """Which report a page belongs to, and the scope the current user may see there."""

    kind: str  # "centre" | "trainer"
    scope: Scope
    centre: RegionalCentre | None
    form: FilterForm

    def endpoint(self, page: str) -> str:
        prefix = "centre" if self.kind == "centre" else "trainer"
        names = {
            "dashboard": "reports.centre_dashboard" if self.kind == "centre"
            else "reports.trainer_reports",
            "participants": f"reports.{prefix}_participants",
            "person": f"reports.{prefix}_person",
            "export_participants": f"reports.{prefix}_export_participants",
            "export_breakdowns": f"reports.{prefix}_export_breakdowns",
        }
        return names[page]

    def filter_args(self, **extra) -> dict:
        """The current filters as URL arguments (to carry them to exports and other pages)."""
        args = {}
        if self.centre is not None and current_user.role is Role.admin:
            args["centre"] = self.centre.id
        if self.scope.course_id is not None:
            args["course"] = self.scope.course_id
        if self.scope.date_from is not None:
            args["date_from"] = self.scope.date_from.isoformat()
        if self.scope.date_to is not None:
            args["date_to"] = self.scope.date_to.isoformat()
        if self.scope.country is not None:
            args["country"] = self.scope.country
        if self.scope.audience_id is not None:
            args["audience"] = self.scope.audience_id
        args.update({key: value for key, value in extra.items() if value not in (None, "")})
        return args


def _centre_of_request() -> RegionalCentre | None:
    """The centre a coordinator (their own) or an admin (``?centre=``, optional) looks at."""
    raw = request.args.get("centre", "")
    user = current_user
    if user.role is Role.admin:
        if not raw:
            return None
        centre_id = parse_int(raw)
        ensure(centre_id is not None)
        centre = db.session.get(RegionalCentre, centre_id)
        ensure(centre is not None)
        return centre
    # a coordinator may name their own centre, never another one
    ensure(not raw or raw == str(user.centre_id))
    return user.centre


def _context(kind: str, form_class=FilterForm) -> Context:
    user = current_user
    if kind == "centre":
        centre = _centre_of_request()
        base = Scope(centre_id=centre.id if centre else None)
        centre_choices = services.centre_choices() if user.role is Role.admin else None
    else:
        centre = None
        base = Scope(trainer_id=None if user.role is Role.admin else user.id)
        centre_choices = None
    course_choices = services.course_choices(base)
    form = form_class(request.args, course_choices=course_choices, centre_choices=centre_choices)
    raw_course = request.args.get("course", "")
    if kind == "trainer" and raw_course:
        # a course that is not theirs does not exist for a trainer
        ensure(parse_int(raw_course) in {cid for cid, _t in course_choices})
    scope = base
    if form.validate():
        scope = base.narrowed(
            course_id=form.course.data, date_from=form.date_from.data, date_to=form.date_to.data
        )
        if isinstance(form, ParticipantFilterForm):
            scope = scope.narrowed(country=form.country.data or None,
                                   audience_id=int(form.audience.data) if form.audience.data
                                   else None)
    return Context(kind, scope, centre, form)


def _country_labels() -> dict[str, str]:
    return country_names(str(get_locale() or "en"))


#: the participant-list argument each breakdown's key goes into (the dashboard's links)
BREAKDOWN_ARGS = {"course": "course", "country": "country", "audience": "audience"}


def participants_link(context: Context, grouping: str, key) -> str | None:
    """The participant list of the people a breakdown row counts (None for "no country")."""
    if key in (None, ""):
        return None
    return url_for(context.endpoint("participants"),
                   **context.filter_args(**{BREAKDOWN_ARGS[grouping]: key}))


def _charts(report: dashboard.Report, context: Context) -> dict:
    def pct(value):
        return "–" if value is None else f"{value * 100:.0f} %"

    def link(grouping, row):
        return participants_link(context, grouping, row.key)

    course_bars = [
        charts.Bar(row.label, row.figures.enrolments, row.figures.completed,
                   _("%(completed)s of %(enrolments)s", completed=row.figures.completed,
                     enrolments=row.figures.enrolments), link("course", row))
        for row in report.breakdowns["course"][:15]
    ]
    # drawn: participants, so sorted by participants (the table keeps enrolments order)
    by_participants = sorted(report.breakdowns["country"],
                             key=lambda row: (-row.figures.participants, row.label))
    country_bars = [
        charts.Bar(row.label, row.figures.participants, None, str(row.figures.participants),
                   link("country", row))
        for row in by_participants[:15]
    ]
    audience_bars = [
        charts.Bar(row.label, (row.figures.completion_rate or 0) * 100, None,
                   pct(row.figures.completion_rate), link("audience", row))
        for row in report.breakdowns["audience"][:15]
    ]
    return {
        "course": charts.bar_chart(
            "chart-course", _("Enrolments and completions by course"),
            _("For each course, the light bar is the number of enrolments and the dark bar the "
              "number of completions. The table next to the chart lists the figures."),
            course_bars),
        "country": charts.bar_chart(
            "chart-country", _("Participants by country"),
            _("Number of participants from each country (largest 15). The table lists them all."),
            country_bars),
        "audience": charts.bar_chart(
            "chart-audience", _("Completion rate by target audience"),
            _("Share of enrolments completed, per target audience. The table lists the figures."),
            audience_bars),
    }


def _dashboard(kind: str):
    context = _context(kind)
    report = dashboard.build_report(context.scope, _country_labels())
    status = 400 if context.form.errors else 200
    return render_template(
        "reports/dashboard.html", ctx=context, report=report, charts=_charts(report, context),
        participants_link=participants_link,
    ), status


def _participants(kind: str):
    context = _context(kind, ParticipantFilterForm)
    form = context.form
    valid = not form.errors
    sort = form.sort.data if valid and form.sort.data in people.SORTS else "name"
    descending = valid and form.order.data == "desc"
    search = (form.q.data or "") if valid else ""
    listing = people.participants(
        context.scope, search=search, sort=sort, descending=descending,
        after=(form.after.data or None) if valid else None,
        before=(form.before.data or None) if valid else None, per_page=PER_PAGE,
    )
    countries = _country_labels()
    narrowed = []  # what a dashboard link narrowed the list to, said above it
    if context.scope.country is not None:
        narrowed.append(_("Only participants from %(country)s.",
                          country=countries.get(context.scope.country, context.scope.country)))
    if context.scope.audience_id is not None:
        audience = dashboard.audience_names().get(context.scope.audience_id, "?")
        narrowed.append(_("Only participants of the target audience %(audience)s.",
                          audience=audience))
    everyone = url_for(context.endpoint("participants"), **{
        key: value for key, value in context.filter_args().items()
        if key not in ("country", "audience")})
    return render_template(
        "reports/participants.html", ctx=context, listing=listing, sort=sort,
        descending=descending, search=search, countries=countries, narrowed=narrowed,
        everyone_url=everyone,
    ), (400 if form.errors else 200)


def _person(kind: str, user_id: int):
    context = _context(kind)
    person = load_person(user_id, can_see_person)
    # an admin looking at one centre (?centre=) sees that centre's people there: the record
    # below is read within the page's scope
    ensure(context.scope.centre_id is None or person.centre_id == context.scope.centre_id)
    record = people.person_record(context.scope, user_id)
    return render_template(
        "reports/person.html", ctx=context, person=person, record=record,
        countries=_country_labels(),
    )


def _download(chunks, filename: str, fmt: str) -> Response:
    response = Response(stream_with_context(chunks), mimetype=FORMATS[fmt].split(";")[0])
    if fmt == "csv":
        response.headers["Content-Type"] = FORMATS["csv"]
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _export_name(context: Context, what: str) -> str:
    if context.kind == "centre":
        return f"{context.centre.slug if context.centre else 'all-centres'}-{what}"
    return f"my-courses-{what}"


#: spreadsheet column widths (characters) of the participants export
EXPORT_WIDTHS = (28, 32, 24, 8, 24, 22, 22, 40, 11, 11, 17, 17, 24)
#: its column types: the country's name, in the user's language, beside its ISO code
EXPORT_KINDS = ("text",) + services.EXPORT_KINDS


def _export_headings() -> list[str]:
    """The participants export's column headings, for people (the CSV keeps the field names)."""
    return [_("Name"), _("Email"), _("Country"), _("ISO code"), _("Target audience"),
            _("Regional centre"), _("Course code"), _("Course"), _("Status"), _("Progress (%)"),
            _("Enrolled (UTC)"), _("Completed (UTC)"), _("Certificate code")]


def _with_country_names(rows, names: dict[str, str]):
    """Export rows with the country's name inserted before its ISO code (column 3)."""
    for row in rows:
        yield (row[0], row[1], names.get(row[2], ""), *row[2:])


def _export_participants(kind: str, fmt: str):
    ensure(fmt in FORMATS)
    context = _context(kind, ParticipantFilterForm)
    search = "" if context.form.errors else (context.form.q.data or "")
    if fmt == "csv":
        rows = services.iter_export_rows(context.scope, search)
        chunks = exports.csv_chunks(services.EXPORT_COLUMNS, rows)
    else:
        rows = _with_country_names(services.iter_export_rows(context.scope, search, typed=True),
                                   _country_labels())
        chunks = exports.xlsx_chunks(
            _export_headings(), rows, title=_("Participants"), kinds=EXPORT_KINDS,
            widths=EXPORT_WIDTHS,
        )
    return _download(chunks, _export_name(context, "participants"), fmt)


def _export_breakdowns(kind: str, fmt: str):
    ensure(fmt in FORMATS)
    context = _context(kind)
    report = dashboard.build_report(context.scope, _country_labels())
    rows = list(dashboard.breakdown_rows(report))  # a few hundred rows at most
    header = column_labels(dashboard.BREAKDOWN_COLUMNS)
    if fmt == "csv":
        chunks = exports.csv_chunks(header, rows)
    else:
        chunks = exports.xlsx_chunks(header, rows, title=_("Breakdowns"))
    return _download(chunks, _export_name(context, "breakdowns"), fmt)


# -- centre (coordinators; admins pick a centre) ----------------------------------------------


@bp.route("/centre")
@require(Role.coordinator)
def centre_dashboard():
    return _dashboard("centre")


@bp.route("/centre/participants")
@require(Role.coordinator)
def centre_participants():
    return _participants("centre")


@bp.route("/centre/participants/<int:user_id>")
@require(Role.coordinator)
def centre_person(user_id: int):
    return _person("centre", user_id)


@bp.route("/centre/export/participants.<fmt>")
@require(Role.coordinator)
def centre_export_participants(fmt: str):
    return _export_participants("centre", fmt)


@bp.route("/centre/export/breakdowns.<fmt>")
@require(Role.coordinator)
def centre_export_breakdowns(fmt: str):
    return _export_breakdowns("centre", fmt)


# -- trainers (their own courses; admins every course) -----------------------------------------


@bp.route("/trainer/reports")
@require(Role.trainer)
def trainer_reports():
    return _dashboard("trainer")


@bp.route("/trainer/reports/participants")
@require(Role.trainer)
def trainer_participants():
    return _participants("trainer")


@bp.route("/trainer/reports/participants/<int:user_id>")
@require(Role.trainer)
def trainer_person(user_id: int):
    return _person("trainer", user_id)


@bp.route("/trainer/reports/export/participants.<fmt>")
@require(Role.trainer)
def trainer_export_participants(fmt: str):
    return _export_participants("trainer", fmt)


@bp.route("/trainer/reports/export/breakdowns.<fmt>")
@require(Role.trainer)
def trainer_export_breakdowns(fmt: str):
    return _export_breakdowns("trainer", fmt)
