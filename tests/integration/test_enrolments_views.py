"""Enrolment pages: enrol, withdraw, requests for a place, module done, My learning, bulk CSV."""

import io
import re

import pytest
import sqlalchemy as sa

from elearn.accounts.models import Role, User
from elearn.enrolments import services
from elearn.enrolments.models import (
    Enrolment,
    EnrolmentRequest,
    EnrolmentStatus,
    ModuleProgress,
    RequestStatus,
)
from elearn.extensions import db
from tests import factories


def enrolment_of(user, course):
    return services.get_enrolment(user.id, course.id)


# --- enrol and withdraw -----------------------------------------------------------------------


def test_enrol_withdraw_and_enrol_again_keep_progress(learner_client, learner):
    course = factories.make_course(modules=2)
    response = learner_client.post(f"/courses/{course.slug}/enrol", data={"next": "/me/learning"})
    assert response.status_code == 302 and response.headers["Location"] == "/me/learning"
    enrolment = enrolment_of(learner, course)
    services.mark_module_done(enrolment, course.modules[0])
    db.session.commit()
    learner_client.post(f"/courses/{course.slug}/withdraw", data={"confirmed": "yes"})
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.withdrawn
    html = learner_client.get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Enrol again" in html and "50% done" in html
    learner_client.post(f"/courses/{course.slug}/enrol")
    db.session.refresh(enrolment)
    assert enrolment.status is EnrolmentStatus.active and enrolment.progress_percent == 50
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_open_redirects_through_next_are_refused(learner_client):
    course = factories.make_course()
    response = learner_client.post(f"/courses/{course.slug}/enrol",
                                   data={"next": "https://evil.example/"})
    assert "evil" not in response.headers["Location"]


def test_double_click_race_is_settled_by_the_unique_constraint(learner_client, learner,
                                                               monkeypatch):
    course = factories.make_course()
    factories.enrol(learner, course)  # the "other" request won
    real = services.get_enrolment
    calls = []

    def stale(user_id, course_id):  # this request still saw no enrolment
        calls.append(1)
        return None if len(calls) == 1 else real(user_id, course_id)

    monkeypatch.setattr(services, "get_enrolment", stale)
    response = learner_client.post(f"/courses/{course.slug}/enrol")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1


def test_enrol_and_withdraw_need_csrf(csrf_enabled, learner_client, learner, csrf_token):
    course = factories.make_course()
    assert learner_client.post(f"/courses/{course.slug}/enrol").status_code == 400
    assert enrolment_of(learner, course) is None
    token = csrf_token(learner_client, f"/courses/{course.slug}")
    response = learner_client.post(f"/courses/{course.slug}/enrol", data={"csrf_token": token})
    assert response.status_code == 302 and enrolment_of(learner, course) is not None
    assert learner_client.post(f"/courses/{course.slug}/withdraw").status_code == 400
    assert enrolment_of(learner, course).status is EnrolmentStatus.active


def test_a_learner_cannot_enrol_someone_else(learner_client, learner):
    course = factories.make_course()
    other = factories.make_user()
    learner_client.post(f"/courses/{course.slug}/enrol",
                        data={"user_id": other.id, "email": other.email})
    assert enrolment_of(other, course) is None and enrolment_of(learner, course) is not None
    # nor through bulk enrolment, which learners cannot reach
    assert learner_client.get(f"/courses/{course.slug}/bulk-enrol").status_code == 403
    assert learner_client.post(f"/courses/{course.slug}/bulk-enrol/confirm",
                               data={"payload": "x"}).status_code == 403


def test_unpublished_courses_are_hidden(learner_client):
    course = factories.make_course(published=False)
    assert learner_client.post(f"/courses/{course.slug}/enrol").status_code == 404
    assert learner_client.get(f"/courses/{course.slug}").status_code == 404
    assert learner_client.post("/courses/no-such-course/enrol").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client):
    course = factories.make_course()
    response = client.post(f"/courses/{course.slug}/enrol")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "/login" in client.get("/me/learning").headers["Location"]


# --- restricted courses and requests ---------------------------------------------------------


@pytest.fixture
def restricted(app, trainer):
    return factories.make_course(owner=trainer, restricted=True, audiences=("nip-official",),
                                 title="NIP review")


def test_restricted_course_explains_why_and_offers_a_request(learner_client, learner, restricted):
    html = learner_client.get(f"/courses/{restricted.slug}").get_data(as_text=True)
    assert "reserved for: Stockholm NIP national official" in html
    assert "Request a place" in html and ">Enrol<" not in html
    response = learner_client.post(f"/courses/{restricted.slug}/enrol")
    assert response.status_code == 302 and enrolment_of(learner, restricted) is None


def test_fitting_audience_enrols_in_one_click(as_user, restricted):
    nip = factories.make_user(audience_slug="nip-official")
    as_user(nip).post(f"/courses/{restricted.slug}/enrol")
    assert enrolment_of(nip, restricted).status is EnrolmentStatus.active


def test_request_approved_by_trainer_enrols_and_tells_the_learner(
        learner_client, learner, restricted, as_user, trainer, outbox):
    response = learner_client.post(f"/courses/{restricted.slug}/request",
                                   data={"message": "I chair our NIP customs working group"})
    assert response.status_code == 302
    assert [m["To"] for m in outbox] == [trainer.email]
    assert "I chair our NIP customs working group" in outbox[0].get_content()
    # one pending request per learner and course
    learner_client.post(f"/courses/{restricted.slug}/request", data={"message": "again"})
    assert db.session.scalar(sa.select(sa.func.count(EnrolmentRequest.id))) == 1
    html = learner_client.get(f"/courses/{restricted.slug}").get_data(as_text=True)
    assert "Place requested" in html

    trainer_client = as_user(trainer)
    html = trainer_client.get("/enrolments/requests").get_data(as_text=True)
    assert learner.name in html and "I chair our NIP" in html
    item = db.session.scalar(sa.select(EnrolmentRequest))
    trainer_client.post(f"/enrolments/requests/{item.id}",
                        data={"approve": "1", "note": "Welcome"})
    db.session.refresh(item)
    assert item.status is RequestStatus.approved and item.decided_by_id == trainer.id
    assert item.decided_at is not None
    assert enrolment_of(learner, restricted).status is EnrolmentStatus.active
    assert outbox[-1]["To"] == learner.email and "approved" in outbox[-1].get_content()
    assert "Welcome" in outbox[-1].get_content()
    # answering twice changes nothing
    trainer_client.post(f"/enrolments/requests/{item.id}", data={"decline": "1"})
    db.session.refresh(item)
    assert item.status is RequestStatus.approved


def test_request_declined_by_the_coordinator_of_the_learners_centre(
        as_user, restricted, coordinator, outbox):
    member = factories.make_user(centre="bcrc-caribbean")
    as_user(member).post(f"/courses/{restricted.slug}/request", data={"message": ""})
    assert coordinator.email in [m["To"] for m in outbox]
    item = db.session.scalar(sa.select(EnrolmentRequest))
    as_user(coordinator).post(f"/enrolments/requests/{item.id}", data={"decline": "1"})
    db.session.refresh(item)
    assert item.status is RequestStatus.declined and enrolment_of(member, restricted) is None
    assert outbox[-1]["To"] == member.email and "declined" in outbox[-1].get_content()
    # a new request may follow a declined one
    as_user(member).post(f"/courses/{restricted.slug}/request", data={"message": "please"})
    assert db.session.scalar(sa.select(sa.func.count(EnrolmentRequest.id))) == 2


def test_others_cannot_answer_a_request(as_user, learner_client, restricted):
    learner_client.post(f"/courses/{restricted.slug}/request", data={"message": ""})
    item = db.session.scalar(sa.select(EnrolmentRequest))
    other_trainer = factories.make_user(role=Role.trainer)
    other_coordinator = factories.make_user(role=Role.coordinator, centre="bcrc-pacific")
    assert as_user(other_trainer).post(f"/enrolments/requests/{item.id}",
                                       data={"approve": "1"}).status_code == 404
    assert as_user(other_coordinator).post(f"/enrolments/requests/{item.id}",
                                           data={"approve": "1"}).status_code == 404
    assert learner_client.post(f"/enrolments/requests/{item.id}",
                               data={"approve": "1"}).status_code == 403
    assert "No request waits" in as_user(other_trainer).get("/enrolments/requests").get_data(
        as_text=True)
    db.session.refresh(item)
    assert item.status is RequestStatus.pending


def test_the_database_allows_one_pending_request_per_user_and_course(app, learner, restricted):
    from sqlalchemy.exc import IntegrityError

    db.session.add(EnrolmentRequest(user_id=learner.id, course_id=restricted.id))
    db.session.commit()
    db.session.add(EnrolmentRequest(user_id=learner.id, course_id=restricted.id,
                                    status=RequestStatus.declined))
    db.session.commit()  # decided requests are history, not limited
    db.session.add(EnrolmentRequest(user_id=learner.id, course_id=restricted.id))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text(
            "INSERT INTO enrolment_requests (user_id, course_id, status, message, created_at, "
            "decision_note) VALUES (:u, :c, 'maybe', '', '2026-01-01', '')"
        ), {"u": learner.id, "c": restricted.id})
    db.session.rollback()


# --- marking modules done ----------------------------------------------------------------------


def test_a_learner_marks_only_their_own_modules(learner_client, learner):
    course = factories.make_course(modules=2)
    other = factories.make_user()
    other_enrolment = services.enrol(other, course)
    db.session.commit()
    module = course.modules[0]
    url = f"/courses/{course.slug}/modules/{module.slug}/done"
    # not enrolled: 404, and the other learner's progress is untouched whatever is posted
    assert learner_client.post(url, data={"enrolment_id": other_enrolment.id,
                                          "user_id": other.id}).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ModuleProgress.id))) == 0
    learner_client.post(f"/courses/{course.slug}/enrol")
    assert learner_client.post(url, data={"enrolment_id": other_enrolment.id}).status_code == 302
    mine = enrolment_of(learner, course)
    rows = db.session.scalars(sa.select(ModuleProgress)).all()
    assert [(r.enrolment_id, r.module_id) for r in rows] == [(mine.id, module.id)]
    assert learner_client.post(f"/courses/{course.slug}/modules/nope/done").status_code == 404


def test_finishing_the_last_module_completes_and_lists_the_certificate(learner_client, learner):
    course = factories.make_course(modules=1, title="Customs basics")
    learner_client.post(f"/courses/{course.slug}/enrol")
    learner_client.post(f"/courses/{course.slug}/modules/{course.modules[0].slug}/done")
    html = learner_client.get("/me/learning").get_data(as_text=True)
    code = re.search(r"/me/certificates/([a-z2-9-]{23})", html).group(1)
    assert "Customs basics" in html and "Completed courses" in html
    assert learner_client.get(f"/me/certificates/{code}").status_code == 200


# --- My learning --------------------------------------------------------------------------------


def _learning_queries(count_queries, client):
    with count_queries() as counter:
        response = client.get("/me/learning")
    assert response.status_code == 200
    return counter.count, response.get_data(as_text=True)


def test_my_learning_makes_the_same_number_of_queries_for_2_and_40_enrolments(
        as_user, count_queries):
    small, large = factories.make_user(), factories.make_user()
    courses = [factories.make_course(modules=1) for _ in range(40)]
    for n, course in enumerate(courses):
        if n < 2:
            factories.complete_course(small, course) if n == 0 else services.enrol(small, course)
        if n % 3 == 0:
            factories.complete_course(large, course)
        else:
            services.enrol(large, course)
    db.session.commit()
    small_count, small_html = _learning_queries(count_queries, as_user(small))
    large_count, large_html = _learning_queries(count_queries, as_user(large))
    assert small_count == large_count
    assert large_html.count("/me/certificates/") == 14
    assert small_html.count("/me/certificates/") == 1


# --- bulk enrolment ----------------------------------------------------------------------------

HEADER = "email,name,audience,country,centre\n"


def upload(client, course, text: str | bytes, name="people.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(f"/courses/{course.slug}/bulk-enrol",
                       data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def payload(html: str) -> str:
    return re.search(r'name="payload" type="hidden" value="([^"]+)"', html).group(1)


def test_bulk_preview_then_confirm(as_user, trainer, outbox):
    course = factories.make_course(owner=trainer)
    client = as_user(trainer)
    text = HEADER + "amina@example.org,Amina Diallo,customs-officer,SN,\nbad,X,customs-officer,SN,\n"
    response = upload(client, course, text)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "will create account and enrol" in html and "Bad email address." in html
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.email == "amina@example.org")) == 0  # nothing written before confirmation
    token = payload(html)
    response = client.post(f"/courses/{course.slug}/bulk-enrol/confirm", data={"payload": token})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amina@example.org"))
    assert enrolment_of(user, course) is not None
    assert [m["To"] for m in outbox] == ["amina@example.org"]
    # the same confirmation again changes nothing
    client.post(f"/courses/{course.slug}/bulk-enrol/confirm", data={"payload": token})
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 1
    assert len(outbox) == 1


def test_bulk_preview_shows_every_error_of_a_row(as_user, trainer):
    course = factories.make_course(owner=trainer)
    html = upload(as_user(trainer), course, HEADER + "bad,X,spacefarer,Atlantis,\n").get_data(
        as_text=True)
    row = html[html.index('class="row-error"'):]
    row = row[:row.index("</tr>")]
    assert "Bad email address." in row and "spacefarer" in row and "Atlantis" in row
    assert row.count("<li>") == 3


def test_bulk_confirm_refuses_a_changed_payload(as_user, trainer):
    course = factories.make_course(owner=trainer)
    client = as_user(trainer)
    html = upload(client, course, HEADER + "a@example.org,A,customs-officer,SN,\n").get_data(
        as_text=True)
    token = payload(html)
    response = client.post(f"/courses/{course.slug}/bulk-enrol/confirm",
                           data={"payload": token[:-3] + "abc"})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0
    # nor may another trainer replay it on their own course
    other = factories.make_user(role=Role.trainer)
    other_course = factories.make_course(owner=other)
    as_user(other).post(f"/courses/{other_course.slug}/bulk-enrol/confirm",
                        data={"payload": token})
    assert db.session.scalar(sa.select(sa.func.count(Enrolment.id))) == 0


@pytest.mark.parametrize("content, message", [
    ((HEADER + "ana@example.org,Añá,customs-officer,SN,\n").encode()
     + b"zo\xeb@example.org,Zo\xeb,customs-officer,SN,\n", "Line 3"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls"),
    (b"amina@example.org,Amina,customs-officer,SN\n", "header"),
])
def test_bulk_bad_files_get_a_clear_message(as_user, trainer, content, message):
    course = factories.make_course(owner=trainer)
    response = upload(as_user(trainer), course, content)
    assert response.status_code == 400 and message in response.get_data(as_text=True)


def test_bulk_access(as_user, trainer, coordinator, admin):
    course = factories.make_course(owner=trainer)
    assert as_user(trainer).get(f"/courses/{course.slug}/bulk-enrol").status_code == 200
    assert as_user(admin).get(f"/courses/{course.slug}/bulk-enrol").status_code == 200
    page = as_user(coordinator).get(f"/courses/{course.slug}/bulk-enrol")
    assert page.status_code == 200 and "your centre" in page.get_data(as_text=True)
    other_trainer = factories.make_user(role=Role.trainer)
    assert as_user(other_trainer).get(f"/courses/{course.slug}/bulk-enrol").status_code == 403
    hidden = factories.make_course(owner=trainer, published=False)
    assert as_user(coordinator).get(f"/courses/{hidden.slug}/bulk-enrol").status_code == 404


def test_bulk_preview_export_escapes_formula_cells(as_user, trainer):
    course = factories.make_course(owner=trainer)
    client = as_user(trainer)
    text = HEADER + "=cmd|' /C calc'!A0,@SUM(1),+customs-officer,-SN,=HYPERLINK(\"x\")\n"
    html = upload(client, course, text).get_data(as_text=True)
    response = client.post(f"/courses/{course.slug}/bulk-enrol/report.csv",
                           data={"payload": payload(html)})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True).lstrip("\ufeff")
    import csv

    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:2] == ["line", "email"]
    for cell in rows[1]:
        assert not cell.startswith(("=", "+", "-", "@")), cell
    assert "'=cmd|' /C calc'!A0" in rows[1]


def test_example_file_downloads(as_user, trainer):
    course = factories.make_course(owner=trainer)
    response = as_user(trainer).get(f"/courses/{course.slug}/bulk-enrol/example.csv")
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip("\ufeff").startswith(
        "email,name,audience,country,centre")


# --- access, route by route and role by role -----------------------------------------------

ROLES = ("anonymous", "learner", "other_trainer", "course_trainer", "coordinator", "admin")
ACCESS = [
    ("/me/learning", (302, 200, 200, 200, 200, 200)),
    ("/enrolments/requests", (302, 403, 200, 200, 200, 200)),
    ("/courses/{slug}/bulk-enrol", (302, 403, 403, 200, 200, 200)),
    ("/courses/{slug}/bulk-enrol/example.csv", (302, 403, 403, 200, 200, 200)),
]


@pytest.mark.parametrize("url, expected", ACCESS)
def test_access_by_role(app, as_user, client, trainer, coordinator, admin, url, expected):
    course = factories.make_course(owner=trainer)
    people = {"learner": factories.make_user(),
              "other_trainer": factories.make_user(role=Role.trainer),
              "course_trainer": trainer, "coordinator": coordinator, "admin": admin}
    for role, status in zip(ROLES, expected, strict=True):
        who = client if role == "anonymous" else as_user(people[role])
        response = who.get(url.format(slug=course.slug))
        assert response.status_code == status, (url, role, response.status_code)
