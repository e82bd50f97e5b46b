"""Bulk enrolment of 10,000 CSV rows: parse, preview and confirm, against a bare baseline.

Run by hand: .venv/bin/python bench/bulk_enrolment.py [rows]

Works on a fresh SQLite database in a temporary folder (migrations and reference data applied).
Prints, measured in the same run:
- baseline: inserting the same number of users and enrolments with two executemany statements
  (the least any import could do);
- parse, preview (what the trainer sees before confirming) and confirm (bulk.apply, the welcome
  mails queued in the outbox with one INSERT, commit), each with its ratio to the baseline.
The target (issue 14) is a confirm of 10,000 rows in under 3 s on SQLite.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

HEADER = "email,name,audience,country,centre\n"


def main(rows: int) -> None:
    folder = tempfile.mkdtemp(prefix="elearn-bulk-bench-")
    os.environ.pop("DATABASE_URL", None)
    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.accounts.models import Role
    from elearn.accounts.services import create_user
    from elearn.courses.models import Course, EnrolmentPolicy
    from elearn.enrolments import bulk, bulk_file
    from elearn.extensions import db
    from elearn.reference.models import Audience
    from elearn.reference.services import load_reference_data

    app = create_app({
        "ENV": "testing", "SECRET_KEY": "bench", "BASE_URL": "http://localhost",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
    })
    with app.app_context():
        upgrade()
        load_reference_data()
        audience = db.session.scalar(sa.select(Audience).where(Audience.slug == "customs-officer"))
        trainer = create_user(email="trainer@example.org", name="Trainer", password=None,
                              audience=audience, country="SN", role=Role.trainer)
        courses = []
        for slug in ("bench-baseline", "bench-bulk"):
            course = Course(slug=slug, title=slug, summary="", conventions="basel", owner=trainer,
                            published=True, enrolment_policy=EnrolmentPolicy.open)
            course.audiences = [audience]
            db.session.add(course)
            courses.append(course)
        db.session.commit()

        started = time.perf_counter()
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "CREATE TABLE bench_people (id INTEGER PRIMARY KEY, email TEXT UNIQUE, name TEXT)"))
            connection.execute(sa.text("CREATE TABLE bench_enrolments (person_id INTEGER, course_id INTEGER)"))
            connection.execute(sa.text("INSERT INTO bench_people (id, email, name) VALUES (:i, :e, :n)"),
                               [{"i": n, "e": f"base{n}@example.org", "n": f"Base {n}"} for n in range(rows)])
            connection.execute(sa.text("INSERT INTO bench_enrolments VALUES (:i, :c)"),
                               [{"i": n, "c": courses[0].id} for n in range(rows)])
        baseline = time.perf_counter() - started

        text = HEADER + "".join(f"person{n}@example.org,Person {n},customs-officer,SN,\n"
                                for n in range(rows))
        started = time.perf_counter()
        records = bulk_file.parse(text.encode())
        parsed = time.perf_counter() - started
        started = time.perf_counter()
        bulk.preview(records, courses[1], trainer)
        previewed = time.perf_counter() - started
        db.session.rollback()
        started = time.perf_counter()
        result = bulk.apply(records, courses[1], trainer)
        bulk.send_welcome_mail(result.new_accounts, courses[1])  # queued in the outbox
        db.session.commit()
        confirmed = time.perf_counter() - started

    print(f"{rows:,} rows, SQLite, one run")
    print(f"  baseline (2 executemany INSERTs)   {baseline:7.2f} s")
    for label, seconds in (("parse", parsed), ("preview", previewed), ("confirm (apply, mail, commit)", confirmed)):
        print(f"  {label:34s} {seconds:7.2f} s   {seconds / baseline:6.1f}x baseline")
    print(f"  created {result.created:,}, enrolled {result.enrolled:,}; target: confirm < 3 s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
