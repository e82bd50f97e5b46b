"""Webinar forms: each validates on the server with a message next to the field."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from elearn.accounts.models import Role
from elearn.courses.models import Course
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.inputs import no_control_characters, sensible_date
from elearn.reference import services as reference
from elearn.webinars.schedule import (
    MAX_SESSIONS,
    LocalTimeError,
    build_rrule,
    local_to_utc,
    parse_rrule,
    series_starts,
)
from elearn.webinars.services import WebinarData


def manageable_courses(user) -> list[Course]:
    """Courses a user may tie webinars to: all for admins, their own for trainers."""
    query = sa.select(Course).order_by(Course.title)
    if user.role is not Role.admin:
        query = query.where(Course.trained_by(user.id))
    return list(db.session.scalars(query))


def _local_time_message(error: LocalTimeError) -> str:
    if error.kind == "nonexistent":
        return _l("This time does not exist in %(zone)s on that day (the clocks go forward). "
                  "Choose a time outside the skipped hour.", zone=error.zone)
    return _l("This time happens twice in %(zone)s on that day (the clocks go back). "
              "Choose a time outside the repeated hour.", zone=error.zone)


class WebinarForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=300)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    course = SelectField(_l("Course"), choices=[], validate_choice=False,
                         description=_l("Optional: learners of the course see it in their calendar."))
    start_date = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date.")),
                                                   sensible_date])
    start_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False,
                           description=_l("The time zone the date and time are in."))
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=60,
        validators=[InputRequired(_l("Enter the duration.")),
                    NumberRange(min=10, max=600, message=_l("Between 10 and 600 minutes."))],
    )
    join_url = URLField(_l("Join link"),
                        validators=[DataRequired(), Length(max=500), no_control_characters],
                        description=_l("The https address of the meeting room."))
    capacity = IntegerField(
        _l("Places"), default=0,
        validators=[InputRequired(), NumberRange(min=0, max=100000, message=_l("0 or more."))],
        description=_l("0 means no limit; when full, people join a waiting list."),
    )
    attendance_threshold = IntegerField(
        _l("Attendance threshold (%)"), default=75,
        validators=[InputRequired(), NumberRange(min=1, max=100, message=_l("Between 1 and 100."))],
        description=_l("Share of a session a person must attend to count as attended."),
    )
    sessions_required = IntegerField(
        _l("Sessions to attend"), default=1,
        validators=[Optional(), NumberRange(min=1, max=MAX_SESSIONS,
                                            message=_l("Between 1 and the number of sessions."))],
        description=_l("For a series: how many sessions a person must attend (one report per "
                       "session) for the webinar to count, e.g. toward a course's completion."),
    )
    is_public = BooleanField(_l("Public (listed for everyone and in the public calendar)"),
                             default=True)
    repeat = SelectField(_l("Repeat"), choices=[
        ("none", _l("Does not repeat")), ("weekly", _l("Weekly")), ("monthly", _l("Monthly")),
    ], default="none")
    count = IntegerField(_l("Number of sessions"), validators=[Optional()],
                         description=_l("For a series: how many sessions, or give an end date."))
    until = DateField(_l("Last date"), validators=[Optional(), sensible_date],
                      description=_l("For a series: no session after this date."))

    def __init__(self, user, *args, webinar=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.webinar = webinar
        self._courses = {str(c.id): c for c in manageable_courses(user)}
        if webinar is not None and webinar.course_id and str(webinar.course_id) not in self._courses:
            self._courses[str(webinar.course_id)] = webinar.course
        self.course.choices = [("", _l("No course"))] + [
            (key, c.title) for key, c in self._courses.items()
        ]
        if not self.is_submitted():
            if webinar is not None:
                self._fill(webinar)
            else:
                self.timezone.data = user.timezone
        # the accounts' zone list; a saved alias (US/Eastern) shows as its current id
        self._kept_zone = webinar.timezone if webinar is not None else user.timezone
        kept = self.timezone.data if self.timezone.data == self._kept_zone else None
        self.timezone.choices, shown = reference.timezone_select(kept, str(get_locale() or "en"))
        if kept:
            self.timezone.data = shown

    def _fill(self, webinar) -> None:
        local = webinar.start_utc.astimezone(ZoneInfo(webinar.timezone))
        self.title.data = webinar.title
        self.description.data = webinar.description
        self.course.data = str(webinar.course_id or "")
        self.start_date.data = local.date()
        self.start_time.data = local.time().replace(tzinfo=None)
        self.timezone.data = webinar.timezone
        self.duration_minutes.data = webinar.duration_minutes
        self.join_url.data = webinar.join_url
        self.capacity.data = webinar.capacity
        self.attendance_threshold.data = webinar.attendance_threshold
        self.sessions_required.data = webinar.sessions_required
        self.is_public.data = webinar.is_public
        if webinar.rrule:
            parts = parse_rrule(webinar.rrule, webinar.timezone)
            self.repeat.data = parts.freq
            if parts.count is not None:
                self.count.data = parts.count
            elif parts.until is not None:
                self.until.data = parts.until
        else:
            self.repeat.data = "none"

    # ---- validation, each message next to its field

    def validate_course(self, field):
        if field.data and field.data not in self._courses:
            raise ValidationError(_l("Choose one of your courses."))
        if not field.data and self.user.role not in (Role.trainer, Role.admin):
            raise ValidationError(_l("Choose a course."))

    def validate_timezone(self, field):
        value = field.data or ""
        if not (reference.is_canonical_zone(value)
                or (value == self._kept_zone and reference.is_timezone(value))):
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_join_url(self, field):
        parts = urlsplit((field.data or "").strip())
        if parts.scheme != "https" or not parts.netloc or " " in field.data.strip():
            raise ValidationError(_l("Enter an https:// address, e.g. https://meet.example.org/room."))

    def validate_start_time(self, field):
        if self.start_date.data is None or field.data is None or self.start_date.errors:
            return
        if not reference.is_timezone(self.timezone.data or ""):
            return
        try:
            start = local_to_utc(self.start_date.data, field.data, self.timezone.data)
        except LocalTimeError as error:
            raise ValidationError(_local_time_message(error)) from None
        unchanged = self.webinar is not None and start == self.webinar.start_utc
        if start <= utcnow() and not unchanged:
            raise ValidationError(_l("This time is in the past."))

    def validate_count(self, field):
        if self.repeat.data == "none":
            return
        if field.data is None and self.until.data is None:
            raise ValidationError(_l("Give the number of sessions or the last date."))
        if field.data is not None and self.until.data is not None:
            raise ValidationError(_l("Give the number of sessions or the last date, not both."))
        if field.data is not None and not 2 <= field.data <= MAX_SESSIONS:
            raise ValidationError(_l("Between 2 and %(max)s sessions.", max=MAX_SESSIONS))

    def validate_until(self, field):
        if self.repeat.data == "none" or field.data is None or self.start_date.data is None \
                or self.start_date.errors or field.errors:
            return
        if field.data <= self.start_date.data:
            raise ValidationError(_l("The last date must be after the first session."))
        if self._start_utc() is not None:
            starts = series_starts(self._start_utc(), self.timezone.data, self._rrule())
            if len(starts) > MAX_SESSIONS:
                raise ValidationError(_l("A series has at most %(max)s sessions.", max=MAX_SESSIONS))
            if len(starts) < 2:
                raise ValidationError(_l("The series has only one session before this date."))

    def validate_repeat(self, field):
        if field.data not in ("none", "weekly", "monthly"):
            raise ValidationError(_l("Choose how the webinar repeats."))
        if field.data == "monthly" and self.start_date.data and self.start_date.data.day > 28:
            raise ValidationError(_l("Monthly series start on day 1 to 28 (not every month has "
                                     "day %(day)s).", day=self.start_date.data.day))

    # ---- results

    def _start_utc(self) -> datetime | None:
        try:
            return local_to_utc(self.start_date.data, self.start_time.data, self.timezone.data)
        except (LocalTimeError, TypeError, ValueError, OverflowError):
            return None

    def _rrule(self) -> str | None:
        if self.repeat.data == "none":
            return None
        if self.count.data is not None:
            return build_rrule(self.repeat.data, count=self.count.data)
        return build_rrule(self.repeat.data, until=self.until.data, zone=self.timezone.data)

    def to_data(self) -> WebinarData:
        return WebinarData(
            title=self.title.data.strip(),
            description=(self.description.data or "").strip(),
            course_id=int(self.course.data) if self.course.data else None,
            start_utc=self._start_utc(),
            timezone=self.timezone.data,
            duration_minutes=self.duration_minutes.data,
            join_url=self.join_url.data.strip(),
            capacity=self.capacity.data,
            is_public=bool(self.is_public.data),
            rrule=self._rrule(),
            attendance_threshold=self.attendance_threshold.data,
            sessions_required=self.sessions_required.data or 1,
        )


class MoveSessionForm(FlaskForm):
    start_date = DateField(_l("New date"), validators=[InputRequired(_l("Enter the date.")),
                                                       sensible_date])
    start_time = TimeField(_l("New start time"), validators=[InputRequired(_l("Enter the time."))])

    def __init__(self, webinar, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.webinar = webinar

    def validate_start_time(self, field):
        if self.start_date.data is None or field.data is None or self.start_date.errors:
            return
        try:
            start = local_to_utc(self.start_date.data, field.data, self.webinar.timezone)
        except LocalTimeError as error:
            raise ValidationError(_local_time_message(error)) from None
        if start <= utcnow():
            raise ValidationError(_l("This time is in the past."))

    @property
    def start_utc(self) -> datetime:
        return local_to_utc(self.start_date.data, self.start_time.data, self.webinar.timezone)


class ConfirmForm(FlaskForm):
    """A POST with nothing but its CSRF token (register, cancel, regenerate); ``confirmed`` is
    set by the "are you sure?" page (templates/confirm.html) of actions that ask first."""

    confirmed = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AttendanceForm(FlaskForm):
    attended = MultiCheckboxField(_l("Attended"), choices=[], coerce=int, validate_choice=True)


class AttendanceUploadForm(FlaskForm):
    session = SelectField(_l("Session"), choices=[], validate_choice=True,
                          description=_l("For a series: the session this report is about."))
    report = FileField(_l("Attendance report (CSV or XLSX from Zoom, BigBlueButton or Teams)"),
                       validators=[FileRequired(_l("Choose a file."))],
                       description=_l("For a series, upload one report per session; the "
                                      "webinar's \"sessions to attend\" says how many count."))


class AttendanceConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])


def parse_session_stamp(stamp: str) -> datetime | None:
    try:
        return datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def session_stamp(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

