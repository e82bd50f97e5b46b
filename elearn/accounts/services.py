"""Account logic: creating users, passwords, login checks and reset tokens."""

from __future__ import annotations

import logging
import re
from functools import cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from elearn.accounts.models import Role, User
from elearn.db_types import escape_like
from elearn.extensions import db
from elearn.reference.models import Audience, RegionalCentre

log = logging.getLogger("elearn.accounts")

#: argon2id with argon2-cffi's defaults (RFC 9106, low-memory profile): every real deployment.
PRODUCTION_HASHER = PasswordHasher()
#: argon2id with the smallest parameters, used only when ENV is "testing": a test run creates
#: thousands of users, and each production hash costs about 0.45 s on a small machine.
TESTING_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

MIN_PASSWORD_LENGTH = 12
RESET_MAX_AGE = 60 * 60 * 2  # two hours


def password_hasher() -> PasswordHasher:
    """The hasher for this app: production parameters everywhere but the test suite."""
    return TESTING_HASHER if current_app.config["ENV"] == "testing" else PRODUCTION_HASHER


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """A hash of a random password, checked when the email is unknown so a login takes as
    long whether or not the account exists."""
    return hasher.hash("not-a-real-password-for-timing")


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return password_hasher().hash(password)


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a password is too weak, or None. Rule: at least 12 characters, not trivially guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Use at least %(num)s characters.", num=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    if len(set(password)) < 5:
        return _("Use more different characters.")
    local = normalise_email(email).split("@")[0]
    if local and len(local) >= 4 and local in lowered:
        return _("Do not use your email address in your password.")
    if lowered in {"passwordpassword", "123456789012", "qwertyuiopas"}:
        return _("This password is too common.")
    return None


#: the common, plain-ASCII address shape, checked fast; anything else goes to email_validator
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,63})$"
)
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test"}


def valid_email(value: str) -> str | None:
    """THE email rule (registration, reset, profile, admin edit, bulk enrolment): the address
    normalised to lower case, or None. Reserved test domains (``.test``, as the demo users
    have) are accepted outside production only. Plain addresses are checked by a regular
    expression (10,000 bulk rows), the rest by email_validator."""
    from email_validator import EmailNotValidError, validate_email

    value = (value or "").strip()
    if not value or len(value) > 254:
        return None
    # outside an application (``flask courses check`` on files alone) the development rule
    env = current_app.config.get("ENV", "development") if has_app_context() else "development"
    testing = env != "production"
    match = _PLAIN_EMAIL.match(value)
    if match and value.index("@") <= 64:
        tld = match.group(1).lower()
        if tld not in _SPECIAL_TLDS or (testing and tld == "test"):
            return value.lower()
    try:
        return validate_email(value, check_deliverability=False,
                              test_environment=testing).normalized.lower()
    except EmailNotValidError:
        return None


def people_search(name_column, email_column, term: str):
    """The one rule for finding people by a typed term: the name contains it, or the email's
    part before the @ does ("lea" finds lea.diop@..., not everyone at elearn.test); a term
    with an @ in it matches anywhere in the email."""
    escaped = escape_like(term.strip().lower())
    email_pattern = f"%{escaped}%" if "@" in escaped else f"%{escaped}%@%"
    return sa.or_(
        sa.func.lower(name_column).like(f"%{escaped}%", escape="\\"),
        email_column.like(email_pattern, escape="\\"),
    )


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    query = sa.select(User.id).where(User.email == normalise_email(email))
    if except_user_id is not None:
        query = query.where(User.id != except_user_id)
    return db.session.scalar(query) is not None


def create_user(
    *,
    email: str,
    name: str,
    password: str | None,
    audience: Audience,
    country: str,
    timezone: str = "UTC",
    centre: RegionalCentre | None = None,
    role: Role = Role.learner,
    locale: str = "en",
) -> User:
    user = User(
        email=normalise_email(email),
        name=name.strip(),
        password_hash=hash_password(password) if password else None,
        audience=audience,
        country=country.upper(),
        timezone=timezone,
        centre=centre,
        role=role,
        locale=locale,
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None. Failures are logged."""
    hasher = password_hasher()
    user = get_user_by_email(email)
    if user is None or not user.password_hash:
        try:
            hasher.verify(_dummy_hash(hasher), password)
        except VerificationError:
            pass
        log.warning("failed login for unknown or passwordless account %r", normalise_email(email))
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        log.warning("failed login for user %s", user.id)
        return None
    if not user.active:
        log.warning("login refused for disabled user %s", user.id)
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def set_password(user: User, password: str) -> None:
    """Store a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.rotate_session_token()


def check_password(user: User, password: str) -> bool:
    if not user.password_hash:
        return False
    try:
        return password_hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_user_by_session_token(token: str) -> User | None:
    """Flask-Login's user loader: the session carries the user's rotating session token."""
    if not token:
        return None
    return db.session.scalar(sa.select(User).where(User.session_token == token))


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def make_reset_token(user: User) -> str:
    """A signed token valid for two hours and only until the password changes."""
    return _reset_serializer().dumps({"uid": user.id, "st": user.session_token[:16]})


def user_for_reset_token(token: str) -> User | None:
    try:
        payload = _reset_serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.session_token[:16] != payload.get("st"):
        return None
    return user


def update_account(user: User, *, name: str, email: str, active: bool) -> None:
    """Admin action: correct a user's name and email, or (de)activate the account. A
    deactivated account cannot log in and its open sessions end at once."""
    user.name = name.strip()
    user.email = normalise_email(email)
    if user.active and not active:
        user.rotate_session_token()
    user.active = active
    db.session.flush()


def change_role(user: User, role: Role, centre: RegionalCentre | None) -> None:
    """Admin action: set a user's role and centre (coordinators need a centre)."""
    if role is Role.coordinator and centre is None:
        raise ValueError("A coordinator must belong to a regional centre.")
    user.role = role
    user.centre = centre
