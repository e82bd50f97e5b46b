"""Personal access tokens for the read-only API, and the indexes reporting relies on.

The indexes sit on other features' tables; they are declared here as standalone ``sa.Index``
objects so the models match migration 0006, which creates them.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from elearn.accounts.models import User
from elearn.certificates.models import Certificate
from elearn.db_types import UTCDateTime, utcnow
from elearn.enrolments.models import Enrolment
from elearn.extensions import db
from elearn.quizzes.models import QuizAttempt
from elearn.webinars.models import Registration


class ApiToken(db.Model):
    """A personal access token for /api/v1 (read-only). Only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    #: the owner's label, e.g. "national customs system"
    name: Mapped[str] = mapped_column(sa.String(100))
    #: the token's first characters, shown in lists to tell tokens apart (not secret)
    prefix: Mapped[str] = mapped_column(sa.String(16))
    #: hex SHA-256 of the whole token
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: what the token may do; only ``read`` exists
    scope: Mapped[str] = mapped_column(sa.String(20), default="read", server_default="read")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: last successful use (updated at most once a minute)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: set when revoked; a revoked token never works again
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        return self.revoked_at is None


_users = User.__table__
_enrolments = Enrolment.__table__
_attempts = QuizAttempt.__table__
_registrations = Registration.__table__
_certificates = Certificate.__table__

#: a centre's people with the columns the breakdowns group by, read from the index alone
ix_users_centre_country_audience = sa.Index(
    "ix_users_centre_country_audience", _users.c.centre_id, _users.c.country, _users.c.audience_id
)
#: date-range filters and trainers' per-course scans
ix_enrolments_course_enrolled = sa.Index(
    "ix_enrolments_course_enrolled", _enrolments.c.course_id, _enrolments.c.enrolled_at
)
ix_enrolments_enrolled_at = sa.Index("ix_enrolments_enrolled_at", _enrolments.c.enrolled_at)
#: best submitted score per person and quiz, read from the index alone
ix_quiz_attempts_user_quiz_status_percent = sa.Index(
    "ix_quiz_attempts_user_quiz_status_percent",
    _attempts.c.user_id, _attempts.c.quiz_id, _attempts.c.status, _attempts.c.percent,
)
#: a person's valid certificate for a course, read from the index alone
ix_certificates_user_course_revoked = sa.Index(
    "ix_certificates_user_course_revoked",
    _certificates.c.user_id, _certificates.c.course_id, _certificates.c.revoked_at,
)
#: a person's registrations and attendance, read from the index alone
ix_registrations_user_webinar_status = sa.Index(
    "ix_registrations_user_webinar_status",
    _registrations.c.user_id, _registrations.c.webinar_id, _registrations.c.status,
    _registrations.c.attended,
)


@sa.event.listens_for(User.password_hash, "set", active_history=True)
def _password_change_revokes_api_tokens(user, value, oldvalue, initiator):
    """A new password (change or reset) revokes every API token of the user, as it ends their
    calendar feed (elearn.webinars.models): a token that leaked with a compromised account must
    not survive the reset."""
    if oldvalue in (None, sa.orm.attributes.NO_VALUE, sa.orm.attributes.NEVER_SET) \
            or value == oldvalue or user.id is None:
        return
    session = sa.orm.object_session(user)
    if session is None:
        return
    now = utcnow()
    with session.no_autoflush:
        for token in session.scalars(sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None)
        )):
            token.revoked_at = now


#: keyset pages of a centre's participant list (reports.people), by name or by email
ix_users_centre_name_id = sa.Index("ix_users_centre_name_id", _users.c.centre_id, _users.c.name,
                                   _users.c.id)
ix_users_centre_email_id = sa.Index("ix_users_centre_email_id", _users.c.centre_id,
                                    _users.c.email, _users.c.id)
#: keyset pages across centres (trainers, admins) by name
ix_users_name_id = sa.Index("ix_users_name_id", _users.c.name, _users.c.id)
#: keyset pages by country (in a centre, across centres) and by email across centres
ix_users_centre_country_id = sa.Index("ix_users_centre_country_id", _users.c.centre_id,
                                      _users.c.country, _users.c.id)
ix_users_country_id = sa.Index("ix_users_country_id", _users.c.country, _users.c.id)
ix_users_email_id = sa.Index("ix_users_email_id", _users.c.email, _users.c.id)


# -- rollups: the dashboard figures, kept current as facts change (see reports.rollups) ---------
#
# Summary rows carry no foreign keys: they are derived data, rebuilt by ``flask reports rebuild``.
# ``centre_id`` is 0 for people without a regional centre (a primary key column cannot be NULL).


class ReportFact(db.Model):
    """One enrolment as the rollups last counted it (so a change can be subtracted exactly)."""

    __tablename__ = "report_facts"

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    course_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: the person's regional centre, 0 for none
    centre_id: Mapped[int] = mapped_column()
    #: the person's country (ISO 3166-1 alpha-2)
    country: Mapped[str] = mapped_column(sa.String(2))
    #: the person's target audience
    audience_id: Mapped[int] = mapped_column()
    #: the UTC day of enrolment
    day: Mapped[datetime] = mapped_column(sa.Date)
    #: 1 when the enrolment is active, else 0
    active: Mapped[int] = mapped_column()
    #: 1 when completed, else 0
    completed: Mapped[int] = mapped_column()
    #: 1 when withdrawn, else 0
    withdrawn: Mapped[int] = mapped_column()
    #: whole days from enrolment to completion (completed enrolments only)
    done_days: Mapped[int | None] = mapped_column()
    #: sum of the best submitted score (percent) of each quiz of the course
    quiz_total: Mapped[float] = mapped_column(sa.Float)
    #: number of quizzes with a submitted score
    quiz_n: Mapped[int] = mapped_column()
    #: 1 with a valid (unrevoked) certificate, else 0
    cert: Mapped[int] = mapped_column()
    #: webinar registrations (not cancelled) for the course's webinars
    reg_n: Mapped[int] = mapped_column()
    #: of which attended
    reg_attended: Mapped[int] = mapped_column()


ix_report_facts_user = sa.Index("ix_report_facts_user_id", ReportFact.__table__.c.user_id)
#: distinct participants of a centre over a date range, read from the index alone
ix_report_facts_centre_day = sa.Index(
    "ix_report_facts_centre_day", *(ReportFact.__table__.c[name] for name in (
        "centre_id", "day", "user_id", "course_id", "country", "audience_id"))
)

ROLLUP_KEY = ("period", "centre_id", "start", "course_id", "country", "audience_id")


class ReportRollup(db.Model):
    """Sums of the enrolments of one group (centre, course, country, audience) over one period:
    ``a`` all time (start 1970-01-01), ``m`` the month beginning at ``start``, ``d`` that day."""

    __tablename__ = "report_rollups"

    #: a (all time), m (month) or d (day)
    period: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: first day of the period (enrolment day)
    start: Mapped[datetime] = mapped_column(sa.Date, primary_key=True)
    course_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    audience_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    enrolments: Mapped[int] = mapped_column(default=0, server_default="0")
    in_progress: Mapped[int] = mapped_column(default=0, server_default="0")
    completed: Mapped[int] = mapped_column(default=0, server_default="0")
    withdrawn: Mapped[int] = mapped_column(default=0, server_default="0")
    quiz_total: Mapped[float] = mapped_column(sa.Float, default=0, server_default="0")
    quiz_n: Mapped[int] = mapped_column(default=0, server_default="0")
    certificates: Mapped[int] = mapped_column(default=0, server_default="0")
    registrations: Mapped[int] = mapped_column(default=0, server_default="0")
    attended: Mapped[int] = mapped_column(default=0, server_default="0")


#: one grouping's summary rows (a projection: see rollup_sql.sum_groupings) for a period range:
#: equalities on (period, centre, course, audience) and an equality or a range on country, then
#: the period starts (dashboard._grouping_rows)
ix_report_rollups_grouping = sa.Index(
    "ix_report_rollups_grouping", *(ReportRollup.__table__.c[name] for name in (
        "period", "centre_id", "course_id", "audience_id", "country", "start"))
)
#: the countries' and audiences' rows of a (centre, course) in a period range, read together
ix_report_rollups_course_start = sa.Index(
    "ix_report_rollups_course_start", *(ReportRollup.__table__.c[name] for name in (
        "period", "centre_id", "course_id", "start"))
)


class ReportCompletionHistogram(db.Model):
    """How many completed enrolments of one group and period took each number of whole days
    (for medians), packed in one value (``reports.histograms``): a dashboard reads one row per
    group and period, not one per group, period and day."""

    __tablename__ = "report_completion_histograms"

    #: a (all time), m (month) or d (day)
    period: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    #: a centre, 0 for people without one, -1 for every centre
    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: a course, 0 for every course
    course_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: first day of the period (enrolment day)
    start: Mapped[datetime] = mapped_column(sa.Date, primary_key=True)
    #: a country, '' for every country
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    #: an audience, 0 for every audience
    audience_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: (whole days, count) pairs in ascending days, 32-bit little-endian integers
    counts: Mapped[bytes] = mapped_column(sa.LargeBinary)


#: one grouping's histograms for a period range: equalities on (period, centre, course,
#: audience) and an equality or a range on country, then the period starts
#: (dashboard._median_statement); the primary key serves countries and audiences together
ix_report_completion_histograms_grouping = sa.Index(
    "ix_report_completion_histograms_grouping", *(
        ReportCompletionHistogram.__table__.c[name] for name in (
            "period", "centre_id", "course_id", "audience_id", "country", "start"))
)


class ReportMedian(db.Model):
    """The all-time median days to complete of one histogram group
    (``report_completion_histograms`` with period ``a``): what a dashboard without a date or
    trainer filter reads, one row per figure. Kept current with the histograms."""

    __tablename__ = "report_medians"

    #: a centre, 0 for people without one, -1 for every centre
    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: a course, 0 for every course
    course_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: a country, '' for every country
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    #: an audience, 0 for every audience
    audience_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: the median of the group's whole days to complete
    median_days: Mapped[float] = mapped_column(sa.Float)


class ReportPeople(db.Model):
    """People with at least one enrolment, per centre, country and audience (all time)."""

    __tablename__ = "report_people"

    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    audience_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    participants: Mapped[int] = mapped_column(default=0, server_default="0")


class ReportParticipantSet(db.Model):
    """The people (a Roaring bitmap of user ids) with an enrolment in one group and period, so
    that distinct participants over any date range or set of courses are a union of a few sets
    (``reports.participant_sets``). A row is either a country's (audience 0) or an audience's
    (country '') people: each person has one country and one audience, so the total is the sum
    of the countries."""

    __tablename__ = "report_participant_sets"

    #: a (all time, by course only), m (month) or d (day)
    period: Mapped[str] = mapped_column(sa.String(1), primary_key=True)
    #: a centre, 0 for people without one, -1 for every centre
    centre_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: a course, 0 for every course
    course_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: first day of the period (enrolment day)
    start: Mapped[datetime] = mapped_column(sa.Date, primary_key=True)
    #: a country, '' in an audience's row
    country: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    #: an audience, 0 in a country's row
    audience_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: the user ids, a serialized Roaring bitmap (portable format)
    people: Mapped[bytes] = mapped_column(sa.LargeBinary)
