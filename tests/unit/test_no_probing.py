"""Links name their endpoints outright: a renamed endpoint or a missing template fails the page
(and the suite) instead of silently hiding a link or a section."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _files(*patterns):
    for pattern in patterns:
        yield from ROOT.glob(pattern)


def test_templates_include_nothing_optionally():
    found = [str(p.relative_to(ROOT)) for p in _files("templates/**/*.html")
             if "ignore missing" in p.read_text(encoding="utf-8")]
    assert found == []


def test_nothing_probes_for_endpoints():
    found = [str(p.relative_to(ROOT)) for p in _files("elearn/**/*.py", "templates/**/*.html")
             if any(word in p.read_text(encoding="utf-8")
                    for word in ("view_functions", "has_endpoint("))]
    assert found == []


def test_a_missing_endpoint_fails_loudly(app):
    import pytest
    from werkzeug.routing import BuildError

    from elearn.urls import absolute_url

    with app.test_request_context(), pytest.raises(BuildError):
        absolute_url("courses.no_such_page", slug="x")


def test_the_course_page_sections_are_all_registered(app):
    from elearn.courses.sections import section_names

    assert section_names() == {"enrolment", "quizzes", "outdated_quiz_translations", "webinars"}


def test_no_template_global_runs_the_course_page_queries(app):
    with app.test_request_context():
        context = {}
        app.update_template_context(context)
    for name in ("course_quizzes", "course_webinars", "pending_place_request", "enrolment_block",
                 "completion_breakdown", "certificate_of", "may_bulk_enrol", "quiz_title",
                 "outdated_quiz_translations"):
        assert name not in context
