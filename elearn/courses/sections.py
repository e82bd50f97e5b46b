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

from elearn.enrolments.completion import done_module_ids
from elearn.quizzes.summaries import course_quiz_rows
from elearn.request_state import request_state

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


def page_memo(key: tuple, build: Callable[[], object]):
    """``build()`` once per request for ``key``: the learner's state of the course (module
    progress, quiz attempts) read once and shared by the course page and its sections."""
    memo = request_state("page_memo")
    if key not in memo:
        memo[key] = build()
    return memo[key]


def done_modules(enrolment) -> set[int]:
    """The enrolment's done module ids, read once per request."""
    return page_memo(("done-modules", enrolment.id), lambda: done_module_ids(enrolment.id))


def quiz_rows(course_id: int, user) -> list[dict]:
    """``course_quiz_rows`` of the course with the user's attempts, read once per request."""
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    return page_memo(("quiz-rows", course_id, user_id),
                     lambda: course_quiz_rows(course_id, user_id))


def section_names() -> set[str]:
    return set(_PROVIDERS)
