"""Imports every feature's models so Alembic and the app see the whole schema."""

from elearn.features import feature_modules

MODEL_MODULES = feature_modules("models")
