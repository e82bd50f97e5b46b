"""Forms of the reports: the dashboard filter (GET) and API token management."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from elearn.inputs import sensible_date
from elearn.reports.people import SORTS, BadCursor, decode_cursor


def _optional_int(value):
    if value in (None, ""):
        return None
    return int(value)


class FilterForm(FlaskForm):
    """Date range and course; a GET form (no CSRF token: it changes nothing)."""

    class Meta:
        csrf = False

    centre = SelectField(_l("Regional centre"), coerce=_optional_int, validate_choice=False)
    course = SelectField(_l("Course"), coerce=_optional_int, validate_choice=False)
    date_from = DateField(_l("Enrolled from"), validators=[Optional(), sensible_date])
    date_to = DateField(_l("Enrolled until"), validators=[Optional(), sensible_date])

    def __init__(self, formdata, *, course_choices, centre_choices=None, **kwargs):
        super().__init__(formdata, **kwargs)
        self.course.choices = [("", _l("All courses"))] + list(course_choices)
        if centre_choices is None:
            del self.centre
        else:
            self.centre.choices = [("", _l("All centres"))] + list(centre_choices)

    def validate_date_to(self, field):
        if self.date_from.errors:
            return
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date is before the start date."))

    def validate_course(self, field):
        allowed = {value for value, _label in self.course.choices}
        if field.data is not None and field.data not in allowed:
            raise ValidationError(_l("Choose a course from the list."))


class ParticipantFilterForm(FilterForm):
    q = StringField(_l("Search name or email"), validators=[Optional(), Length(max=100)])
    #: set by the dashboard's links (a bar or a row: the people it counts)
    country = StringField(validators=[Optional(), Regexp(r"^[A-Z]{2}$")])
    audience = StringField(validators=[Optional(), Regexp(r"^[0-9]{1,9}$")])
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("name", _l("Name")), ("email", _l("Email")), ("country", _l("Country")),
        ],
        default="name",
    )
    order = SelectField(
        _l("Order"), choices=[("asc", _l("Ascending")), ("desc", _l("Descending"))], default="asc"
    )
    #: page links: the position the page starts after, or ends before (see reports.people)
    after = StringField(validators=[Optional(), Length(max=400)])
    before = StringField(validators=[Optional(), Length(max=400)])

    def validate_after(self, field):
        if field.data:
            try:
                decode_cursor(field.data)
            except BadCursor:
                raise ValidationError(_l("This page link is not valid; start from the first page.")) from None

    validate_before = validate_after

    def validate_sort(self, field):
        if field.data not in SORTS:
            raise ValidationError(_l("Choose a sort from the list."))


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"), validators=[DataRequired(), Length(max=100)],
        description=_l("What the token is for, e.g. \"national customs system\"."),
    )


class RevokeForm(FlaskForm):
    """Only the CSRF token."""
