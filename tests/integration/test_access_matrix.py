"""Every route of the app against every role: a route missing from MATRIX fails the test.

POST rows send a valid form (see ACTIONS) and check that an answer below 400 changed the
object and a refusal changed nothing. Statuses: 200 the page, 302 a redirect (for anonymous visitors on protected routes: to the
login page, checked), 400 a refused form, 401/403 refused, 404 hidden, 429 limited. Objects
belong to the trainer ("owner") or to another learner; the learner is not enrolled (the
POST rows that need an enrolment make one for the acting user first).
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
    'POST /courses/<slug>/bulk-enrol/report.csv': ('POST', [302, 403, 200, 200]),
    'POST /courses/<slug>/enrol': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/modules/<module_slug>/done': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/save':
        ('POST', [302, 404, 404, 404]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/submit':
        ('POST', [302, 404, 404, 404]),
    'POST /courses/<slug>/quizzes/<quiz_slug>/start': ('POST', [302, 302, 302, 302]),
    'POST /courses/<slug>/withdraw': ('POST', [302, 302, 302, 302]),  # confirmed
    'POST /enrolments/requests/<int:request_id>': ('POST', [302, 403, 302, 302]),
    'GET /language': ('GET', [302, 302, 302, 302]),
    'POST /logout': ('POST', [302, 302, 302, 302]),
    'POST /me/certificates/<code>/reissue': ('POST', [302, 404, 404, 302]),
    'POST /me/certificates/<code>/revoke': ('POST', [302, 404, 404, 302]),
    'POST /profile/tokens/<int:token_id>/revoke': ('POST', [302, 404, 404, 404]),
    'POST /webinars/<int:webinar_id>/attendance/confirm': ('POST', [302, 403, 302, 302]),  # too early
    'POST /webinars/<int:webinar_id>/attendance/upload': ('POST', [302, 403, 200, 200]),
    'POST /webinars/<int:webinar_id>/register': ('POST', [302, 302, 302, 302]),  # enrolled
    'POST /webinars/<int:webinar_id>/unregister': ('POST', [302, 302, 302, 302]),  # confirmed
}

#: public routes whose anonymous redirect is not to the login page
ANONYMOUS_REDIRECTS_ELSEWHERE = {
    "GET /courses/<slug>/modules/<module_slug>",  # to the course page: enrol first
    "GET /password/reset/<token>",  # a bad token: ask for a new link
    "GET /language", "POST /logout",
}


# --- POST rows: valid form data and the state they change ------------------------------------
# Each POST is sent once per role, with the form a real page would send (CSRF is off in tests),
# inside a savepoint rolled back afterwards, so every role meets the same world. A status below
# 400 (other than an anonymous visitor sent to log in) must have changed what ``probe`` reads;
# 401/403/404 must have changed nothing. ``prepare(world, user)`` returns (form data, probe).

def _db():
    from elearn.extensions import db

    return db


def _course(world):
    from elearn.courses.models import Course

    return _db().session.get(Course, world["course_id"])


def _enrol(world, user):
    if user is not None:
        factories.enrol(user, _course(world))


def _enrolment_status(world, user):
    import sqlalchemy as sa

    from elearn.enrolments.models import Enrolment

    if user is None:
        return lambda: None
    return lambda: _db().session.scalar(sa.select(Enrolment.status).where(
        Enrolment.user_id == user.id, Enrolment.course_id == world["course_id"]))


def _prepare_enrol(world, user):
    return {}, _enrolment_status(world, user)


def _prepare_withdraw(world, user):
    _enrol(world, user)
    return {"confirmed": "yes"}, _enrolment_status(world, user)


def _prepare_done(world, user):
    import sqlalchemy as sa

    from elearn.enrolments.models import ModuleProgress

    _enrol(world, user)
    return {}, lambda: _db().session.scalar(sa.select(sa.func.count(ModuleProgress.id)))


def _attempts_count():
    import sqlalchemy as sa

    from elearn.quizzes.models import QuizAttempt

    return _db().session.scalar(sa.select(sa.func.count(QuizAttempt.id)))


def _prepare_start(world, user):
    _enrol(world, user)
    return {}, _attempts_count


def _prepare_attempt(world, user):
    from elearn.quizzes.models import QuizAttempt
    from elearn.quizzes.services import attempt_token

    def probe():
        attempt = _db().session.get(QuizAttempt, world["attempt_id"])
        return attempt.status, repr(attempt.answers), attempt.submitted_at

    attempt = _db().session.get(QuizAttempt, world["attempt_id"])
    return {"attempt_token": attempt_token(attempt)}, probe


def _prepare_decide(world, user):
    from elearn.enrolments.models import EnrolmentRequest

    return ({"approve": "Approve", "note": "welcome"},
            lambda: _db().session.get(EnrolmentRequest, world["request_id"]).status)


def _certificate(world):
    import sqlalchemy as sa

    from elearn.certificates.models import Certificate

    return _db().session.scalar(sa.select(Certificate).where(Certificate.code == world["code"]))


def _prepare_revoke(world, user):
    return ({"revoke-reason": "Issued by mistake", "confirmed": "yes"},
            lambda: _certificate(world).revoked_at)


def _prepare_reissue(world, user):
    return ({"reissue-name": "Olga Other", "reissue-reason": "The name was misspelt"},
            lambda: _certificate(world).learner_name)


def _prepare_token_revoke(world, user):
    from elearn.reports.models import ApiToken

    return {}, lambda: _db().session.get(ApiToken, world["token_id"]).revoked_at


def _prepare_logout(world, user):
    from elearn.accounts.models import User

    if user is None:
        return {}, None  # nothing to end
    return {}, lambda: _db().session.get(User, user.id).session_token


def _bulk_payload(world, user):
    from elearn.enrolments import bulk_file

    text = "email,name,audience,country\nnewcomer@example.org,New Comer,customs-officer,SN\n"
    return {"payload": bulk_file.sign_file(text, world["course_id"], user.id if user else 0)}


def _prepare_bulk_confirm(world, user):
    import sqlalchemy as sa

    from elearn.accounts.models import User

    return _bulk_payload(world, user), lambda: _db().session.scalar(
        sa.select(sa.func.count(User.id)).where(User.email == "newcomer@example.org"))


def _prepare_bulk_report(world, user):
    return _bulk_payload(world, user), None  # a download: changes nothing


def _prepare_mail_retry(world, user):
    from elearn.outbox.models import OutboxMessage, OutboxStatus

    row = OutboxMessage(recipient="x@example.org", subject="s", text="t",
                        status=OutboxStatus.failed, attempts=8)
    _db().session.add(row)
    _db().session.flush()
    return {"id": str(row.id)}, lambda: _db().session.get(OutboxMessage, row.id).status


def _registration_status(world, user):
    from elearn.webinars.registering import registration_of

    if user is None:
        return lambda: None
    return lambda: getattr(registration_of(world["webinar_id"], user.id), "status", None)


def _prepare_register(world, user):
    _enrol(world, user)  # a course webinar: for the course's learners
    return {}, _registration_status(world, user)


def _prepare_unregister(world, user):
    from elearn.webinars.registering import register

    _enrol(world, user)
    if user is not None:
        register(world["webinar_id"], user)
    return {"confirmed": "yes"}, _registration_status(world, user)


def _prepare_attendance_confirm(world, user):
    from elearn.webinars.attendance_views import _serializer

    payload = _serializer().dumps({"webinar": world["webinar_id"], "marks": []})
    return {"confirm-payload": payload}, None  # refused before the webinar starts


ACTIONS = {
    "POST /admin/mail/retry": _prepare_mail_retry,
    "POST /courses/<slug>/bulk-enrol/confirm": _prepare_bulk_confirm,
    "POST /courses/<slug>/bulk-enrol/report.csv": _prepare_bulk_report,
    "POST /courses/<slug>/enrol": _prepare_enrol,
    "POST /courses/<slug>/modules/<module_slug>/done": _prepare_done,
    "POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/save": _prepare_attempt,
    "POST /courses/<slug>/quizzes/<quiz_slug>/attempts/<int:attempt_id>/submit":
        _prepare_attempt,
    "POST /courses/<slug>/quizzes/<quiz_slug>/start": _prepare_start,
    "POST /courses/<slug>/withdraw": _prepare_withdraw,
    "POST /enrolments/requests/<int:request_id>": _prepare_decide,
    "POST /logout": _prepare_logout,
    "POST /me/certificates/<code>/reissue": _prepare_reissue,
    "POST /me/certificates/<code>/revoke": _prepare_revoke,
    "POST /profile/tokens/<int:token_id>/revoke": _prepare_token_revoke,
    "POST /webinars/<int:webinar_id>/attendance/confirm": _prepare_attendance_confirm,
    "POST /webinars/<int:webinar_id>/register": _prepare_register,
    "POST /webinars/<int:webinar_id>/unregister": _prepare_unregister,
}

#: POST routes sent without an ACTIONS entry, and why
NO_ACTION = {
    "POST /webinars/<int:webinar_id>/attendance/upload": "a preview of a file: changes nothing",
}


@pytest.fixture
def world(app, trainer, learner, admin):
    course = factories.make_course(owner=trainer, modules=1)
    quiz = factories.make_quiz(course)
    webinar = factories.make_webinar(trainer, course=course, is_public=False)
    other = factories.make_user(email="other@example.org")
    certificate = factories.make_certificate(other)
    from elearn.enrolments.models import EnrolmentRequest
    from elearn.quizzes.services import start_attempt
    from elearn.reports.tokens import create_token

    factories.enrol(other, course)
    attempt = start_attempt(quiz, other)  # another learner's attempt: nobody else's business
    token, _raw = create_token(other, "other's token")
    requester = factories.make_user(email="requester@example.org")
    place_request = EnrolmentRequest(user_id=requester.id, course_id=course.id)
    from elearn.extensions import db

    db.session.add(place_request)
    db.session.commit()
    from elearn.webinars.forms import session_stamp
    from elearn.webinars.schedule import sessions

    return {
        "slug": course.slug, "module_slug": course.modules[0].slug, "quiz_slug": quiz.slug,
        "attempt_id": attempt.id, "webinar_id": webinar.id, "course_id": course.id,
        "stamp": session_stamp(sessions(webinar)[0].recurrence_utc),
        "code": certificate.code, "user_id": requester.id, "token_id": token.id,
        "request_id": place_request.id, "token": "not-a-token", "path": "nothing.png", "fmt": "csv",
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
        if method == "POST" and key not in ACTIONS and key not in NO_ACTION:
            wrong.append(f"{key}: no form data and probe in ACTIONS")
        for role in ROLES:
            limiter.reset()
            user = world["users"][role]
            client = as_user(user) if user is not None else app.test_client()
            if method == "POST" and key in ACTIONS:
                status, location, problem = _post(client, key, _url(rule, world), world, user)
                if problem:
                    wrong.append(f"{key} as {role}: {problem}")
            else:
                response = client.open(_url(rule, world), method=method)
                status, location = response.status_code, response.headers.get("Location", "")
                response.close()  # streamed exports hold a request context until closed
            statuses.append(status)
            if (role == "anonymous" and status == 302 and "/login" not in location
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


def _post(client, key, url, world, user):
    """Send the action's form inside a savepoint rolled back afterwards; (status, location,
    problem) where problem says what the status and the change disagree on."""
    db = _db()
    db.session.commit()  # the world as it stands; the savepoint below starts clean
    connection = db.session.get_bind()
    savepoint = connection.begin_nested()
    try:
        data, probe = ACTIONS[key](world, user)
        db.session.commit()
        before = probe() if probe else None
        db.session.commit()
        response = client.post(url, data=data)
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        db.session.expire_all()
        after = probe() if probe else None
        db.session.rollback()
    finally:
        savepoint.rollback()
        db.session.expire_all()
    problem = None
    to_login = status == 302 and "/login" in location
    if probe is not None:
        if status < 400 and not to_login and after == before:
            problem = f"answered {status} but changed nothing ({before!r})"
        elif (status >= 400 or to_login) and after != before:
            problem = f"answered {status} but changed {before!r} to {after!r}"
    return status, location, problem


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
