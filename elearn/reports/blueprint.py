"""The reports blueprint, shared by its view modules (views, token_views)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reports", __name__)
