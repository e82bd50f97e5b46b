"""Bulk enrolment from a CSV file: parse, preview row by row, then apply in one transaction.

File: UTF-8 (a BOM is accepted), Windows-1252 or Latin-1 (Excel's plain "CSV"), comma- or
semicolon-separated, with a header row naming the
columns ``email,name,audience,country`` and optionally ``centre`` (in any order; other columns
are ignored). Audience: slug or name; country: ISO 3166-1 alpha-2 code or English name (case,
accents and straight or curly apostrophes do not matter);
centre: slug or name of a regional centre.

Who may enrol whom:
- trainers: anyone, into the courses they train; admins: anyone into any course;
- coordinators: only the people of *their* centre. A row's centre must be blank (it is then
  taken as theirs) or name their own centre; an existing account must already belong to their
  centre. New accounts get the coordinator's centre.

The preview makes a fixed number of queries whatever the size of the file (audiences, centres,
the users named in the file, their enrolments in the course); applying adds bulk inserts.
Existing accounts are never changed (name, audience, country, centre stay as they are).
Running the same file twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from elearn.accounts.models import Role, User, new_session_token
from elearn.accounts.services import RESET_MAX_AGE, get_user_by_email, valid_email
from elearn.courses.models import Course, EnrolmentPolicy
from elearn.db_types import utcnow
from elearn.enrolments import completion
from elearn.enrolments.models import Enrolment, EnrolmentSource, EnrolmentStatus
from elearn.extensions import db
from elearn.mail import RESET_LINK, send_mails
from elearn.permissions import can_manage_course
from elearn.reference.models import Audience, RegionalCentre
from elearn.reference.services import country_key, country_lookup
from elearn.urls import absolute_url

IN_CHUNK = 5_000

# outcomes of a row
CREATE = "create"  # new account, then enrolled
ENROL = "enrol"  # existing account, enrolled
REENROL = "reenrol"  # withdrawn earlier, enrolled again (progress kept)
ALREADY = "already"  # nothing to do
ERROR = "error"


@dataclass
class Row:
    line: int
    email: str
    name: str
    audience: str
    country: str
    centre: str
    outcome: str = ERROR
    #: every problem found in the row (the preview lists them all)
    errors: list[str] = field(default_factory=list)
    user_id: int | None = None
    audience_id: int | None = None
    centre_id: int | None = None
    enrolment_id: int | None = None

    @property
    def error(self) -> str:
        """The row's problems as one text (the CSV report's cell)."""
        return " ".join(self.errors)


@dataclass
class Preview:
    rows: list[Row]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def writable(self) -> int:
        """Rows that confirming would change."""
        return sum(self.counts.get(k, 0) for k in (CREATE, ENROL, REENROL))


@dataclass
class Result:
    created: int
    enrolled: int
    reenrolled: int
    already: int
    errors: int
    #: (user id, email, name, session token) of the accounts created, for the welcome mail
    new_accounts: list[tuple[int, str, str, str]]


def may_bulk_enrol(user, course: Course) -> bool:
    """Trainers of the course, admins, and coordinators (for published courses)."""
    if not getattr(user, "is_authenticated", False):
        return False
    if can_manage_course(user, course):
        return True
    return user.role is Role.coordinator and user.centre_id is not None and course.published


def _valid_email(value: str) -> str | None:
    """The normalised address, or None: the one rule in accounts.services.valid_email."""
    return valid_email(value)


def _lookup(items, *attrs) -> dict[str, object]:
    table: dict[str, object] = {}
    for item in items:
        for attr in attrs:
            table.setdefault(str(getattr(item, attr)).strip().lower(), item)
    return table


def _in_chunks(values: list):
    for start in range(0, len(values), IN_CHUNK):
        yield values[start:start + IN_CHUNK]


@dataclass
class _PreviewContext:
    """What every row of a preview is checked against (read once per file)."""
    audience_by_key: dict[str, object]
    centre_by_key: dict[str, object]
    country_by_key: dict[str, str]
    #: audience ids a restricted course admits (None: any)
    allowed_audiences: set[int] | None
    #: the coordinator's own centre, when a coordinator (not a trainer of the course) enrols
    coordinator_centre: int | None
    #: the unique, valid email of each row
    emails: dict[str, Row]
    users: dict[str, tuple] = field(default_factory=dict)
    enrolments: dict[int, tuple] = field(default_factory=dict)


def preview(records: list[tuple[int, dict[str, str]]], course: Course, actor) -> Preview:
    """Decide what each row would do, without writing anything."""
    audiences = list(db.session.scalars(sa.select(Audience)))
    centres = list(db.session.scalars(sa.select(RegionalCentre)))
    rows = [Row(line=line, email=v.get("email", ""), name=v.get("name", ""),
                audience=v.get("audience", ""), country=v.get("country", ""),
                centre=v.get("centre", "")) for line, v in records]
    context = _PreviewContext(
        audience_by_key=_lookup(audiences, "slug", "name"),
        centre_by_key=_lookup(centres, "slug", "name"),
        country_by_key=country_lookup("en"),
        allowed_audiences=(
            {a.id for a in course.audiences}
            if course.enrolment_policy is EnrolmentPolicy.restricted else None
        ),
        coordinator_centre=actor.centre_id if actor.role is Role.coordinator and not (
            can_manage_course(actor, course)) else None,
        emails=_unique_emails(rows),
    )
    _load_existing(context, course)
    # Every check runs on every row, so the preview lists all of a row's problems at once.
    for row in rows:
        audience = _check_references(row, context)
        if context.emails.get(row.email) is not row:
            continue  # a bad or repeated email: who it is cannot be known
        _decide_outcome(row, context, audience)

    counts: dict[str, int] = {}
    for row in rows:
        if row.error:
            row.outcome = ERROR
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return Preview(rows=rows, counts=counts)


def _unique_emails(rows: list[Row]) -> dict[str, Row]:
    """Normalise each row's email; a bad or repeated one is an error on its row."""
    emails: dict[str, Row] = {}
    for row in rows:
        normal = _valid_email(row.email)
        if normal is None:
            existing = get_user_by_email(row.email or "")  # an existing account is never bad
            if existing is None:
                row.errors.append(_("Bad email address."))
                continue
            normal = existing.email
        if normal in emails:
            row.errors.append(_("Duplicate row: %(email)s is already on line %(line)s.",
                                email=normal, line=emails[normal].line))
            continue
        emails[normal] = row
        row.email = normal
    return emails


def _load_existing(context: _PreviewContext, course: Course) -> None:
    """The accounts of the file's emails and their enrolments in the course, in chunks."""
    users = context.users
    for chunk in _in_chunks(list(context.emails)):
        for user in db.session.execute(
            sa.select(User.id, User.email, User.audience_id, User.centre_id, User.active)
            .where(User.email.in_(chunk))
        ):
            users[user.email] = user
    enrolments = context.enrolments
    user_ids = [user.id for user in users.values()]
    for chunk in _in_chunks(user_ids):
        for enrolment in db.session.execute(
            sa.select(Enrolment.id, Enrolment.user_id, Enrolment.status)
            .where(Enrolment.course_id == course.id, Enrolment.user_id.in_(chunk))
        ):
            enrolments[enrolment.user_id] = enrolment


def _check_references(row: Row, context: _PreviewContext):
    """Audience, country and centre of a row; returns the audience (None when unknown)."""
    audience = context.audience_by_key.get(row.audience.lower())
    if audience is None:
        row.errors.append(_("Unknown audience \"%(value)s\".", value=row.audience))
    country = context.country_by_key.get(country_key(row.country))
    if country is None:
        row.errors.append(_("Unknown country \"%(value)s\" (use a two-letter ISO code).",
                            value=row.country))
    else:
        row.country = country
    centre = None
    if row.centre:
        centre = context.centre_by_key.get(row.centre.lower())
        if centre is None:
            row.errors.append(_("Unknown centre \"%(value)s\".", value=row.centre))
    coordinator_centre = context.coordinator_centre
    if coordinator_centre is not None:
        if centre is not None and centre.id != coordinator_centre:
            row.errors.append(_("This person is not of your centre (the centre column must "
                                "be blank or your centre)."))
        row.centre_id = coordinator_centre
    else:
        row.centre_id = centre.id if centre is not None else None
    return audience


def _decide_outcome(row: Row, context: _PreviewContext, audience) -> None:
    """Create, enrol, re-enrol or already enrolled, for a row whose person is known."""
    allowed_audiences = context.allowed_audiences
    existing = context.users.get(row.email)
    if existing is None:
        if not row.name:
            row.errors.append(_("A name is needed to create the account."))
        elif len(row.name) > 200:
            row.errors.append(_("The name is longer than 200 characters."))
        if audience is not None:
            row.audience_id = audience.id
            if allowed_audiences is not None and audience.id not in allowed_audiences:
                row.errors.append(
                    _("Audience not allowed for this course (restricted course)."))
        if not row.errors:
            row.outcome = CREATE
        return
    row.user_id = existing.id
    row.audience_id = existing.audience_id
    if context.coordinator_centre is not None and existing.centre_id != context.coordinator_centre:
        row.errors.append(_("This account is not of your centre."))
    if not existing.active:
        row.errors.append(_("This account is disabled."))
    if row.errors:
        return
    enrolment = context.enrolments.get(existing.id)
    if enrolment is not None and enrolment.status is not EnrolmentStatus.withdrawn:
        row.enrolment_id = enrolment.id
        row.outcome = ALREADY
        return
    if allowed_audiences is not None and existing.audience_id not in allowed_audiences:
        row.errors.append(_("Audience not allowed for this course (restricted course)."))
        return
    if enrolment is not None:
        row.enrolment_id = enrolment.id
        row.outcome = REENROL
    else:
        row.outcome = ENROL


def apply(records: list[tuple[int, dict[str, str]]], course: Course, actor) -> Result:
    """Validate again (the data may have changed since the preview) and write the valid rows.

    Everything is flushed in the caller's transaction: the view commits once. Rows with errors
    are skipped.
    """
    checked = preview(records, course, actor)
    now = utcnow()
    create = [row for row in checked.rows if row.outcome == CREATE]
    locale = current_app.config["DEFAULT_LOCALE"]
    new_accounts: list[tuple[int, str, str, str]] = []
    if create:
        tokens = {row.email: new_session_token() for row in create}
        db.session.execute(sa.insert(User.__table__), [  # Core executemany: no ORM rows
            {"email": row.email, "name": row.name, "password_hash": None, "role": Role.learner,
             "audience_id": row.audience_id, "country": row.country, "timezone": "UTC",
             "locale": locale, "centre_id": row.centre_id, "session_token": tokens[row.email],
             "active": True, "created_at": now}
            for row in create
        ])
        ids: dict[str, int] = {}
        for chunk in _in_chunks([row.email for row in create]):
            ids.update((email, user_id) for email, user_id in db.session.execute(
                sa.select(User.email, User.id).where(User.email.in_(chunk))
            ))
        for row in create:
            row.user_id = ids[row.email]
            new_accounts.append((row.user_id, row.email, row.name, tokens[row.email]))
    fresh = [row for row in checked.rows if row.outcome in (CREATE, ENROL)]
    if fresh:
        db.session.execute(sa.insert(Enrolment.__table__), [
            {"user_id": row.user_id, "course_id": course.id, "status": EnrolmentStatus.active,
             "source": EnrolmentSource.bulk, "enrolled_at": now, "progress_percent": 0}
            for row in fresh
        ])
    again = [row for row in checked.rows if row.outcome == REENROL]
    for row in again:  # rare: each keeps its progress and may complete at once
        enrolment = db.session.get(Enrolment, row.enrolment_id)
        enrolment.status = EnrolmentStatus.active
        completion.recompute_progress(enrolment)
    db.session.flush()
    return Result(
        created=len(create), enrolled=len(fresh), reenrolled=len(again),
        already=checked.counts.get(ALREADY, 0), errors=checked.counts.get(ERROR, 0),
        new_accounts=new_accounts,
    )


def send_welcome_mail(new_accounts: list[tuple[int, str, str, str]], course: Course) -> int:
    """Queue a mail telling each new account holder how to set a password, in the caller's
    transaction (before its commit), with one INSERT whatever the number. Returns how many.

    The password link is made by the worker when it delivers the mail (``mail.RESET_LINK``)."""
    forgot = absolute_url("accounts.forgot_password")
    hours = RESET_MAX_AGE // 3600
    # built once, filled per person (10,000 rows: one catalogue look-up)
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        subject = _("Your elearn account for %(course)s", course=course.title)
        template = _(
            "Hello %(name)s,\n\nAn account was created for you on elearn and you are "
            "enrolled in \"%(course)s\".\n\nChoose your password within %(hours)s hours "
            "here:\n%(link)s\n\nLater, ask for a new link at %(forgot)s")
    mails = []
    for user_id, email, name, _session_token in new_accounts:
        mails.append((email, subject, template % {
            "name": name, "course": course.title, "hours": hours, "link": RESET_LINK,
            "forgot": forgot}, user_id))
    return send_mails(mails)
