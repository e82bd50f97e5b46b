"""The named access rules of elearn.permissions and the loaders of elearn.loaders."""

import pytest
from werkzeug.exceptions import Forbidden, NotFound

from elearn import permissions
from elearn.accounts.models import Role
from elearn.certificates import services as certificate_services
from elearn.courses.models import Course
from elearn.extensions import db
from elearn.loaders import load_certificate, load_course, load_quiz
from tests import factories


def test_the_moved_rules_have_no_second_home():
    """can_manage_course, can_manage_webinar and can_view_certificate live in permissions
    only."""
    from elearn.webinars.models import Webinar

    assert not hasattr(Course, "can_manage")
    assert not hasattr(Webinar, "can_manage")
    assert not hasattr(certificate_services, "can_view")
    assert not hasattr(certificate_services, "can_change")


def test_course_rules(app, trainer, learner, admin):
    course = factories.make_course(owner=trainer, published=False)
    assert permissions.can_manage_course(trainer, course)
    assert permissions.can_manage_course(admin, course)
    assert not permissions.can_manage_course(learner, course)
    assert not permissions.can_view_course(learner, course)
    course.published = True
    assert permissions.can_view_course(learner, course)


def test_certificate_rules(app, trainer, coordinator, make_user):
    holder = make_user(centre="bcrc-caribbean")
    stranger_trainer = make_user(role=Role.trainer)
    other_coordinator = make_user(role=Role.coordinator, centre="bcrc-scrc-senegal")
    certificate = factories.make_certificate(holder, factories.make_course(owner=trainer))
    assert permissions.can_view_certificate(holder, certificate)
    assert permissions.can_view_certificate(trainer, certificate)
    assert permissions.can_view_certificate(coordinator, certificate)  # the holder's centre
    assert not permissions.can_view_certificate(other_coordinator, certificate)
    assert not permissions.can_view_certificate(stranger_trainer, certificate)
    assert permissions.can_change_certificate(trainer, certificate)
    assert not permissions.can_change_certificate(holder, certificate)
    assert not permissions.can_change_certificate(coordinator, certificate)


def _as(app, user):
    from flask_login import login_user

    context = app.test_request_context()
    context.push()
    login_user(user)
    return context


def test_load_course_hides_what_the_user_may_not_know(app, trainer, learner):
    draft = factories.make_course(owner=trainer, published=False)
    public = factories.make_course(owner=trainer)
    context = _as(app, learner)
    try:
        with pytest.raises(NotFound):
            load_course(draft.slug)
        with pytest.raises(NotFound):
            load_course("no-such-course")
        assert load_course(public.slug) is public
        with pytest.raises(NotFound):  # a stricter rule answers 404 by default ...
            load_course(public.slug, permissions.can_manage_course)
        with pytest.raises(Forbidden):  # ... or 403 when the course may be seen
            load_course(public.slug, permissions.can_manage_course, hide=False)
        with pytest.raises(NotFound):
            load_quiz(public, "no-such-quiz")
    finally:
        context.pop()
    context = _as(app, trainer)
    try:
        assert load_course(draft.slug, permissions.can_manage_course) is draft
    finally:
        context.pop()


def test_load_certificate(app, trainer, make_user):
    holder = make_user()
    certificate = factories.make_certificate(holder, factories.make_course(owner=trainer))
    db.session.flush()
    context = _as(app, holder)
    try:
        assert load_certificate(certificate.code) is certificate
        with pytest.raises(Forbidden):  # seen, but only trainers change it
            load_certificate(certificate.code, permissions.can_change_certificate)
    finally:
        context.pop()
    context = _as(app, make_user())
    try:
        with pytest.raises(NotFound):  # another learner's certificate does not exist for them
            load_certificate(certificate.code)
    finally:
        context.pop()


def test_an_unpublished_course_is_unknown_to_its_learners_on_every_page(
        app, learner_client, learner, trainer):
    """One visibility rule for modules and quizzes (the quiz loader once let an enrolled
    learner into the quizzes of a course withdrawn from publication)."""
    course = factories.make_course(owner=trainer)
    factories.make_quiz(course)
    factories.enrol(learner, course)
    module = course.modules[0].slug
    assert learner_client.get(f"/courses/{course.slug}/quizzes/basics").status_code == 200
    course.published = False
    db.session.commit()
    for url in (f"/courses/{course.slug}", f"/courses/{course.slug}/modules/{module}",
                f"/courses/{course.slug}/quizzes/basics"):
        assert learner_client.get(url).status_code == 404, url


def test_an_admin_sees_any_person_and_a_trainer_only_their_learners(
        app, as_user, admin, trainer, make_user):
    person = make_user(centre="bcrc-scrc-senegal")
    admin_client = as_user(admin)
    assert admin_client.get(f"/centre/participants/{person.id}").status_code == 200
    other = factories.centre("bcrc-caribbean").id
    assert admin_client.get(f"/centre/participants/{person.id}?centre={other}").status_code == 404
    client = as_user(trainer)
    assert client.get(f"/trainer/reports/participants/{person.id}").status_code == 404
    factories.enrol(person, factories.make_course(owner=trainer), status="withdrawn")
    assert client.get(f"/trainer/reports/participants/{person.id}").status_code == 200


def test_webinar_rules(app, trainer, make_user):
    course = factories.make_course(owner=trainer)
    webinar = factories.make_webinar(trainer, course=course, is_public=False)
    co_trainer_learner = make_user()
    course.trainers.append(co_trainer_learner)  # a learner listed as trainer: not a manager
    db.session.flush()
    assert permissions.can_manage_webinar(trainer, webinar)
    assert permissions.can_manage_webinar(make_user(role=Role.admin), webinar)
    assert not permissions.can_manage_webinar(co_trainer_learner, webinar)
    assert not permissions.can_manage_webinar(make_user(role=Role.trainer), webinar)


def test_views_load_courses_through_the_loader():
    """No view fetches a course by its slug itself (each once applied its own visibility)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "elearn"
    own_loader = re.compile(r"select\(Course\)\s*\.where\(Course\.slug\s*==")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if (path.name.endswith("views.py") or path.name in ("api.py", "blueprint.py"))
                 and own_loader.search(path.read_text())]
    assert offenders == []


def test_views_load_webinars_and_people_through_the_loaders():
    """Views fetch a webinar or an account by id only through elearn.loaders (no private
    wrappers such as the webinars' old ``_get``/``_manage``)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "elearn"
    own_loader = re.compile(r"db\.session\.get\((User|Webinar), (user|webinar)_id\)|\bdef _(get|manage)\(")
    offenders = [str(path.relative_to(root)) for path in root.rglob("*.py")
                 if (path.name.endswith("views.py") or path.name in ("api.py", "blueprint.py"))
                 and own_loader.search(path.read_text())]
    assert offenders == []


def test_load_person(app, trainer, learner, admin):
    from flask_login import login_user
    from werkzeug.exceptions import NotFound

    from elearn.loaders import load_person

    with app.test_request_context():
        login_user(trainer)
        with pytest.raises(NotFound):
            load_person(learner.id, permissions.can_see_person)
        with pytest.raises(NotFound):
            load_person(10**9)
        assert load_person(learner.id) is learner
    with app.test_request_context():
        login_user(admin)
        assert load_person(learner.id, permissions.can_see_person) is learner
