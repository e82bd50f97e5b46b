"""Sections other features add to the course page, asked for by the view (not template globals).

A feature registers a function ``(course, user, enrolment, record) -> data`` under a name
(``enrolment``: the enrolment the user studies with, or None; ``record``: their enrolment
whatever its status). The course page view calls every registered function and passes the
results to its template as ``sections[name]``, so every query of the page is made by the view,
where it can be seen and counted; ``templates/<feature>/_course_<name>.html`` renders the data.
Registration happens when the feature's views module is imported (``create_app``).
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: dict[str, Callable] = {}


def course_section(name: str):
    """Decorator: ``fn(course, user, enrolment, record)`` supplies section ``name``."""
    def register(fn: Callable) -> Callable:
        _PROVIDERS[name] = fn
        return fn
    return register


def course_sections(course, user, enrolment=None, record=None) -> dict[str, object]:
    """Each registered section's data for this course page."""
    return {name: fn(course, user, enrolment, record) for name, fn in _PROVIDERS.items()}


def section_names() -> set[str]:
    return set(_PROVIDERS)
