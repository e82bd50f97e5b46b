"""People in a report's scope: the participant list (keyset pages) and one person's record.

The list never uses OFFSET: a page link carries the sort value and id of the row it starts after
(or before), so page 1,000 costs what page 1 costs. The list sorts by a person's column (name,
email, country): it walks an index on ``users`` and computes the figures of the page's people
only (see :data:`SORTS`).
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.sql.util import find_tables

from elearn.enrolments.models import EnrolmentStatus
from elearn.extensions import db
from elearn.quizzes.models import AttemptStatus
from elearn.reports import dashboard
from elearn.reports.scope import (
    Scope,
    _enrolments_join,
    attempts,
    audiences,
    certificates,
    conditions,
    courses,
    enrolments,
    quizzes,
    registrations,
    trainer_course_ids,
    users,
    webinars,
)
from elearn.reports.services import _search_condition, _status_count

# -- participant list --------------------------------------------------------------------------


def _participant_aggregates():
    """Per-person figures of the participant list (shown, not sorted by)."""
    return {
        "enrolments": sa.func.count(enrolments.c.id),
        "completed": _status_count(EnrolmentStatus.completed),
        "progress": sa.func.avg(enrolments.c.progress_percent),
        "last_enrolled": sa.func.max(enrolments.c.enrolled_at),
    }


#: the sorts offered: each walks an index of ``users`` (ix_users_centre_name_id, ..._email_id,
#: ..._country_id and their cross-centre forms), so any page costs what the first one costs.
#: Sorting by a per-person figure (enrolments, completed, progress, last enrolment) would
#: aggregate the whole scope on every page (their values depend on the course and date filters,
#: so no index can hold them): those columns are shown but not sortable; anything else sorts by
#: name.
SORTS = ("name", "email", "country")
PERSON_SORTS = {"name": users.c.name, "email": users.c.email, "country": users.c.country}


class BadCursor(ValueError):
    """A page link that was not made by :func:`encode_cursor` (edited or truncated)."""


def encode_cursor(value, user_id: int) -> str:
    if isinstance(value, datetime):
        tagged = ["t", value.isoformat()]
    elif isinstance(value, Decimal):
        tagged = ["d", str(value)]
    else:
        tagged = ["v", value]
    raw = json.dumps([*tagged, user_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[object, int]:
    """(sort value, user id) from a page link; :class:`BadCursor` when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        tag, value, user_id = json.loads(raw)
        if not isinstance(user_id, int) or tag not in ("t", "d", "v"):
            raise BadCursor(text)
        if tag == "t":
            value = datetime.fromisoformat(value)
        elif tag == "d":
            value = Decimal(value)
        elif not isinstance(value, str | int | float):
            raise BadCursor(text)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError) as exc:
        raise BadCursor(text) from exc
    return value, user_id


@dataclass
class ParticipantPage:
    rows: list
    total: int
    #: the link argument of the next page (``after``) and of the previous one (``before``)
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None


def participant_count(scope: Scope, search: str = "") -> int:
    """How many people the list holds: from the rollups when they can say, else counted."""
    if not search.strip():
        return dashboard.participant_total(scope)
    where = [*conditions(scope), _search_condition(search)]
    return db.session.scalar(
        sa.select(sa.func.count(sa.distinct(enrolments.c.user_id)))
        .select_from(_enrolments_join()).where(*where)
    ) or 0


def _seek(key, cursor: tuple[object, int], descending: bool):
    value, user_id = cursor
    if descending:
        return sa.tuple_(key, users.c.id) < sa.tuple_(sa.literal(value, key.type), user_id)
    return sa.tuple_(key, users.c.id) > sa.tuple_(sa.literal(value, key.type), user_id)


def participants(
    scope: Scope, *, search: str = "", sort: str = "name", descending: bool = False,
    after: str | None = None, before: str | None = None, per_page: int = 50,
) -> ParticipantPage:
    """One page of the people with enrolments in ``scope``, with their per-person totals: the
    first page, the one after the cursor ``after``, or the one before ``before``."""
    if sort not in SORTS:
        sort = "name"
    backwards = bool(before)
    cursor = decode_cursor(before) if backwards else (decode_cursor(after) if after else None)
    walk_descending = descending != backwards  # the order rows are fetched in
    aggregates = _participant_aggregates()
    where = conditions(scope)
    if search.strip():
        where.append(_search_condition(search))
    statement = (
        sa.select(
            users.c.id, users.c.name, users.c.email, users.c.country,
            audiences.c.name.label("audience"),
            *(expression.label(name) for name, expression in aggregates.items()),
        )
        .select_from(_enrolments_join().join(audiences, audiences.c.id == users.c.audience_id))
        .where(*where)
        .group_by(users.c.id, users.c.name, users.c.email, users.c.country, audiences.c.name)
    )
    key = PERSON_SORTS[sort]
    # walk the people in index order, keeping those with an enrolment in scope; the conditions
    # on the person (centre, country, audience, search) stay outside the EXISTS, where the
    # planner can seek them in an index (inside it, SQLite walked every person by country)
    on_person, on_enrolment = [], []
    for condition in where:
        mine = set(find_tables(condition, check_columns=True)) == {users}
        (on_person if mine else on_enrolment).append(condition)
    people = sa.select(users.c.id).where(*on_person, sa.exists().where(
        enrolments.c.user_id == users.c.id, *on_enrolment))
    if cursor is not None:
        people = people.where(_seek(key, cursor, walk_descending))
    order = (key.desc(), users.c.id.desc()) if walk_descending else (key, users.c.id)
    ids = db.session.scalars(people.order_by(*order).limit(per_page + 1)).all()
    statement = statement.where(users.c.id.in_(ids))
    rows = db.session.execute(statement.order_by(*order).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    if backwards:
        rows.reverse()

    def cursor_of(row) -> str:
        return encode_cursor(getattr(row, sort), row.id)

    has_next = (cursor is not None) if backwards else more
    has_prev = more if backwards else cursor is not None
    return ParticipantPage(
        rows, participant_count(scope, search),
        cursor_of(rows[-1]) if rows and has_next else None,
        cursor_of(rows[0]) if rows and has_prev else None,
    )


# -- one person --------------------------------------------------------------------------------


@dataclass
class PersonRecord:
    enrolments: list
    quizzes: list
    webinars: list
    certificates: list


def person_record(scope: Scope, user_id: int) -> PersonRecord:
    """A person's courses, best quiz results, webinars and certificates, within ``scope``'s courses."""
    course_filter = []
    if scope.trainer_id is not None:
        course_filter.append(courses.c.id.in_(trainer_course_ids(scope.trainer_id)))
    enrolment_rows = db.session.execute(
        sa.select(
            courses.c.id.label("course_id"), courses.c.title, enrolments.c.status,
            enrolments.c.progress_percent, enrolments.c.enrolled_at, enrolments.c.completed_at,
        )
        .select_from(enrolments.join(courses, courses.c.id == enrolments.c.course_id))
        .where(enrolments.c.user_id == user_id, *course_filter)
        .order_by(enrolments.c.enrolled_at.desc(), enrolments.c.id)
    ).all()
    quiz_rows = db.session.execute(
        sa.select(
            courses.c.title.label("course"), quizzes.c.title.label("quiz"), quizzes.c.pass_mark,
            sa.func.count().label("attempts"), sa.func.max(attempts.c.percent).label("best"),
            sa.func.max(sa.case((attempts.c.passed, 1), else_=0)).label("passed"),
            sa.func.max(attempts.c.submitted_at).label("last_submitted"),
        )
        .select_from(attempts.join(quizzes, quizzes.c.id == attempts.c.quiz_id)
                     .join(courses, courses.c.id == quizzes.c.course_id))
        .where(attempts.c.user_id == user_id, attempts.c.status == AttemptStatus.submitted,
               *course_filter)
        .group_by(courses.c.title, quizzes.c.id, quizzes.c.title, quizzes.c.pass_mark)
        .order_by(courses.c.title, quizzes.c.title)
    ).all()
    webinar_filter = list(course_filter)
    webinar_rows = db.session.execute(
        sa.select(
            webinars.c.title, webinars.c.start_utc, courses.c.title.label("course"),
            registrations.c.status, registrations.c.attended, registrations.c.minutes_attended,
        )
        .select_from(registrations.join(webinars, webinars.c.id == registrations.c.webinar_id)
                     .outerjoin(courses, courses.c.id == webinars.c.course_id))
        .where(registrations.c.user_id == user_id, *webinar_filter)
        .order_by(webinars.c.start_utc.desc())
    ).all()
    certificate_rows = db.session.execute(
        sa.select(
            courses.c.title.label("course"), certificates.c.code, certificates.c.issued_at,
            certificates.c.revoked_at,
        )
        .select_from(certificates.join(courses, courses.c.id == certificates.c.course_id))
        .where(certificates.c.user_id == user_id, *course_filter)
        .order_by(certificates.c.issued_at.desc())
    ).all()
    return PersonRecord(enrolment_rows, quiz_rows, webinar_rows, certificate_rows)


