"""Personal calendar feed with 1,000 events: time to build it from the database (stored VEVENT
text, cached VTIMEZONEs) beside the time icalendar needs to build and serialise the same events
with no database at all. Run by hand: .venv/bin/python bench/webinars_feed.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

EVENTS = 1000
ZONES = ["Africa/Nairobi", "America/Montevideo", "Asia/Bangkok", "Europe/Zurich",
         "America/New_York", "Pacific/Auckland", "Asia/Kolkata", "Africa/Dakar"]


def best(fn, repeat: int = 7) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def naive_icalendar(events) -> bytes:
    """What a straightforward icalendar program does: build every component, then to_ical."""
    from datetime import date

    from icalendar import Calendar, Event, Timezone, vCalAddress, vRecur

    calendar = Calendar()
    calendar.add("prodid", "-//bench//EN")
    calendar.add("version", "2.0")
    for zone in sorted({e.timezone for e in events}):
        calendar.add_component(Timezone.from_tzid(zone, first_date=date(2020, 1, 1),
                                                  last_date=date(2045, 1, 1)))
    from zoneinfo import ZoneInfo

    for e in events:
        vevent = Event()
        tz = ZoneInfo(e.timezone)
        vevent.add("uid", e.uid)
        vevent.add("dtstamp", e.last_modified)
        vevent.add("dtstart", e.start_utc.astimezone(tz))
        vevent.add("dtend", (e.start_utc + timedelta(minutes=e.duration_minutes)).astimezone(tz))
        vevent.add("summary", e.title)
        vevent.add("description", e.description + "\n\nJoin: " + e.join_url)
        vevent.add("url", e.url)
        organizer = vCalAddress(f"mailto:{e.organiser_email}")
        organizer.params["cn"] = e.organiser_name
        vevent.add("organizer", organizer)
        vevent.add("sequence", e.sequence)
        vevent.add("last-modified", e.last_modified)
        vevent.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        vevent.add("conference", e.join_url, parameters={"value": "URI", "feature": "VIDEO"})
        if e.rrule:
            vevent.add("rrule", vRecur.from_ical(e.rrule))
        calendar.add_component(vevent)
    return calendar.to_ical()


def main() -> None:
    workdir = tempfile.mkdtemp(prefix="elearn-bench-")
    os.environ.pop("DATABASE_URL", None)
    from elearn import create_app
    from elearn.extensions import db

    app = create_app({
        "ENV": "testing", "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir}/bench.sqlite",
    })
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        from elearn.accounts.models import Role
        from elearn.reference.services import load_reference_data
        from elearn.webinars import feeds, ics_data, services
        from elearn.webinars.schedule import build_rrule, sessions
        from tests import factories

        load_reference_data()
        db.session.commit()
        trainer = factories.make_user(email="t@bench.org", role=Role.trainer)
        learner = factories.make_user(email="l@bench.org")
        base = datetime.now(UTC).replace(microsecond=0, second=0, minute=0) + timedelta(days=2)
        print(f"creating {EVENTS} webinars ...", flush=True)
        for n in range(EVENTS):
            series = n % 5 == 0
            webinar = services.schedule_webinar(trainer, services.WebinarData(
                title=f"Webinar {n}: customs, waste; PIC", description="Case studies " * 8,
                course_id=None, start_utc=base + timedelta(hours=7 * n), timezone=ZONES[n % 8],
                duration_minutes=90, join_url=f"https://meet.example.org/room-{n}", capacity=0,
                is_public=True, rrule=build_rrule("weekly", count=6) if series else None,
            ))
            if series:
                plan = sessions(webinar)
                services.cancel_session(webinar, plan[2].recurrence_utc)
            db.session.add(services.Registration(webinar_id=webinar.id, user_id=learner.id))
        token = feeds.new_calendar_token(learner)
        db.session.commit()

        def build():
            db.session.expire_all()
            feed = feeds.build_feed(feeds.personal_condition(learner.id), name="bench")
            assert feed.body.count(b"BEGIN:VEVENT") == EVENTS + EVENTS // 5
            db.session.rollback()

        client = app.test_client()

        def request():
            response = client.get(f"/calendar/{token}.ics")
            assert response.status_code == 200

        import sqlalchemy as sa

        from elearn.webinars.models import Webinar

        webinars = db.session.scalars(sa.select(Webinar)).all()
        plain = [ics_data.to_ics_event(w) for w in webinars]
        build()  # warm caches (VTIMEZONE per zone, compiled queries)
        feed_best, feed_median = best(build)
        request_best, request_median = best(request)
        naive_best, naive_median = best(lambda: naive_icalendar(plain), repeat=3)

    print(f"events in feed:                        {EVENTS} webinars "
          f"({EVENTS // 5} series with a cancelled session)")
    print(f"personal feed built from the database: {feed_best * 1000:7.1f} ms best, "
          f"{feed_median * 1000:7.1f} ms median")
    print(f"GET /calendar/<token>.ics (whole request): {request_best * 1000:7.1f} ms best, "
          f"{request_median * 1000:7.1f} ms median")
    print(f"icalendar alone, no database:          {naive_best * 1000:7.1f} ms best, "
          f"{naive_median * 1000:7.1f} ms median")
    print(f"ratio icalendar / feed:                {naive_best / feed_best:7.1f}x")
    print("target: feed under 150 ms -> " + ("met" if feed_best < 0.150 else "NOT MET"))


if __name__ == "__main__":
    main()
