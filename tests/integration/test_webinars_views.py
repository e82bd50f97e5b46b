"""Webinar pages, permissions, registration with a waiting list, feeds and attendance."""

from __future__ import annotations

import re
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from babel.dates import format_time
from icalendar import Calendar

from elearn.accounts.models import Role
from elearn.certificates.models import Certificate
from elearn.database import retrying
from elearn.db_types import utcnow
from elearn.enrolments.models import Enrolment, EnrolmentStatus
from elearn.extensions import db
from elearn.webinars import registering, services
from elearn.webinars.forms import session_stamp
from elearn.webinars.models import Registration, RegistrationStatus, Webinar, WebinarStatus
from elearn.webinars.schedule import build_rrule, local_to_utc, sessions
from tests import factories
from tests.icaljs import icaljs_read


def future_day(days: int = 20) -> date:
    return (utcnow() + timedelta(days=days)).date()


def form_data(**overrides) -> dict:
    data = {
        "title": "Spotting illegal e-waste shipments",
        "description": "Case studies from ports.",
        "course": "",
        "start_date": future_day().isoformat(),
        "start_time": "14:00",
        "timezone": "Africa/Nairobi",
        "duration_minutes": "90",
        "join_url": "https://meet.example.org/room-1",
        "capacity": "0",
        "attendance_threshold": "75",
        "is_public": "y",
        "repeat": "none",
        "count": "",
        "until": "",
    }
    data.update(overrides)
    return data


def make_trainer(email="other-trainer@example.org", **kw):
    return factories.make_user(email=email, role=Role.trainer, **kw)


def webinar_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(Webinar.id)))


# --------------------------------------------------------------------------- scheduling


def test_trainer_schedules_a_weekly_series_stored_as_one_webinar(trainer_client, trainer):
    course = factories.make_course(owner=trainer)
    response = trainer_client.post("/webinars/new", data=form_data(
        course=str(course.id), repeat="weekly", count="5", timezone="Europe/Zurich"))
    assert response.status_code == 302
    webinar = db.session.scalar(sa.select(Webinar))
    assert webinar.rrule == "FREQ=WEEKLY;COUNT=5"
    assert webinar.course_id == course.id and webinar.organiser_id == trainer.id
    assert webinar.start_utc == local_to_utc(future_day(), time(14), "Europe/Zurich")
    assert len(sessions(webinar)) == 5
    assert webinar.ics_event and "RRULE:FREQ=WEEKLY;COUNT=5" in webinar.ics_event
    assert webinar.last_end_utc == sessions(webinar)[-1].end_utc


def test_the_form_defaults_to_the_trainers_zone(trainer_client):
    html = trainer_client.get("/webinars/new").get_data(as_text=True)
    assert re.search(r'<option selected value="Africa/Dakar">|<option value="Africa/Dakar" selected',
                     html)


@pytest.mark.parametrize("field,value,message", [
    ("start_date", "2020-01-01", "in the past"),
    ("join_url", "http://meet.example.org/x", "https://"),
    ("join_url", "javascript:alert(1)", "https://"),
    ("timezone", "Mars/Olympus", "time zone from the list"),
    ("duration_minutes", "0", "Between 10 and 600"),
    ("count", "1", "Between 2 and"),
])
def test_bad_input_is_refused_next_to_the_field(trainer_client, field, value, message):
    extra = {"repeat": "weekly", "count": "3"} if field == "count" else {}
    extra[field] = value
    response = trainer_client.post("/webinars/new", data=form_data(**extra))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'class="error"' in html and message in html
    assert webinar_count() == 0


def test_nonexistent_and_repeated_local_times_get_a_clear_message(trainer_client):
    year = utcnow().year + 1
    # last Sunday of March: 02:30 does not exist in Zurich
    march = max(d for d in (date(year, 3, day) for day in range(25, 32)) if d.weekday() == 6)
    html = trainer_client.post("/webinars/new", data=form_data(
        timezone="Europe/Zurich", start_date=march.isoformat(), start_time="02:30",
    )).get_data(as_text=True)
    assert "does not exist in Europe/Zurich" in html
    october = max(d for d in (date(year, 10, day) for day in range(25, 32)) if d.weekday() == 6)
    html = trainer_client.post("/webinars/new", data=form_data(
        timezone="Europe/Zurich", start_date=october.isoformat(), start_time="02:30",
    )).get_data(as_text=True)
    assert "happens twice in Europe/Zurich" in html
    assert webinar_count() == 0


def test_a_trainer_ties_webinars_only_to_their_own_courses(trainer_client):
    other = make_trainer()
    foreign = factories.make_course(owner=other)
    html = trainer_client.post("/webinars/new", data=form_data(course=str(foreign.id))).get_data(
        as_text=True)
    assert "Choose one of your courses." in html
    assert webinar_count() == 0


def test_learner_cannot_schedule(learner_client, client):
    assert learner_client.get("/webinars/new").status_code == 403
    assert learner_client.post("/webinars/new", data=form_data()).status_code == 403
    assert client.get("/webinars/new").status_code == 302
    assert webinar_count() == 0


@pytest.mark.parametrize("path", ["/edit", "/cancel", "/registrations", "/registrations.csv",
                                  "/attendance"])
def test_trainer_cannot_touch_another_trainers_webinar(trainer_client, admin_client, path):
    other = make_trainer()
    webinar = factories.make_webinar(other)
    assert trainer_client.get(f"/webinars/{webinar.id}{path}").status_code == 404
    assert trainer_client.post(f"/webinars/{webinar.id}{path}", data={}).status_code in (404, 405)
    assert admin_client.get(f"/webinars/{webinar.id}{path}").status_code == 200


def test_co_trainer_of_the_course_manages_its_webinars(as_user, trainer):
    colleague = make_trainer()
    course = factories.make_course(owner=trainer)
    course.trainers.append(colleague)
    db.session.commit()
    webinar = factories.make_webinar(trainer, course=course)
    assert as_user(colleague).get(f"/webinars/{webinar.id}/edit").status_code == 200


# --------------------------------------------------------------------------- changes


def test_each_change_raises_sequence_and_mails_registrants(trainer_client, trainer, learner,
                                                         outbox):
    webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=4),
                                     zone="America/New_York")
    registering.register(webinar.id, learner)
    db.session.commit()
    outbox.clear()
    seen = [webinar.sequence]

    local = webinar.start_utc.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    new_day = (local + timedelta(days=1)).date()
    response = trainer_client.post(f"/webinars/{webinar.id}/edit", data=form_data(
        timezone="America/New_York", start_date=new_day.isoformat(),
        start_time=local.strftime("%H:%M"), repeat="weekly", count="4"))
    assert response.status_code == 302
    db.session.refresh(webinar)
    seen.append(webinar.sequence)
    assert [m["To"] for m in outbox] == [learner.email]
    assert "METHOD:REQUEST" in attachment_text(outbox[-1])

    second = sessions(webinar)[1]
    stamp = session_stamp(second.recurrence_utc)
    moved = (second.start_utc + timedelta(hours=3)).astimezone(
        __import__("zoneinfo").ZoneInfo("America/New_York"))
    response = trainer_client.post(f"/webinars/{webinar.id}/sessions/{stamp}/move", data={
        "start_date": moved.date().isoformat(), "start_time": moved.strftime("%H:%M")})
    assert response.status_code == 302
    db.session.refresh(webinar)
    seen.append(webinar.sequence)

    third = sessions(webinar)[2]
    response = trainer_client.post(
        f"/webinars/{webinar.id}/sessions/{session_stamp(third.recurrence_utc)}/cancel")
    assert response.status_code == 302
    db.session.refresh(webinar)
    seen.append(webinar.sequence)
    cancel_mail = outbox[-1]
    assert 'method="CANCEL"' in cancel_mail.get_body().as_string() or \
        attachment_part(cancel_mail).get_param("method") == "CANCEL"
    assert "RECURRENCE-ID" in attachment_text(cancel_mail)

    response = trainer_client.post(f"/webinars/{webinar.id}/cancel")
    db.session.refresh(webinar)
    seen.append(webinar.sequence)
    assert webinar.status is WebinarStatus.cancelled
    assert seen == sorted(set(seen)) and len(seen) == 5  # strictly rising

    data = trainer_client.get(f"/webinars/{webinar.id}.ics").data
    assert str(Calendar.from_ical(data)["METHOD"]) == "CANCEL"  # single download of a cancelled one
    read = icaljs_read(data)
    assert {o["status"] for o in read["occurrences"]} == {"CANCELLED"}
    master = next(c for c in Calendar.from_ical(data).walk("VEVENT") if "RECURRENCE-ID" not in c)
    assert master["SEQUENCE"] == webinar.sequence
    assert len(outbox) == 4  # changed, moved, session cancelled, cancelled
    feed = Calendar.from_ical(trainer_client.get("/webinars.ics").data)
    assert "METHOD" not in feed  # feeds keep it, as STATUS:CANCELLED
    assert {str(v["STATUS"]) for v in feed.walk("VEVENT") if "RECURRENCE-ID" not in v} == {
        "CANCELLED"}


def attachment_part(message):
    return next(p for p in message.iter_attachments() if p.get_content_type() == "text/calendar")


def attachment_text(message) -> str:
    return attachment_part(message).get_payload(decode=True).decode()


def test_feed_shows_a_moved_and_a_cancelled_session(client, trainer):
    webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=4),
                                     zone="Europe/Zurich")
    plan = sessions(webinar)
    services.move_session(webinar, plan[1].recurrence_utc, plan[1].start_utc + timedelta(days=1))
    services.cancel_session(webinar, plan[2].recurrence_utc)
    db.session.commit()
    data = client.get(f"/webinars/{webinar.id}.ics").data
    read = icaljs_read(data)
    starts = [o["start"] for o in read["occurrences"]]
    iso = [s.start_utc.strftime("%Y-%m-%dT%H:%M:%S.000Z") for s in sessions(webinar)
           if not s.cancelled]
    assert starts == iso and len(starts) == 3
    assert [o["status"] for o in read["overrides"]] == ["CONFIRMED", "CANCELLED"]


# --------------------------------------------------------------------------- registration


def test_waiting_list_promotes_the_first_waiting_person(trainer, make_user, as_user, outbox):
    webinar = factories.make_webinar(trainer, capacity=1)
    first, second, third = (make_user() for _ in range(3))
    for person in (first, second, third):
        assert as_user(person).post(f"/webinars/{webinar.id}/register").status_code == 302
    statuses = {r.user_id: r.status for r in db.session.scalars(sa.select(Registration))}
    assert statuses == {first.id: RegistrationStatus.registered,
                        second.id: RegistrationStatus.waitlisted,
                        third.id: RegistrationStatus.waitlisted}
    outbox.clear()
    as_user(first).post(f"/webinars/{webinar.id}/unregister", data={"confirmed": "yes"})
    db.session.expire_all()
    statuses = {r.user_id: r.status for r in db.session.scalars(sa.select(Registration))}
    assert statuses[second.id] is RegistrationStatus.registered
    assert statuses[third.id] is RegistrationStatus.waitlisted
    assert statuses[first.id] is RegistrationStatus.cancelled
    promoted = [m for m in outbox if m["To"] == second.email]
    assert promoted and "A place is yours" in promoted[0]["Subject"]
    assert "METHOD:REQUEST" in attachment_text(promoted[0])


def test_register_needs_a_csrf_token(csrf_enabled, learner_client, trainer, csrf_token):
    webinar = factories.make_webinar(trainer)
    assert learner_client.post(f"/webinars/{webinar.id}/register").status_code == 400
    token = csrf_token(learner_client, f"/webinars/{webinar.id}")
    response = learner_client.post(f"/webinars/{webinar.id}/register",
                                   data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1


@pytest.mark.real_commits  # each thread has its own connection
def test_two_simultaneous_registrations_for_the_last_place(app, trainer, make_user):
    webinar = factories.make_webinar(trainer, capacity=1)
    people = [make_user().id, make_user().id]
    webinar_id = webinar.id
    db.session.commit()
    barrier = threading.Barrier(2)
    errors = []

    def attempt(user_id):
        try:
            with app.app_context():
                from elearn.accounts.models import User

                user = db.session.get(User, user_id)
                barrier.wait(timeout=10)
                retrying(lambda: registering.register(webinar_id, user))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 (a thread reports any failure to the test)
            errors.append(exc)

    threads = [threading.Thread(target=attempt, args=(uid,)) for uid in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    db.session.expire_all()
    statuses = sorted(r.status.value for r in db.session.scalars(sa.select(Registration)))
    assert statuses == ["registered", "waitlisted"]


def test_private_webinar_is_hidden_from_outsiders(learner_client, client, trainer, learner):
    course = factories.make_course(owner=trainer)
    webinar = factories.make_webinar(trainer, course=course, is_public=False)
    assert client.get(f"/webinars/{webinar.id}").status_code == 404
    assert learner_client.get(f"/webinars/{webinar.id}").status_code == 404
    assert learner_client.post(f"/webinars/{webinar.id}/register").status_code == 404
    factories.enrol(learner, course)
    assert learner_client.get(f"/webinars/{webinar.id}").status_code == 200


def test_index_lists_yours_first_and_shows_both_times(learner_client, learner, trainer):
    later = factories.make_webinar(trainer, title="Later but mine",
                                   start_utc=datetime.combine(future_day(30), time(11),
                                                              tzinfo=UTC),
                                   zone="Africa/Nairobi")
    factories.make_webinar(trainer, title="Sooner",
                           start_utc=datetime.combine(future_day(5), time(11), tzinfo=UTC))
    registering.register(later.id, learner)
    db.session.commit()
    html = learner_client.get("/webinars").get_data(as_text=True)
    assert html.index("Later but mine") < html.index("Sooner")
    # the learner is in Dakar (UTC+0): 14:00 Nairobi is 11:00 their time
    nairobi = datetime.combine(future_day(30), time(14), tzinfo=ZoneInfo("Africa/Nairobi"))
    dakar = nairobi.astimezone(ZoneInfo("Africa/Dakar"))
    assert (f"{format_time(nairobi, 'short', locale='en')} Nairobi "
            f"({format_time(dakar, 'short', locale='en')} your time, Dakar)") in html


def test_registration_csv_neutralises_formulas(trainer_client, trainer, make_user):
    webinar = factories.make_webinar(trainer)
    evil = make_user(name="=HYPERLINK(\"http://x\")")
    registering.register(webinar.id, evil)
    db.session.commit()
    response = trainer_client.get(f"/webinars/{webinar.id}/registrations.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body


# --------------------------------------------------------------------------- feeds


def test_feed_headers_etag_and_304(client, trainer):
    webinar = factories.make_webinar(trainer)
    response = client.get(f"/webinars/{webinar.id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response.headers["ETag"]
    assert client.get(f"/webinars/{webinar.id}.ics",
                      headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/webinars/{webinar.id}.ics", headers={
        "If-Modified-Since": response.headers["Last-Modified"]}).status_code == 304
    services.cancel_webinar(webinar)
    db.session.commit()
    changed = client.get(f"/webinars/{webinar.id}.ics", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_public_feed_lists_upcoming_public_webinars_only(client, trainer):
    public = factories.make_webinar(trainer, title="Open")
    factories.make_webinar(trainer, title="Closed", is_public=False)
    past = factories.make_webinar(trainer, title="Old")
    past.start_utc = utcnow() - timedelta(days=3)
    services.refresh_derived(past)
    db.session.commit()
    calendar = Calendar.from_ical(client.get("/webinars.ics").data)
    assert [str(e["UID"]) for e in calendar.walk("VEVENT")] == [public.uid]


def test_course_feed(client, trainer, learner, as_user):
    course = factories.make_course(owner=trainer, slug="customs-basics")
    shared = factories.make_webinar(trainer, course=course)
    private = factories.make_webinar(trainer, course=course, is_public=False)
    factories.make_webinar(trainer)
    uids = lambda data: {str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")}
    assert uids(client.get("/courses/customs-basics/calendar.ics").data) == {shared.uid}
    factories.enrol(learner, course)
    assert uids(as_user(learner).get("/courses/customs-basics/calendar.ics").data) == {
        shared.uid, private.uid}
    assert client.get("/courses/nope/calendar.ics").status_code == 404


def personal_token(client) -> str:
    # post/redirect/get; a new address replacing an existing one is confirmed
    html = client.post("/me/calendar", data={"confirmed": "yes"},
                       follow_redirects=True).get_data(as_text=True)
    return re.search(r"/calendar/([A-Za-z0-9_-]+)\.ics", html).group(1)


def test_personal_feed_token_shown_once_works_without_cookie_and_dies_on_regenerate(
        app, learner_client, learner, trainer):
    course = factories.make_course(owner=trainer)
    factories.enrol(learner, course)
    of_course = factories.make_webinar(trainer, course=course, is_public=False)
    registered = factories.make_webinar(trainer)
    factories.make_webinar(trainer, title="Not mine")
    registering.register(registered.id, learner)
    db.session.commit()

    assert app.test_client().get("/calendar/.ics").status_code == 404
    token = personal_token(learner_client)
    page = learner_client.get("/me/calendar").get_data(as_text=True)
    assert token not in page  # shown once
    db.session.refresh(learner)
    assert learner.calendar_token_hash and token not in learner.calendar_token_hash

    anonymous = app.test_client()
    response = anonymous.get(f"/calendar/{token}.ics")
    assert response.status_code == 200
    assert {str(e["UID"]) for e in Calendar.from_ical(response.data).walk("VEVENT")} == {
        of_course.uid, registered.uid}
    assert response.headers["Cache-Control"] == "private, no-cache"

    new_token = personal_token(learner_client)
    assert anonymous.get(f"/calendar/{token}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{new_token}.ics").status_code == 200
    assert anonymous.get("/calendar/not-a-token.ics").status_code == 404


def test_personal_feed_shows_webcal_link_and_copy_button(learner_client):
    html = learner_client.post("/me/calendar", follow_redirects=True).get_data(as_text=True)
    assert "webcal://localhost/calendar/" in html
    assert "data-copy-target" in html and "js/webinars.js" in html


def test_personal_feed_is_rate_limited(app, learner_client):
    token = personal_token(learner_client)
    anonymous = app.test_client()
    codes = [anonymous.get(f"/calendar/{token}.ics").status_code for _ in range(61)]
    assert codes[0] == 200 and codes[-2] == 200 and codes[-1] == 429
    # another person's feed from the same address is not blocked
    assert anonymous.get("/calendar/unknown-token.ics").status_code == 404


def test_feed_queries_do_not_grow_with_events(app, learner, trainer, count_queries):
    token_client = app.test_client()
    from elearn.webinars.feeds import new_calendar_token

    token = new_calendar_token(learner)
    db.session.commit()

    def add(n):
        for _ in range(n):
            webinar = factories.make_webinar(trainer, rrule=build_rrule("weekly", count=3))
            registering.register(webinar.id, learner)
            services.cancel_session(webinar, sessions(webinar)[1].recurrence_utc)
        db.session.commit()

    add(2)
    with count_queries() as small:
        assert token_client.get(f"/calendar/{token}.ics").status_code == 200
    add(20)
    with count_queries() as large:
        body = token_client.get(f"/calendar/{token}.ics").data
    assert body.count(b"BEGIN:VEVENT") == 44
    assert small.count == large.count


def test_course_partial_has_a_fixed_number_of_queries(app, trainer, count_queries):
    from flask import render_template_string

    course = factories.make_course(owner=trainer)
    factories.make_webinar(trainer, course=course, title="First webinar")

    def render():
        from flask_login import current_user

        from elearn.webinars.views import course_webinars

        with app.test_request_context("/"):
            upcoming = course_webinars(course, current_user, None)
            return render_template_string(
                '{% include "webinars/_course_webinars.html" %}', course=course,
                sections={"webinars": upcoming})

    db.session.expire_all()
    with count_queries() as small:
        html = render()
    assert "First webinar" in html
    for _ in range(6):
        factories.make_webinar(trainer, course=course, rrule=build_rrule("weekly", count=3))
    db.session.expire_all()
    with count_queries() as large:
        render()
    assert small.count == large.count


# --------------------------------------------------------------------------- attendance


def begun(webinar) -> None:
    """Move a webinar's (first) session to half an hour ago: attendance waits for the session."""
    from datetime import timedelta

    from elearn.db_types import utcnow

    webinar.start_utc = utcnow() - timedelta(minutes=30)
    db.session.commit()


def test_attendance_by_hand_completes_a_course_that_requires_a_webinar(
        trainer_client, trainer, learner):
    course = factories.make_course(owner=trainer, modules=0, webinar_required=True)
    enrolment = factories.enrol(learner, course)
    webinar = factories.make_webinar(trainer, course=course)
    registering.register(webinar.id, learner)
    db.session.commit()
    begun(webinar)
    response = trainer_client.post(f"/webinars/{webinar.id}/attendance",
                                   data={"manual-attended": [str(learner.id)]})
    assert response.status_code == 302
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration))
    assert registration.attended
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.completed
    assert db.session.scalar(sa.select(sa.func.count(Certificate.id))) == 1


def test_report_upload_previews_then_records_on_confirmation(
        trainer_client, trainer, learner, make_user):
    webinar = factories.make_webinar(trainer, duration=60)
    short = make_user(email="short@example.org")
    stranger = make_user(email="stranger@example.org")
    for person in (learner, short):
        registering.register(webinar.id, person)
    db.session.commit()
    begun(webinar)
    report = (
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
        f"Lina,{learner.email},03/15/2026 02:00:00 PM,03/15/2026 02:30:00 PM,30,No\n"
        f"Lina,{learner.email},03/15/2026 02:35:00 PM,03/15/2026 02:55:00 PM,20,No\n"
        "Short,short@example.org,03/15/2026 02:00:00 PM,03/15/2026 02:20:00 PM,20,No\n"
        "Who,nobody@example.org,03/15/2026 02:00:00 PM,03/15/2026 03:00:00 PM,60,No\n"
        f"Str,{stranger.email},03/15/2026 02:00:00 PM,03/15/2026 03:00:00 PM,60,No\n"
        "Bad,bad@example.org,noon,later,,No\n"
    )
    import io

    response = trainer_client.post(f"/webinars/{webinar.id}/attendance/upload", data={
        "upload-report": (io.BytesIO(report.encode()), "zoom.csv"),
    }, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown email address." in html
    assert "Not registered for this webinar." in html
    assert "Join or leave time cannot be read." in html
    assert "Too short: not attended" in html
    assert not any(r.attended for r in db.session.scalars(sa.select(Registration)))
    payload = re.search(r'name="confirm-payload" type="hidden" value="([^"]+)"', html) or \
        re.search(r'id="confirm-payload" name="confirm-payload" type="hidden" value="([^"]+)"',
                  html)
    payload = payload.group(1) if payload else re.search(
        r'name="confirm-payload"[^>]*value="([^"]+)"', html).group(1)
    response = trainer_client.post(f"/webinars/{webinar.id}/attendance/confirm",
                                   data={"confirm-payload": payload})
    assert response.status_code == 302
    db.session.expire_all()
    result = {r.user_id: (r.attended, r.minutes_attended)
              for r in db.session.scalars(sa.select(Registration))}
    assert result == {learner.id: (True, 50), short.id: (False, 20)}
    tampered = trainer_client.post(f"/webinars/{webinar.id}/attendance/confirm",
                                   data={"confirm-payload": payload[:-2] + "xx"})
    assert tampered.status_code == 400


def test_attendance_counts_against_the_threshold(trainer, learner):
    from elearn.webinars.attendance import ReportRow, match_report

    webinar = factories.make_webinar(trainer, duration=80)
    registering.register(webinar.id, learner)
    db.session.commit()
    rows = [ReportRow(2, "L", learner.email, 30), ReportRow(3, "L", learner.email, 29)]
    assert not match_report(webinar, rows)[0].attended  # 59 < 60
    rows.append(ReportRow(4, "L", learner.email, 1))
    assert match_report(webinar, rows)[0].attended


@pytest.mark.parametrize("name", [
    "binary.bin", "old-excel.xls", "broken.xlsx", "utf16-garbage.csv", "hostile-duration.csv",
    "huge-digits.csv", "mixed-naive-aware.csv", "bigbluebutton-learning-dashboard.xlsx",
    "teams-2020-event-list.csv", "zoom-one-header-row.csv", "zoom-fr.csv", "zoom-es.csv",
    "zoom-es-2024.csv", "zoom-pt.csv", "zoom-de.csv", "teams-de.csv", "unknown-headers.csv",
])
def test_any_meeting_report_gives_a_page_not_a_500(trainer_client, trainer, name):
    import io
    from pathlib import Path

    webinar = factories.make_webinar(trainer, duration=60)
    db.session.commit()
    begun(webinar)
    data = (Path(__file__).parent.parent / "fixtures" / "attendance" / name).read_bytes()
    response = trainer_client.post(f"/webinars/{webinar.id}/attendance/upload", data={
        "upload-report": (io.BytesIO(data), name),
    }, content_type="multipart/form-data")
    assert response.status_code == 200


def test_a_series_through_a_clock_change_is_warned_pinned_and_cancelled_by_rule_time(
        trainer_client, client):
    year = utcnow().year + 1
    # US summer time starts on the second Sunday of March at 02:00: 02:30 does not exist
    first_sunday = next(date(year, 3, day) for day in range(1, 8) if date(year, 3, day).weekday() == 6)
    gap_day = first_sunday + timedelta(days=7)
    response = trainer_client.post("/webinars/new", data=form_data(
        timezone="America/New_York", start_date=first_sunday.isoformat(), start_time="02:30",
        repeat="weekly", count="3"), follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "flash-warning" in html and "daylight-saving" in html
    webinar = db.session.scalar(sa.select(Webinar))
    gap_session = sessions(webinar)[1]
    assert gap_session.start_utc == datetime.combine(gap_day, time(7, 30), tzinfo=UTC)
    feed = client.get(f"/webinars/{webinar.id}.ics").data
    read = icaljs_read(feed)
    assert [datetime.fromisoformat(o["start"]) for o in read["occurrences"]] == [
        s.start_utc for s in sessions(webinar)]
    response = trainer_client.post(
        f"/webinars/{webinar.id}/sessions/{session_stamp(gap_session.recurrence_utc)}/cancel")
    assert response.status_code == 302
    feed = client.get(f"/webinars/{webinar.id}.ics").data.decode()
    assert f"EXDATE;TZID=America/New_York:{gap_day:%Y%m%d}T023000" in feed
    assert [datetime.fromisoformat(o["start"]) for o in icaljs_read(feed.encode())["occurrences"]
            ] == [sessions(webinar)[0].start_utc, sessions(webinar)[2].start_utc]


def test_last_modified_moves_when_a_webinar_leaves_a_feed(client, trainer):
    staying = factories.make_webinar(trainer, title="Staying")
    leaving = factories.make_webinar(trainer, title="Leaving")
    an_hour_ago = utcnow() - timedelta(hours=1)
    db.session.execute(sa.update(Webinar).values(updated_at=an_hour_ago))
    db.session.commit()
    first = client.get("/webinars.ics")
    assert "Leaving" in first.get_data(as_text=True)
    since = first.headers["Last-Modified"]
    assert client.get("/webinars.ics", headers={"If-Modified-Since": since}).status_code == 304
    # the webinar leaves the feed; no webinar still in it changes
    db.session.execute(sa.update(Webinar).where(Webinar.id == leaving.id).values(is_public=False))
    db.session.commit()
    again = client.get("/webinars.ics", headers={"If-Modified-Since": since})
    assert again.status_code == 200
    assert "Leaving" not in again.get_data(as_text=True) and staying.title in again.get_data(
        as_text=True)
    assert again.headers["Last-Modified"] != since
    # and then it is stable again
    assert client.get("/webinars.ics", headers={
        "If-Modified-Since": again.headers["Last-Modified"]}).status_code == 304


def upload_report(trainer_client, webinar, report: str, session_utc=None) -> str:
    import io

    data = {"upload-report": (io.BytesIO(report.encode()), "zoom.csv")}
    if session_utc is not None:
        data["upload-session"] = session_stamp(session_utc)
    response = trainer_client.post(f"/webinars/{webinar.id}/attendance/upload", data=data,
                                   content_type="multipart/form-data")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.search(r'name="confirm-payload"[^>]*value="([^"]+)"', html).group(1)


def test_attendance_per_session_counts_toward_the_sessions_required(
        trainer_client, trainer, learner):
    course = factories.make_course(owner=trainer, modules=0, webinar_required=True)
    enrolment = factories.enrol(learner, course)
    webinar = factories.make_webinar(trainer, course=course, rrule="FREQ=WEEKLY;COUNT=3",
                                     duration=60)
    webinar.sessions_required = 2
    registering.register(webinar.id, learner)
    db.session.commit()
    # the three weekly sessions have all begun (attendance waits for the session)
    from datetime import timedelta

    from elearn.db_types import utcnow

    webinar.start_utc = (utcnow() - timedelta(weeks=2, minutes=30)).replace(second=0, microsecond=0)
    db.session.commit()
    plan = sessions(webinar)
    report = ("Name (Original Name),User Email,Duration (Minutes)\n"
              f"Lina,{learner.email},58\n")
    for attempt in range(2):  # the same session's report twice still counts once
        payload = upload_report(trainer_client, webinar, report, plan[0].recurrence_utc)
        assert trainer_client.post(f"/webinars/{webinar.id}/attendance/confirm",
                                   data={"confirm-payload": payload}).status_code == 302
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration))
    assert not registration.attended and registration.minutes_attended == 58
    assert db.session.get(Enrolment, enrolment.id).status is not EnrolmentStatus.completed
    payload = upload_report(trainer_client, webinar, report, plan[2].recurrence_utc)
    trainer_client.post(f"/webinars/{webinar.id}/attendance/confirm",
                        data={"confirm-payload": payload})
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration))
    assert registration.attended and registration.minutes_attended == 116
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.completed
    from elearn.webinars.models import SessionAttendance

    rows = db.session.scalars(sa.select(SessionAttendance).order_by(SessionAttendance.session_utc))
    assert [(r.session_utc, r.attended, r.minutes) for r in rows] == [
        (plan[0].recurrence_utc, True, 58), (plan[2].recurrence_utc, True, 58)]


# --------------------------------------------------------------------------- attendance by hand, per session


def ticked(html: str, user_id: int) -> bool:
    box = re.search(rf'<input[^>]*name="manual-attended"[^>]*value="{user_id}"[^>]*>', html)
    assert box is not None, "the person is not on the manual list"
    return " checked" in box.group(0)


def begun_series(trainer, course=None, *, count=3, sessions_required=2, weeks_ago=2):
    """A weekly series whose first session began ``weeks_ago`` weeks (and 30 minutes) ago."""
    webinar = factories.make_webinar(trainer, course=course, rrule=f"FREQ=WEEKLY;COUNT={count}",
                                     duration=60)
    webinar.sessions_required = sessions_required
    webinar.start_utc = (utcnow() - timedelta(weeks=weeks_ago, minutes=30)).replace(
        second=0, microsecond=0)
    db.session.commit()
    return webinar


def test_manual_attendance_of_a_series_is_ticked_per_session(trainer_client, trainer, learner,
                                                              make_user):
    from elearn.webinars.models import SessionAttendance

    course = factories.make_course(owner=trainer, modules=0, webinar_required=True)
    enrolment = factories.enrol(learner, course)
    webinar = begun_series(trainer, course)
    other = make_user(email="other-learner@example.org")
    for person in (learner, other):
        registering.register(webinar.id, person)
    db.session.commit()
    plan = sessions(webinar)
    stamps = [session_stamp(s.recurrence_utc) for s in plan]
    url = f"/webinars/{webinar.id}/attendance"

    page = trainer_client.get(url).get_data(as_text=True)
    assert 'name="session"' in page
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids))  # the session chooser's ids are the page's own
    assert re.search(rf'<option value="{stamps[2]}" selected>', page)  # the latest begun session
    assert not ticked(page, learner.id)

    # one session ticked: not enough (two are required)
    response = trainer_client.post(f"{url}?session={stamps[0]}",
                                   data={"manual-attended": [str(learner.id)]})
    assert response.status_code == 302 and f"session={stamps[0]}" in response.location
    db.session.expire_all()
    registration = db.session.scalar(sa.select(Registration).where(
        Registration.user_id == learner.id))
    assert not registration.attended
    assert db.session.get(Enrolment, enrolment.id).status is not EnrolmentStatus.completed
    assert ticked(trainer_client.get(f"{url}?session={stamps[0]}").get_data(as_text=True),
                  learner.id)
    assert not ticked(trainer_client.get(f"{url}?session={stamps[1]}").get_data(as_text=True),
                      learner.id)

    # a second session: attended, the course is complete
    trainer_client.post(f"{url}?session={stamps[1]}", data={"manual-attended": [str(learner.id)]})
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).attended
    assert db.session.get(Enrolment, enrolment.id).status is EnrolmentStatus.completed
    rows = db.session.scalars(sa.select(SessionAttendance).order_by(SessionAttendance.session_utc))
    assert [(r.registration_id, r.session_utc, r.attended) for r in rows] == [
        (registration.id, plan[0].recurrence_utc, True),
        (registration.id, plan[1].recurrence_utc, True)]

    # taking a tick back counts the sessions again
    trainer_client.post(f"{url}?session={stamps[1]}", data={})
    db.session.expire_all()
    assert not db.session.get(Registration, registration.id).attended
    other_registration = db.session.scalar(sa.select(Registration).where(
        Registration.user_id == other.id))
    assert not other_registration.attended
    assert db.session.scalar(sa.select(sa.func.count(SessionAttendance.id)).where(
        SessionAttendance.registration_id == other_registration.id)) == 0


def test_manual_ticks_and_a_report_of_the_same_series_add_up(trainer_client, trainer, learner):
    webinar = begun_series(trainer)
    registering.register(webinar.id, learner)
    db.session.commit()
    plan = sessions(webinar)
    trainer_client.post(
        f"/webinars/{webinar.id}/attendance?session={session_stamp(plan[0].recurrence_utc)}",
        data={"manual-attended": [str(learner.id)]})
    payload = upload_report(trainer_client, webinar,
                            f"Name (Original Name),User Email,Duration (Minutes)\nL,{learner.email},60\n",
                            plan[1].recurrence_utc)
    trainer_client.post(f"/webinars/{webinar.id}/attendance/confirm",
                        data={"confirm-payload": payload})
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration)).attended
    # the report's session shows the person ticked on the manual list
    page = trainer_client.get(f"/webinars/{webinar.id}/attendance"
                              f"?session={session_stamp(plan[1].recurrence_utc)}")
    assert ticked(page.get_data(as_text=True), learner.id)


def test_manual_ticks_wait_for_their_session_and_name_a_real_one(trainer_client, trainer, learner):
    from elearn.webinars.models import SessionAttendance

    webinar = begun_series(trainer, weeks_ago=0)  # only the first of three sessions has begun
    registering.register(webinar.id, learner)
    db.session.commit()
    plan = sessions(webinar)
    url = f"/webinars/{webinar.id}/attendance"
    later = session_stamp(plan[1].recurrence_utc)
    response = trainer_client.post(f"{url}?session={later}",
                                   data={"manual-attended": [str(learner.id)]},
                                   follow_redirects=True)
    assert "This session has not started yet" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(SessionAttendance.id))) == 0
    assert trainer_client.get(f"{url}?session=20000101T000000Z").status_code == 404
    assert trainer_client.get(f"{url}?session=not-a-date").status_code == 404
    services.cancel_session(webinar, plan[0].recurrence_utc)
    db.session.commit()
    first = session_stamp(plan[0].recurrence_utc)
    assert trainer_client.get(f"{url}?session={first}").status_code == 404  # cancelled


def test_manual_attendance_of_a_one_off_webinar_is_for_the_webinar(trainer_client, trainer,
                                                                   learner):
    from elearn.webinars.models import SessionAttendance

    webinar = factories.make_webinar(trainer)
    registering.register(webinar.id, learner)
    db.session.commit()
    begun(webinar)
    page = trainer_client.get(f"/webinars/{webinar.id}/attendance").get_data(as_text=True)
    assert 'name="session"' not in page
    trainer_client.post(f"/webinars/{webinar.id}/attendance",
                        data={"manual-attended": [str(learner.id)]})
    db.session.expire_all()
    assert db.session.scalar(sa.select(Registration)).attended
    assert db.session.scalar(sa.select(sa.func.count(SessionAttendance.id))) == 0
    page = trainer_client.get(f"/webinars/{webinar.id}/attendance").get_data(as_text=True)
    assert ticked(page, learner.id)
    trainer_client.post(f"/webinars/{webinar.id}/attendance", data={})
    db.session.expire_all()
    assert not db.session.scalar(sa.select(Registration)).attended
