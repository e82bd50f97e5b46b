"""Enrolment forms: enrol, withdraw, request a place, answer a request, bulk enrolment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from elearn.enrolments import bulk_file
from elearn.urls import is_safe_next


class NextMixin:
    def safe_next(self) -> str | None:
        target = self.next.data
        return target if is_safe_next(target) else None


class EnrolForm(NextMixin, FlaskForm):
    next = HiddenField()


class WithdrawForm(NextMixin, FlaskForm):
    next = HiddenField()
    #: set by the "are you sure?" page (templates/confirm.html)
    confirmed = HiddenField()

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed.data == "yes"


class RequestPlaceForm(NextMixin, FlaskForm):
    message = TextAreaField(
        _l("Why you would like a place (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    next = HiddenField()


class DecisionForm(FlaskForm):
    note = StringField(_l("Note to the learner (optional)"), validators=[Optional(), Length(max=500)])
    approve = SubmitField(_l("Approve"))
    decline = SubmitField(_l("Decline"))


class BulkUploadForm(FlaskForm):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("UTF-8 or Windows-1252, header row email,name,audience,country,centre (centre optional); "
                       "commas or semicolons."),
    )

    def read(self):
        """(records, text) of the uploaded file; a field error (and None) when unreadable."""
        data = self.file.data.read()
        try:
            text = bulk_file.decode(data)
            return bulk_file.read_rows(text), text
        except bulk_file.BulkFileError as exc:
            self.file.errors = list(self.file.errors) + [str(exc)]
            return None, None


class BulkConfirmForm(FlaskForm):
    payload = HiddenField(validators=[DataRequired()])

    def __init__(self, *args, course_id: int, actor_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self._course_id = course_id
        self._actor_id = actor_id
        self.text: str | None = None

    def validate_payload(self, field):
        self.text = bulk_file.unsign_file(field.data or "", self._course_id, self._actor_id)
        if self.text is None:
            raise ValidationError(_l("This preview has expired or was changed. Upload the file again."))
