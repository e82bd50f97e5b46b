"""The feature packages, in dependency order.

create_app registers each one's blueprint (``views.bp``), commands (``cli.commands``) and
demo data (``demo.seed``) when the module exists, so adding a feature touches one line here.
"""

from __future__ import annotations

import importlib
from types import ModuleType

FEATURES = (
    "reference",
    "accounts",
    "outbox",
    "courses",
    "quizzes",
    "enrolments",
    "certificates",
    "webinars",
    "reports",
)


def feature_modules(name: str) -> list[ModuleType]:
    """Import ``elearn.<feature>.<name>`` for every feature that has it."""
    found = []
    for feature in FEATURES:
        module_name = f"elearn.{feature}.{name}"
        try:
            found.append(importlib.import_module(module_name))
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
    return found
