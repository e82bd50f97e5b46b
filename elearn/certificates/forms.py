"""Certificate forms: revoke with a reason, reissue with a corrected name, verify a credential."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

#: a credential is a few kilobytes; anything far larger is not one
MAX_CREDENTIAL_BYTES = 256 * 1024


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


class VerifyForm(FlaskForm):
    """Public verification: a certificate code, a credential file, or a pasted credential or
    JWT (one of the three)."""

    code = StringField(_l("Certificate code"), validators=[Length(max=60)])
    credential_file = FileField(_l("Credential file (.json or .jwt)"))
    credential_text = TextAreaField(_l("Or paste the credential (JSON) or the JWT"),
                                    validators=[Length(max=MAX_CREDENTIAL_BYTES)])

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        self.text = ""
        upload = self.credential_file.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(MAX_CREDENTIAL_BYTES + 1)
            if len(raw) > MAX_CREDENTIAL_BYTES:
                self.credential_file.errors.append(_l("This file is too large to be a credential."))
                return False
            try:
                self.text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.credential_file.errors.append(_l("This file is not a credential (not text)."))
                return False
        elif (self.credential_text.data or "").strip():
            self.text = self.credential_text.data
        elif not (self.code.data or "").strip():
            self.code.errors.append(_l("Give a certificate code, a credential file or a JWT."))
            return False
        return True
