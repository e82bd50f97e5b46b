"""Personal access tokens for the read-only API.

A token is ``elr_`` followed by 43 URL-safe characters (256 random bits). It is shown once;
the database keeps its SHA-256 and its first 12 characters (the prefix, to tell tokens apart).
Revoking sets ``revoked_at``; every request looks the token up afresh, so a revoked token stops
working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from elearn.accounts.models import User
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.reports.models import ApiToken

TOKEN_PREFIX = "elr_"
PREFIX_LENGTH = 12
MAX_ACTIVE_TOKENS = 20
#: last_used_at is written at most this often, so reads do not turn into writes
TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def create_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A new read-only token for ``user``: the row and the raw token (to show once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id, name=name.strip(), prefix=raw[:PREFIX_LENGTH],
        token_hash=hash_token(raw), scope="read",
    )
    db.session.add(token)
    db.session.flush()
    return token, raw


def user_tokens(user: User) -> list[ApiToken]:
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
    ))


def active_token_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ) or 0


def revoke_token(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of ``user``'s tokens; None when it is not theirs (or does not exist)."""
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
    return token


def authenticate(raw: str | None) -> tuple[User, ApiToken] | None:
    """The active user and token for a raw bearer token, or None."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_hash == hash_token(raw), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    token, user = row
    if not user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > TOUCH_INTERVAL:
        token.last_used_at = now
        db.session.flush()
    return user, token
