"""Forms of the courses pages: catalog filters (GET), mark as done, course upload."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from elearn.courses.files import CONVENTIONS
from elearn.courses.services import CatalogFilters
from elearn.i18n import language_name

CONVENTION_NAMES = {
    "basel": _l("Basel Convention"),
    "rotterdam": _l("Rotterdam Convention"),
    "stockholm": _l("Stockholm Convention"),
}


class CatalogFilterForm(FlaskForm):
    """The catalog's GET form: works without JavaScript, never needs a CSRF token."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    audience = SelectField(_l("Audience"), validators=[Optional()])
    convention = SelectField(_l("Convention"), validators=[Optional()])
    language = SelectField(_l("Language"), validators=[Optional()])
    page = IntegerField(validators=[Optional(), NumberRange(min=1, max=100000)])

    def __init__(self, formdata, audiences: list[tuple[str, str]], languages: list[str]):
        super().__init__(formdata=formdata)
        # plain strings, translated once: the catalog renders these on every request
        self.audience.choices = [("", str(_l("Any audience")))] + list(audiences)
        self.convention.choices = [("", str(_l("Any convention")))] + [
            (c, str(CONVENTION_NAMES[c])) for c in CONVENTIONS]
        self.language.choices = [("", str(_l("Any language")))] + [
            (code, language_name(code)) for code in languages]

    def filters(self) -> CatalogFilters:
        """The valid filters; a field with a bad value (edited URL) is ignored, not an error."""
        self.validate()
        def ok(field):
            return field.data if not field.errors and field.data else ""
        return CatalogFilters(
            q=(ok(self.q) or "").strip(), audience=ok(self.audience),
            convention=ok(self.convention), language=ok(self.language),
            page=self.page.data if (self.page.data and not self.page.errors) else 1,
        )


class MarkDoneForm(FlaskForm):
    """'Mark as done': only the CSRF token."""


class UploadForm(FlaskForm):
    archive = FileField(
        _l("Course archive (.zip)"),
        validators=[FileRequired(_l("Choose a .zip file.")),
                    FileAllowed(["zip"], _l("Upload a .zip file."))],
        description=_l("The course folder (or course.yaml and its modules/ folder) as a .zip."),
    )

    def __init__(self, *args, max_bytes: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.max_bytes = max_bytes

    def validate_archive(self, field):
        data = field.data.read(self.max_bytes + 1)
        field.data.seek(0)
        if len(data) > self.max_bytes:
            raise ValidationError(_l("The file is larger than %(mb)s MB.",
                                     mb=self.max_bytes // (1024 * 1024)))
        self.archive_bytes = data
