"""No input gives a 500: every route of ``app.url_map`` gets hostile path and query values
(and, for POST routes, hostile form fields), as an anonymous visitor and as each role.

Two parts: a sweep that sends every route, for every role, a hostile value at once in every
place (so no route is skipped), and a Hypothesis test that mixes hostile and valid values at
random within a bounded number of examples. The app runs with TESTING=True, so an exception
in a view fails the test with its traceback instead of becoming a 500.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from elearn.accounts.models import Role
from elearn.db_types import utcnow
from elearn.extensions import db
from elearn.reports import tokens
from elearn.webinars.forms import session_stamp
from elearn.webinars.schedule import sessions
from tests import factories
from tests.conftest import login_client

#: the classes of input that gave 500s when the platform was probed (issue 11)
HOSTILE_INTS = ["2147483648", "9223372036854775808", "99999999999999999999999", "0"]
HOSTILE = [
    *HOSTILE_INTS, "-1", "²", "١٢", "1e400", "nan",
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "99991231T235959Z",
    "00010101T000000Z", "23:59", "25:61",
    "a\x00b", "\x00", "line\r\nbreak", "https://meet.example.org/x\r\nX-Evil: 1",
    "%", "%00", "'\"", "<script>x</script>", "../../etc/passwd", "//evil.example", "x" * 3000,
    "", " ", "[" * 50, "\ud7ff\ufffd", "Ａ１",
]
#: query parameters the pages and the API read
QUERY_NAMES = ["page", "q", "course", "centre", "date_from", "date_to", "status", "limit",
               "cursor", "sort", "order", "next", "audience", "language", "convention",
               "webinar", "fmt", "user"]
#: form fields of the app's forms (a POST sends all of them at once)
FORM_NAMES = [
    "name", "email", "password", "confirm", "current", "current_password", "audience",
    "country", "timezone", "centre", "locale", "role", "reason", "q", "message", "note",
    "approve", "decline", "next", "payload", "slug", "description", "conventions",
    "host_country", "city", "title", "course", "start_date", "start_time", "duration_minutes",
    "join_url", "capacity", "attendance_threshold", "is_public", "repeat", "count", "until",
    "attended", "token", "answers", "remember",
]
#: routes left out: logging out would end the role's session for the rest of the test
SKIP = {"core.healthz", "accounts.logout", "static"}
ROLES = [None, Role.learner, Role.trainer, Role.coordinator, Role.admin]


@pytest.fixture
def world(app):
    """Users of every role and one of each object, so valid ids reach the code behind them."""
    trainer = factories.make_user(email="t@example.org", role=Role.trainer)
    users = {
        None: None,
        Role.learner: factories.make_user(email="l@example.org"),
        Role.trainer: trainer,
        Role.coordinator: factories.make_user(email="c@example.org", role=Role.coordinator,
                                              centre="bcrc-caribbean"),
        Role.admin: factories.make_user(email="a@example.org", role=Role.admin),
    }
    course = factories.make_course(slug="esm", owner=trainer, modules=2)
    quiz = factories.make_quiz(course)
    factories.enrol(users[Role.learner], course)
    webinar = factories.make_webinar(trainer, course=course, rrule="FREQ=WEEKLY;COUNT=3",
                                     start_utc=(utcnow() + timedelta(days=3)).replace(
                                         microsecond=0, second=0))
    certificate = factories.make_certificate(course=factories.make_course(slug="done",
                                                                           modules=1))
    token, _raw = tokens.create_token(users[Role.admin], "probe")
    db.session.commit()
    valid = {
        "slug": "esm", "module_slug": "module-1", "quiz_slug": quiz.slug, "code": certificate.code,
        "stamp": session_stamp(sessions(webinar)[1].recurrence_utc), "token": "x", "fmt": "csv",
        "path": "a.png", "filename": "css/app.css",
    }
    ints = {"webinar_id": webinar.id, "user_id": users[Role.learner].id,
            "token_id": token.id, "attempt_id": 1, "request_id": 1, "audience_id": 1,
            "centre_id": 1}
    clients = {}
    for role, user in users.items():
        client = app.test_client()
        if user is not None:
            login_client(client, user)
        clients[role] = client
    return {"clients": clients, "valid": valid, "ints": ints}


def routes(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIP]


def build_path(rule, values: dict[str, str]) -> str:
    """The rule's path with ``values`` (strings, percent-encoded here) for its arguments."""
    from urllib.parse import quote

    def replace(match):
        return quote(values[match.group(2)], safe="")

    return re.sub(r"<(?:([a-z]+):)?([a-z_]+)>", replace, rule.rule)


def valid_values(rule, world) -> dict[str, str]:
    values = {}
    for name in rule.arguments:
        values[name] = str(world["ints"].get(name, world["valid"].get(name, "1")))
    return values


def send(client, rule, path: str, query: dict, form: dict, method: str | None = None):
    method = method or ("GET" if "GET" in rule.methods else "POST")
    if method == "GET":
        response = client.get(path, query_string=query)
    else:
        response = client.post(path, query_string=query, data=form)
    response.get_data()
    response.close()  # streamed exports end their request context here
    assert response.status_code < 500, (method, path, query, form, response.status_code)
    return response


def test_every_route_every_role_gets_hostile_values_without_500(app, world):
    cycle = itertools.cycle(HOSTILE)
    turn = itertools.count()
    for rule in sorted(routes(app), key=lambda r: r.rule):
        for role in ROLES:
            client = world["clients"][role]
            value = next(cycle)
            k = next(turn)
            # valid path, hostile query and form
            send(client, rule, build_path(rule, valid_values(rule, world)),
                 {name: value for name in QUERY_NAMES}, {name: value for name in FORM_NAMES})
            if rule.arguments:
                # hostile path arguments
                hostile = {name: (HOSTILE_INTS[(k + i) % len(HOSTILE_INTS)]
                                  if name.endswith("_id") else value)
                           for i, name in enumerate(rule.arguments)}
                hostile = {k: (v if v else "x") for k, v in hostile.items()}
                send(client, rule, build_path(rule, hostile), {}, {})
            if "POST" in rule.methods and "GET" in rule.methods:
                path = build_path(rule, valid_values(rule, world))
                send(client, rule, path, {}, {name: value for name in FORM_NAMES}, "POST")


hostile_value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40))


def hostile_examples(rule, world):
    """A few Hypothesis examples for one route, mixing hostile and valid values, as a random
    role."""

    @given(data=st.data())
    @settings(max_examples=5, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(data):
        role = data.draw(st.sampled_from(ROLES), label="role")
        values = valid_values(rule, world)
        for name in rule.arguments:
            if data.draw(st.booleans(), label=f"hostile {name}"):
                strategy = (st.sampled_from(HOSTILE_INTS) if name.endswith("_id")
                            else hostile_value)
                values[name] = data.draw(strategy, label=name) or "x"
        query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), hostile_value,
                                          max_size=6), label="query")
        form = data.draw(st.dictionaries(st.sampled_from(FORM_NAMES), hostile_value,
                                         max_size=12), label="form")
        send(world["clients"][role], rule, build_path(rule, values), query, form)

    return run


def test_random_hostile_requests_never_give_500(app, world):
    """Every route gets its own few examples (one small @given per route)."""
    for rule in sorted(routes(app), key=lambda r: r.rule):
        hostile_examples(rule, world)()


# --- one regression test per class of input that gave a 500 (issue 11) ----------------------


def test_ids_beyond_the_database_range_are_404(app, admin_client, trainer):
    webinar = factories.make_webinar(trainer)
    for url in ["/webinars/99999999999999999999", "/webinars/2147483648.ics",
                "/admin/users/9223372036854775808", "/centre/participants/99999999999999999999",
                f"/webinars/{webinar.id}9999999999999999/edit"]:
        assert admin_client.get(url).status_code == 404, url
    assert admin_client.get("/webinars/%C2%B2").status_code == 404  # "²"


@pytest.mark.parametrize("url", ["/admin/users", "/courses", "/centre/participants"])
@pytest.mark.parametrize("page", ["99999999999999999999999", "2147483648", "-5", "²", "0"])
def test_huge_page_numbers(admin_client, url, page):
    response = admin_client.get(url, query_string={"page": page})
    assert response.status_code in (200, 400, 404)


@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999", "1e3", "-1"])
def test_non_ascii_and_huge_digits_in_filters(app, admin, admin_client, trainer_client, value):
    assert admin_client.get("/centre", query_string={"centre": value}).status_code == 404
    assert trainer_client.get("/trainer/reports",
                              query_string={"course": value}).status_code == 404
    _token, raw = tokens.create_token(admin, "t")
    db.session.commit()
    for name in ("course", "centre", "limit"):
        response = admin_client.get("/api/v1/enrolments", query_string={name: value},
                                    headers={"Authorization": f"Bearer {raw}"})
        assert response.status_code == 400, (name, value)


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_edge_dates_in_report_filters(admin_client, trainer_client, day):
    for client, url in [(admin_client, "/centre"), (admin_client, "/centre/participants"),
                        (trainer_client, "/trainer/reports"),
                        (admin_client, "/centre/export/participants.csv")]:
        for name in ("date_from", "date_to"):
            response = client.get(url, query_string={name: day})
            response.get_data()
            response.close()  # exports stream
            assert response.status_code in (200, 400), (url, name, day)
    page = admin_client.get("/centre", query_string={"date_to": day})
    assert page.status_code == 400
    assert "between 1900 and 2999" in page.get_data(as_text=True)


def _webinar_form(**changes):
    data = {"title": "T", "description": "", "course": "", "start_date": "2030-05-05",
            "start_time": "14:00", "timezone": "Europe/Zurich", "duration_minutes": "60",
            "join_url": "https://meet.example.org/room", "capacity": "0",
            "attendance_threshold": "75", "is_public": "y", "repeat": "none", "count": "",
            "until": ""}
    data.update(changes)
    return data


DATE_MESSAGE = "between 1900 and 2999"
LINE_MESSAGE = "Remove the line breaks"


@pytest.mark.parametrize("changes, message", [
    ({"start_date": "9999-12-31", "start_time": "23:30"}, DATE_MESSAGE),
    ({"start_date": "0001-01-01", "start_time": "00:10"}, DATE_MESSAGE),
    ({"repeat": "weekly", "until": "9999-12-31"}, DATE_MESSAGE),
    ({"repeat": "weekly", "until": "0001-01-01"}, DATE_MESSAGE),
    ({"join_url": "https://meet.example.org/x\r\nX-Evil: 1"}, LINE_MESSAGE),
    ({"join_url": "https://meet.example.org/\nroom"}, LINE_MESSAGE),
])
def test_hostile_webinar_forms_get_a_message(trainer_client, changes, message):
    from elearn.webinars.models import Webinar

    response = trainer_client.post("/webinars/new", data=_webinar_form(**changes))
    assert response.status_code < 500
    assert message in response.get_data(as_text=True)
    assert db.session.query(Webinar).count() == 0


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_moving_a_session_to_an_edge_date(trainer, trainer_client, day):
    webinar = factories.make_webinar(trainer, rrule="FREQ=WEEKLY;COUNT=3")
    stamp = session_stamp(sessions(webinar)[1].recurrence_utc)
    response = trainer_client.post(f"/webinars/{webinar.id}/sessions/{stamp}/move",
                                   data={"start_date": day, "start_time": "00:10"})
    assert response.status_code < 500
    assert DATE_MESSAGE in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["name", "email", "password"])
def test_nul_in_a_form_field_is_refused_with_a_message(client, field):
    data = {"name": "Amina", "email": "amina@example.org", "password": "long passphrase!!",
            "confirm": "long passphrase!!", "country": "SN", "timezone": "UTC"}
    data[field] = data[field][:3] + "\x00" + data[field][3:]
    response = client.post("/register", data=data)
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)


def test_nul_in_a_query_or_path_is_refused(client, admin_client):
    assert client.get("/courses", query_string={"q": "a\x00b"}).status_code == 400
    assert admin_client.get("/admin/users", query_string={"q": "\x00"}).status_code == 400
    assert client.get("/courses/a%00b").status_code == 404
    assert client.get("/certificates/%00").status_code == 404
