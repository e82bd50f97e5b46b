"""Access to every quizzes route, by role: one table, one test per cell."""

from __future__ import annotations

import pytest

from elearn.accounts.models import Role
from elearn.extensions import db
from elearn.quizzes import services
from tests import factories

ROLES = ("anonymous", "stranger", "enrolled", "other_trainer", "course_trainer", "admin")

# (method, route, expected status per role); {a} is an attempt of the enrolled learner
ROUTES = [
    ("get", "/courses/esm/quizzes/basics", (302, 404, 200, 404, 200, 200)),
    ("post", "/courses/esm/quizzes/basics/start", (302, 404, 302, 404, 302, 302)),
    ("get", "/courses/esm/quizzes/basics/attempts/{a}", (302, 404, 200, 404, 404, 404)),
    ("post", "/courses/esm/quizzes/basics/attempts/{a}/save", (302, 404, 302, 404, 404, 404)),
    ("get", "/courses/esm/quizzes/basics/attempts/{a}/result", (302, 404, 302, 404, 404, 404)),
    ("post", "/courses/esm/quizzes/basics/attempts/{a}/submit", (302, 404, 302, 404, 404, 404)),
    ("get", "/trainer/courses/esm/quizzes/basics/analysis", (302, 403, 403, 404, 200, 200)),
    ("get", "/trainer/courses/esm/quizzes/basics/analysis.csv", (302, 403, 403, 404, 200, 200)),
]


@pytest.mark.parametrize("method, route, expected", ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
@pytest.mark.parametrize("role", ROLES)
def test_access(app, client, as_user, method, route, expected, role):
    owner = factories.make_user(role=Role.trainer)
    course = factories.make_course(slug="esm", owner=owner, modules=0)
    quiz = factories.make_quiz(course)
    learner = factories.make_user()
    factories.enrol(learner, course)
    attempt = services.start_attempt(quiz, learner)
    db.session.commit()
    users = {
        "anonymous": lambda: None,
        "stranger": factories.make_user,
        "enrolled": lambda: learner,
        "other_trainer": lambda: factories.make_user(role=Role.trainer),
        "course_trainer": lambda: owner,
        "admin": lambda: factories.make_user(role=Role.admin),
    }
    user = users[role]()
    http = client if user is None else as_user(user)
    data = {"attempt_token": services.attempt_token(attempt)} if method == "post" else None
    response = getattr(http, method)(route.format(a=attempt.id), data=data)
    assert response.status_code == expected[ROLES.index(role)]
    if role == "anonymous":
        assert "/login" in response.headers["Location"]
