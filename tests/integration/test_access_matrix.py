"""Every route of the app against every role: a route missing from MATRIX fails the test.

Statuses: 200 the page, 302 a redirect (for anonymous visitors on protected routes: to the
login page, checked), 400 a refused form, 401/403 refused, 404 hidden, 429 limited. Objects
belong to the trainer ("owner") or to another learner; the learner is not enrolled.
Regenerate the table after adding routes with ELEARN_PRINT_ACCESS_MATRIX=1 and review it.
"""

from __future__ import annotations

import os

import pytest

from elearn.accounts.models import Role
from tests import factories

ROLES = ["anonymous", "learner", "owner", "admin"]

# endpoint: (method, expected status per role in ROLES order)
MATRIX: dict[str, tuple[str, list[int]]] = {
    'GET /': ('GET', [200, 302, 302, 302]),
    'GET /admin/audiences/<int:audience_id>': ('GET', [302, 403, 403, 200]),
    'GET /admin/audiences/new': ('GET', [302, 403, 403, 200]),
    'GET /admin/centres/<int:centre_id>': ('GET', [302, 403, 403, 200]),
    'GET /admin/centres/new': ('GET', [302, 403, 403, 200]),
    'GET /admin/mail': ('GET', [302, 403, 403, 200]),
    'GET /admin/reference': ('GET', [302, 403, 403, 200]),
    'GET /admin/certificates': ('GET', [302, 403, 403, 200]),
    'GET /admin/users': ('GET', [302, 403, 403, 200]),
    'GET /admin/users/<int:user_id>': ('GET', [302, 403, 403, 200]),
    'GET /api/v1/certificates': ('GET', [401, 401, 401, 401]),
    'GET /api/v1/courses': ('GET', [401, 401, 401, 401]),
    'GET /api/v1/enrolments': ('GET', [401, 401, 401, 401]),
    'GET /api/v1/openapi.json': ('GET', [200, 200, 200, 200]),
    'GET /api/v1/webinars': ('GET', [401, 401, 401, 401]),
    'GET /calendar/<token>.ics': ('GET', [404, 404, 404, 404]),
    'GET /centre': ('GET', [302, 403, 403, 200]),
    'GET /centre/export/breakdowns.<fmt>': ('GET', [302, 403, 403, 200]),
    'GET /centre/export/participants.<fmt>': ('GET', [302, 403, 403, 200]),
    'GET /centre/participants': ('GET', [302, 403, 403, 200]),
    'GET /centre/participants/<int:user_id>': ('GET', [302, 403, 403, 200]),
    'GET /certificates': ('GET', [200, 200, 200, 200]),
    'GET /certificates/<code>': ('GET', [200, 200, 200, 200]),
    'GET /certificates/<code>.json': ('GET', [200, 200, 200, 200]),
    'GET /certificates/<code>.pdf': ('GET', [200, 200, 200, 200]),
    'GET /certificates/<code>/credential.json': ('GET', [302, 404, 404, 200]),
    'GET /certificates/<code>/credential.jwt': ('GET', [302, 404, 404, 200]),
    'GET /certificates/centre.zip': ('GET', [302, 403, 403, 403]),  # coordinators only
    'GET /certificates/verify': ('GET', [200, 200, 200, 200]),
    'GET /credentials/issuer': ('GET', [200, 200, 200, 200]),
    'GET /credentials/issuer/jwks.json': ('GET', [200, 200, 200, 200]),
    'GET /credentials/status/<int:number>': ('GET', [200, 200, 200, 200]),
    'GET /courses': ('GET', [200, 200, 200, 200]),
    'GET /courses/<slug>': ('GET', [200, 200, 200, 200]),
    'GET /courses/<slug>/assets/<path:path>': ('GET', [404, 404, 404, 404]),
    'GET /courses/<slug>/bulk-enrol': ('GET', [302, 403, 200, 200]),
    'GET /courses/<slug>/bulk-enrol/example.csv': ('GET', [302, 403, 200, 200]),
    'GET /courses/<slug>/calendar.ics': ('GET', [200, 200, 200, 200]),
    'GET /courses/<slug>/modules/<module_slug>': ('GET', [302, 302, 200, 200]),
    'GET /courses/<slug>/quizzes/<quiz_slug>': ('GET', [302, 404, 200, 200]),
    'GET /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>':
        ('GET', [302, 404, 404, 404]),
    'GET /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/result':
        ('GET', [302, 404, 404, 404]),
    'GET /courses/<slug>/request': ('GET', [302, 200, 200, 200]),
    'GET /courses/upload': ('GET', [302, 403, 200, 200]),
    'GET /enrolments/requests': ('GET', [302, 403, 200, 200]),
    'GET /favicon.ico': ('GET', [200, 200, 200, 200]),
    'GET /healthz': ('GET', [200, 200, 200, 200]),
    'GET /login': ('GET', [200, 302, 302, 302]),
    'GET /me/calendar': ('GET', [302, 200, 200, 200]),
    'GET /me/certificates/<code>': ('GET', [302, 404, 404, 200]),
    'GET /me/learning': ('GET', [302, 200, 200, 200]),
    'GET /password/forgot': ('GET', [200, 200, 200, 200]),
    'GET /password/reset/<token>': ('GET', [302, 302, 302, 302]),
    'GET /profile': ('GET', [302, 200, 200, 200]),
    'GET /profile/password': ('GET', [302, 200, 200, 200]),
    'GET /profile/tokens': ('GET', [302, 200, 200, 200]),
    'GET /register': ('GET', [200, 302, 302, 302]),
    'GET /static/<path:filename>': ('GET', [200, 200, 200, 200]),
    'GET /trainer/courses/<slug>/quizzes/<quiz_slug>/analysis': ('GET', [302, 403, 200, 200]),
    'GET /trainer/courses/<slug>/quizzes/<quiz_slug>/analysis.csv': ('GET', [302, 403, 200, 200]),
    'GET /trainer/courses/<slug>/quiz-time': ('GET', [302, 403, 200, 200]),
    'GET /trainer/reports': ('GET', [302, 403, 200, 200]),
    'GET /trainer/reports/export/breakdowns.<fmt>': ('GET', [302, 403, 200, 200]),
    'GET /trainer/reports/export/participants.<fmt>': ('GET', [302, 403, 200, 200]),
    'GET /trainer/reports/participants': ('GET', [302, 403, 200, 200]),
    'GET /trainer/reports/participants/<int:user_id>': ('GET', [302, 403, 404, 200]),
    'GET /webinars': ('GET', [200, 200, 200, 200]),
    'GET /webinars.ics': ('GET', [200, 200, 200, 200]),
    'GET /webinars/<int:webinar_id>': ('GET', [404, 404, 200, 200]),
    'GET /webinars/<int:webinar_id>.ics': ('GET', [404, 404, 200, 200]),
    'GET /webinars/<int:webinar_id>/attendance': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/cancel': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/edit': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/registrations': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/registrations.csv': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/sessions/<stamp>/cancel': ('GET', [302, 403, 200, 200]),
    'GET /webinars/<int:webinar_id>/sessions/<stamp>/move': ('GET', [302, 403, 200, 200]),
    'GET /webinars/new': ('GET', [302, 403, 200, 200]),
    'POST /admin/mail/retry': ('POST', [302, 403, 403, 302]),
    'POST /courses/<slug>/bulk-enrol/confirm': ('POST', [302, 403, 302, 302]),
    'POST /courses/<slug>/bulk-enrol/report.csv': ('POST', [302, 403, 302, 302]),
    'POST /courses/<slug>/enrol': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/modules/<module_slug>/done': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/save':
        ('POST', [302, 404, 404, 404]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/submit':
        ('POST', [302, 404, 404, 404]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/start': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/withdraw': ('POST', [302, 200, 200, 200]),  # asks to confirm
    'POST /enrolments/requests/<int:request_id>': ('POST', [302, 403, 404, 404]),
    'GET /language': ('GET', [302, 302, 302, 302]),
    'POST /logout': ('POST', [302, 302, 302, 302]),
    'POST /me/certificates/<code>/reissue': ('POST', [302, 404, 404, 302]),
    'POST /me/certificates/<code>/revoke': ('POST', [302, 404, 404, 302]),
    'POST /profile/tokens/<int:token_id>/revoke': ('POST', [302, 404, 404, 404]),
    'POST /webinars/<int:webinar_id>/attendance/confirm': ('POST', [302, 403, 400, 400]),
    'POST /webinars/<int:webinar_id>/attendance/upload': ('POST', [302, 403, 200, 200]),
    'POST /webinars/<int:webinar_id>/register': ('POST', [302, 302, 302, 302]),  # enrolled
    'POST /webinars/<int:webinar_id>/unregister': ('POST', [302, 200, 200, 200]),  # asks first
}

#: public routes whose anonymous redirect is not to the login page
ANONYMOUS_REDIRECTS_ELSEWHERE = {
    "GET /courses/<slug>/modules/<module_slug>",  # to the course page: enrol first
    "GET /password/reset/<token>",  # a bad token: ask for a new link
    "GET /language", "POST /logout",
}


@pytest.fixture
def world(app, trainer, learner, admin):
    course = factories.make_course(owner=trainer, modules=1)
    quiz = factories.make_quiz(course)
    webinar = factories.make_webinar(trainer, course=course, is_public=False)
    other = factories.make_user(email="other@example.org")
    certificate = factories.make_certificate(other)
    from elearn.webinars.forms import session_stamp
    from elearn.webinars.schedule import sessions

    return {
        "slug": course.slug, "module_slug": course.modules[0].slug, "quiz_slug": quiz.slug,
        "attempt_id": 999999, "webinar_id": webinar.id,
        "stamp": session_stamp(sessions(webinar)[0].recurrence_utc),
        "code": certificate.code, "user_id": other.id, "token_id": 999999,
        "request_id": 999999, "token": "not-a-token", "path": "nothing.png", "fmt": "csv",
        "audience_id": 1, "centre_id": 1, "filename": "css/app.css", "number": 1,
        "users": {"anonymous": None, "learner": learner, "owner": trainer, "admin": admin},
    }


def _url(rule, values) -> str:
    url = rule.rule
    for argument in rule.arguments:
        url = url.replace(f"<{argument}>", str(values[argument]))
        for converter in ("int", "path"):
            url = url.replace(f"<{converter}:{argument}>", str(values[argument]))
    return url


def _routes(app):
    """Every rule with the method to try: GET routes first, then POST-only ones (a POST may
    change what follows, e.g. enrol the learner)."""
    routes = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods - {"HEAD", "OPTIONS"}
        routes.append((rule, "GET" if "GET" in methods else min(methods)))
    return sorted(routes, key=lambda item: (item[1] != "GET", item[0].rule, item[0].endpoint))


def test_every_route_is_in_the_matrix_and_answers_as_listed(app, world, as_user):
    from elearn.extensions import limiter

    seen, wrong, actual = set(), [], {}
    for rule, method in _routes(app):
        key = f"{method} {rule.rule}"
        seen.add(key)
        statuses = []
        for role in ROLES:
            limiter.reset()
            user = world["users"][role]
            client = as_user(user) if user is not None else app.test_client()
            response = client.open(_url(rule, world), method=method)
            statuses.append(response.status_code)
            location = response.headers.get("Location", "")
            response.close()  # streamed exports hold a request context until closed
            if (role == "anonymous" and response.status_code == 302 and "/login" not in location
                    and key not in ANONYMOUS_REDIRECTS_ELSEWHERE):
                wrong.append(f"{key}: anonymous redirected to {location}, not to login")
        actual[key] = (method, statuses)
        if key not in MATRIX:
            wrong.append(f"{key}: not in the access matrix (got {statuses})")
        elif MATRIX[key] != (method, statuses):
            wrong.append(f"{key}: expected {MATRIX[key][1]}, got {statuses}")
    if os.environ.get("ELEARN_PRINT_ACCESS_MATRIX"):
        for key, (method, statuses) in actual.items():
            print(f"    {key!r}: ({method!r}, {statuses}),")
    stale = set(MATRIX) - seen
    assert not stale, f"routes in the matrix that no longer exist: {sorted(stale)}"
    assert not wrong, "\n".join(wrong)


def test_admin_only_routes_refuse_every_other_role():
    for key, (_method, statuses) in MATRIX.items():
        if key.split(" ", 1)[1].startswith("/admin/"):
            anonymous, learner, owner, _admin = statuses
            assert anonymous == 302 and learner == 403 and owner == 403, key


def test_no_private_route_is_open_to_anonymous_visitors():
    public = ("/", "/courses", "/courses/<slug>", "/healthz", "/webinars", "/webinars.ics",
              "/login", "/register", "/password/forgot", "/api/v1/openapi.json",
              "/certificates/<code>", "/certificates/<code>.json", "/certificates/<code>.pdf",
              "/static/<path:filename>", "/courses/<slug>/calendar.ics",
              "/password/reset/<token>", "/certificates/verify", "/credentials/issuer",
              "/credentials/issuer/jwks.json", "/credentials/status/<int:number>",
              "/certificates", "/favicon.ico")
    for key, (_method, statuses) in MATRIX.items():
        path = key.split(" ", 1)[1]
        if statuses[0] == 200:
            assert path in public, f"{key} answers 200 to anonymous visitors"


assert Role  # roles named in ROLES map to these
