"""Account forms: each validates on the server with a message next to the field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from elearn.accounts import services
from elearn.accounts.models import ROLE_LABELS, Role
from elearn.config import LANGUAGES
from elearn.i18n import text_direction
from elearn.reference import services as reference


def _valid_email(form, field):
    """The one email rule (services.valid_email); an existing account's address is never bad."""
    if field.data and services.valid_email(field.data) is None and \
            services.get_user_by_email(field.data) is None:
        raise ValidationError(_l("Invalid email address: enter one such as name@example.org."))


#: the password rules, said up front beside every new-password field (services.password_problem
#: checks them)
PASSWORD_RULES = _l("At least %(length)s characters, at least 5 of them different, and not "
                    "containing the part of your email before the @.",
                    length=services.MIN_PASSWORD_LENGTH)


def _check_password_strength(form, field):
    email = form.email.data if hasattr(form, "email") else ""
    problem = services.password_problem(field.data or "", email=email or "")
    if problem:
        raise ValidationError(problem)


class ProfileFieldsMixin:
    """Audience, country, time zone, centre and language choices, filled from reference data."""

    def fill_choices(self) -> None:
        self._audiences = {str(a.id): a for a in reference.audiences()}
        self._centres = {str(c.id): c for c in reference.centres()}
        self.audience.choices = [("", _l("Choose your audience"))] + [
            (key, a.name) for key, a in self._audiences.items()
        ]
        self.country.choices = [("", _l("Choose your country"))] + list(
            reference.country_names().items()
        )
        self.timezone.choices = self._timezone_choices()
        self.centre.choices = [("", _l("None"))] + [
            (key, c.name) for key, c in self._centres.items()
        ]
        if hasattr(self, "locale"):
            # each language's name is in its own language: say so (WCAG 3.1.2)
            self.locale.choices = [(code, name, {"lang": code, "dir": text_direction(code)})
                                   for code, name in LANGUAGES.items()]

    def _timezone_choices(self) -> dict:
        """Canonical zones grouped by region, named in the user's language; a zone saved
        earlier shows as its current id, or stays selectable when it has none."""
        from flask_babel import get_locale

        current = self.timezone.data or ""
        saved = current if current and current == self._saved_timezone() else None
        choices, shown = reference.timezone_select(saved, str(get_locale() or "en"))
        if saved:
            self.timezone.data = shown
        return choices

    def _saved_timezone(self) -> str | None:
        user = getattr(self, "user", None)
        return user.timezone if user is not None else None

    def validate_audience(self, field):
        if field.data not in self._audiences:
            raise ValidationError(_l("Choose an audience from the list."))

    def validate_country(self, field):
        if not reference.is_country(field.data or ""):
            raise ValidationError(_l("Choose a country from the list."))

    def validate_timezone(self, field):
        value = field.data or ""
        if not (reference.is_canonical_zone(value) or value == self._saved_timezone()):
            raise ValidationError(_l("Choose a time zone from the list."))

    def validate_centre(self, field):
        if field.data and field.data not in self._centres:
            raise ValidationError(_l("This regional centre does not exist."))

    @property
    def chosen_audience(self):
        return self._audiences[self.audience.data]

    @property
    def chosen_centre(self):
        return self._centres.get(self.centre.data or "")


class RegisterForm(ProfileFieldsMixin, FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), _valid_email])
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), _check_password_strength],
        description=PASSWORD_RULES,
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    audience = SelectField(_l("Target audience"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False, default="UTC")
    centre = SelectField(_l("Regional centre (optional)"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fill_choices()
        if not self.is_submitted():
            # static/js/app.js selects the browser's zone; without JavaScript, UTC stays
            self.timezone.render_kw = {"data-browser-zone": ""}

    def validate_email(self, field):
        if services.email_taken(field.data or ""):
            raise ValidationError(_l("An account with this email already exists."))

    def save(self):
        return services.create_user(
            email=self.email.data,
            name=self.name.data,
            password=self.password.data,
            audience=self.chosen_audience,
            country=self.country.data,
            timezone=self.timezone.data,
            centre=self.chosen_centre,
        )


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


class ProfileForm(ProfileFieldsMixin, FlaskForm):
    name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), _valid_email])
    audience = SelectField(_l("Target audience"), validate_choice=False)
    country = SelectField(_l("Country"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    centre = SelectField(_l("Regional centre (optional)"), validate_choice=False)
    locale = SelectField(_l("Language"), validate_choice=True)
    current_password = PasswordField(
        _l("Current password"),
        description=_l("Needed only to change your email address."),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        if "formdata" not in kwargs or kwargs.get("formdata") is None:
            kwargs.setdefault("data", {
                "name": user.name, "email": user.email, "audience": str(user.audience_id),
                "country": user.country, "timezone": user.timezone,
                "centre": str(user.centre_id or ""), "locale": user.locale,
            })
        super().__init__(*args, **kwargs)
        self.fill_choices()

    def validate_email(self, field):
        if services.email_taken(field.data or "", except_user_id=self.user.id):
            raise ValidationError(_l("An account with this email already exists."))

    @property
    def email_changed(self) -> bool:
        return services.normalise_email(self.email.data or "") != self.user.email

    def validate_current_password(self, field):
        # A new address takes over password resets, so a stolen session must not be enough.
        if self.email_changed and not services.check_password(self.user, field.data or ""):
            raise ValidationError(_l("Enter your current password to change your email address."))

    def validate_centre(self, field):
        super().validate_centre(field)
        if self.user.role is Role.coordinator and self.chosen_centre != self.user.centre:
            raise ValidationError(_l("Only an administrator can change a coordinator's centre."))

    def save(self):
        user = self.user
        user.name = self.name.data.strip()
        user.email = services.normalise_email(self.email.data)
        user.audience = self.chosen_audience
        user.country = self.country.data
        user.timezone = self.timezone.data
        user.centre = self.chosen_centre
        user.locale = self.locale.data
        return user


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), _check_password_strength],
        description=PASSWORD_RULES,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def validate_current(self, field):
        if not services.check_password(self.user, field.data or ""):
            raise ValidationError(_l("This is not your current password."))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), _valid_email])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), _check_password_strength],
        description=PASSWORD_RULES,
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AdminUserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)],
                       description=_l("As printed on certificates."))
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254), _valid_email])
    role = SelectField(_l("Role"), choices=[(r.value, ROLE_LABELS[r]) for r in Role])
    centre = SelectField(_l("Regional centre"), validate_choice=False)
    active = BooleanField(_l("Account active"), description=_l(
        "A deactivated account cannot log in; its open sessions end at once."))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        kwargs.setdefault("data", {"role": user.role.value, "centre": str(user.centre_id or ""),
                                   "name": user.name, "email": user.email,
                                   "active": user.active})
        super().__init__(*args, **kwargs)
        self._centres = {str(c.id): c for c in reference.centres()}
        self.centre.choices = [("", _l("None"))] + [(k, c.name) for k, c in self._centres.items()]

    def validate_centre(self, field):
        if field.data and field.data not in self._centres:
            raise ValidationError(_l("This regional centre does not exist."))
        if self.role.data == Role.coordinator.value and not field.data:
            raise ValidationError(_l("A coordinator must belong to a regional centre."))

    def validate_email(self, field):
        if services.email_taken(field.data or "", except_user_id=self.user.id):
            raise ValidationError(_l("Another account uses this email."))

    def save(self):
        services.update_account(self.user, name=self.name.data, email=self.email.data,
                                active=bool(self.active.data))
        services.change_role(self.user, Role(self.role.data), self._centres.get(self.centre.data or ""))
        return self.user
