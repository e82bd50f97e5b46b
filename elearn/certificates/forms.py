"""Certificate forms: revoke with a reason, reissue with a corrected name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError


class _PrefixedForm(FlaskForm):
    """Two forms share the certificate page, so each takes a prefix (unique field ids); the
    CSRF token is checked for every POST by CSRFProtect (the form-level copy would be
    prefixed too)."""

    class Meta:
        csrf = False


class RevokeForm(_PrefixedForm):
    reason = TextAreaField(_l("Reason for revoking (shown on the public verification page)"),
                           validators=[DataRequired(_l("Give a reason.")), Length(max=1000)])


class ReissueForm(_PrefixedForm):
    name = StringField(_l("Name to print"), validators=[DataRequired(_l("Give the name.")),
                                                        Length(max=200)])
    reason = StringField(_l("Why (e.g. spelling corrected at the learner's request)"),
                         validators=[DataRequired(_l("Give a reason.")), Length(max=500)])

    def __init__(self, *args, current_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._current_name = current_name

    def validate_name(self, field):
        if " ".join((field.data or "").split()) == self._current_name:
            raise ValidationError(_l("This is already the name on the certificate."))
