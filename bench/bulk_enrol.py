"""Bulk enrolment of 10,000 rows on SQLite: the confirm step, welcome mails included.

Run by hand: .venv/bin/python bench/bulk_enrol.py [rows]

Builds a fresh SQLite database with the migrations (a temporary directory), a course and 20
people who already have accounts (half of them enrolled), then times what the confirm request
does: parse the CSV, apply it (accounts, enrolments), queue one welcome mail per new account in
the outbox, commit. Delivery is the worker's job, so no SMTP is involved. Prints the seconds for
each step and the ratio to the 3-second target.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_SECONDS = 3.0
HEADER = "email,name,audience,country,centre\n"


def main(rows: int) -> None:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.extensions import db

    directory = tempfile.mkdtemp(prefix="elearn-bench-")
    app = create_app({
        "ENV": "testing", "TESTING": True, "SECRET_KEY": "bench",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/bench.sqlite",
        "BASE_URL": "http://localhost",
    })
    with app.app_context():
        upgrade()
        from elearn.accounts.models import Role
        from elearn.accounts.services import create_user
        from elearn.enrolments import bulk
        from elearn.enrolments.models import Enrolment
        from elearn.outbox.models import OutboxMessage
        from elearn.reference.services import load_reference_data
        from tests import factories

        load_reference_data()
        db.session.commit()
        trainer = factories.make_user(email="trainer@example.org", role=Role.trainer)
        course = factories.make_course(owner=trainer)
        for n in range(20):
            user = create_user(email=f"person{n}@example.org", name=f"P {n}", password=None,
                               audience=factories.audience(), country="SN")
            if n % 2:
                factories.enrol(user, course)
        db.session.commit()
        text = HEADER + "".join(
            f"person{n}@example.org,Person {n},customs-officer,SN,\n" for n in range(rows))

        times = {}
        started = time.perf_counter()
        records = bulk.parse(text.encode())
        times["parse"] = time.perf_counter() - started
        mark = time.perf_counter()
        result = bulk.apply(records, course, trainer)
        times["apply"] = time.perf_counter() - mark
        mark = time.perf_counter()
        queued = bulk.send_welcome_mail(result.new_accounts, course)
        times["queue mail"] = time.perf_counter() - mark
        mark = time.perf_counter()
        db.session.commit()
        times["commit"] = time.perf_counter() - mark
        total = time.perf_counter() - started

        enrolments = db.session.scalar(sa.select(sa.func.count(Enrolment.id)))
        mails = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
    print(f"bulk enrolment of {rows:,} rows on SQLite: {result.created:,} accounts created, "
          f"{result.enrolled:,} enrolled, {queued:,} welcome mails queued "
          f"({enrolments:,} enrolments, {mails:,} outbox rows)")
    for name, seconds in times.items():
        print(f"  {name:<11} {seconds:6.2f} s")
    print(f"  {'total':<11} {total:6.2f} s  ({total / TARGET_SECONDS:.2f} of the "
          f"{TARGET_SECONDS:.0f} s target)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
