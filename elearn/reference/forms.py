from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from elearn.reference import services

SLUG = Regexp(r"^[a-z0-9]+(?:-[a-z0-9]+)*$", message=_l("Use lowercase letters, digits and hyphens."))


class AudienceForm(FlaskForm):
    slug = StringField(_l("Identifier"), validators=[DataRequired(), Length(max=64), SLUG])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=1000)])

    def __init__(self, *args, existing_slugs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_slugs = set(existing_slugs)

    def validate_slug(self, field):
        if field.data in self.existing_slugs:
            raise ValidationError(_l("This identifier is already used."))


class CentreForm(FlaskForm):
    slug = StringField(_l("Identifier"), validators=[DataRequired(), Length(max=64), SLUG])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)])
    conventions = SelectMultipleField(
        _l("Conventions"), choices=[("basel", "Basel"), ("stockholm", "Stockholm")],
        validators=[DataRequired()],
    )
    host_country = StringField(_l("Host country (ISO code)"), validators=[DataRequired(), Length(2, 2)])
    city = StringField(_l("City"), validators=[Length(max=120)])

    def __init__(self, *args, existing_slugs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_slugs = set(existing_slugs)

    def validate_slug(self, field):
        if field.data in self.existing_slugs:
            raise ValidationError(_l("This identifier is already used."))

    def validate_host_country(self, field):
        field.data = (field.data or "").upper()
        if not re.fullmatch(r"[A-Z]{2}", field.data) or not services.is_country(field.data):
            raise ValidationError(_l("Unknown country code."))
