"""Reports at scale: seed N participants, then time the centre dashboard and the CSV export
against the bare SQL they run, in the same process and run.

    .venv/bin/python bench/reports_dashboard.py                       # SQLite, 100,000 people
    .venv/bin/python bench/reports_dashboard.py --participants 20000
    .venv/bin/python bench/reports_dashboard.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:54330/elearn_reports_bench

The database is created (and, unless --reuse, emptied) by the script. Printed: seeding time,
the dashboard of the demo coordinator's centre (the busiest) and of a typical centre (median of
several renders, through the Flask test client: routing, login, filters, SQL, template) next to
the bare aggregate SQL it runs, and the CSV export rate (rows/s) next to the bare SELECT's rate.
Targets: dashboard < 500 ms, CSV > 20,000 rows/s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

DEFAULT_SQLITE = "sqlite:////tmp/elearn-reports-bench.sqlite"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SQLITE)
    parser.add_argument("--participants", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing database (seeding then adds nothing)")
    return parser.parse_args()


def prepare_database(url: str, reuse: bool) -> None:
    url_obj = sa.engine.make_url(url)
    if url_obj.get_backend_name() == "sqlite":
        path = Path(url_obj.database)
        if not reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
        return
    admin = sa.create_engine(url_obj.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                   {"n": url_obj.database})
        if exists and not reuse:
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": url_obj.database})
            connection.execute(sa.text(f'DROP DATABASE "{url_obj.database}"'))
            exists = False
        if not exists:
            connection.execute(sa.text(f'CREATE DATABASE "{url_obj.database}"'))
    admin.dispose()


def median_ms(function, repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (this process) in ms: the machine is shared, so
    CPU time shows the work done when other processes steal the cores."""
    wall, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        function()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    args = parse_args()
    from elearn.config import normalise_database_url

    url = normalise_database_url(args.database_url)
    prepare_database(url, args.reuse)
    os.environ.pop("DATABASE_URL", None)

    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.demo import seed_demo_accounts
    from elearn.extensions import db
    from elearn.reference.models import RegionalCentre
    from elearn.reference.services import load_reference_data
    from elearn.reports import demo, services
    from elearn.reports.services import Scope

    app = create_app({
        "ENV": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        load_reference_data()
        seed_demo_accounts()
        db.session.commit()
        start = time.perf_counter()
        demo.seed(participants=args.participants)
        db.session.commit()
        seed_seconds = time.perf_counter() - start
        counts = {
            name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
            for name in ("users", "enrolments", "quiz_attempts", "registrations", "certificates")
        }
        centre_sizes = db.session.execute(
            sa.select(RegionalCentre.id, RegionalCentre.slug, sa.func.count(services.enrolments.c.id))
            .join(services.users, services.users.c.centre_id == RegionalCentre.id)
            .join(services.enrolments, services.enrolments.c.user_id == services.users.c.id)
            .group_by(RegionalCentre.id, RegionalCentre.slug)
            .order_by(sa.func.count(services.enrolments.c.id).desc())
        ).all()
        from elearn.accounts.services import get_user_by_email

        coordinator = get_user_by_email("coordinator@elearn.test")
        admin = get_user_by_email("admin@elearn.test")
        coordinator_session, admin_session = coordinator.session_token, admin.session_token
        dialect = db.engine.dialect.name

    print(f"database: {dialect}   seeding {args.participants:,} participants: {seed_seconds:.1f} s")
    print("rows: " + ", ".join(f"{name} {count:,}" for name, count in counts.items()))

    def client_for(session_token):
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = session_token
            session["_fresh"] = True
        return client

    from flask import g, request_started

    def forget_request_state(sender, **extra):
        g.pop("_login_user", None)

    request_started.connect(forget_request_state, app, weak=False)
    coordinator_client, admin_client = client_for(coordinator_session), client_for(admin_session)
    busiest = centre_sizes[0]
    typical = centre_sizes[len(centre_sizes) // 2]

    with app.app_context():
        for label, (centre_id, slug, enrolment_count), client, url_path in (
            ("demo coordinator's centre", busiest, coordinator_client, "/centre"),
            ("typical centre (admin)", typical, admin_client, f"/centre?centre={typical[0]}"),
        ):
            scope = Scope(centre_id=centre_id)

            def bare_sql(scope=scope):
                with db.engine.connect() as connection:
                    services.no_jit(connection, dialect)
                    for query in services.aggregate_queries(scope, dialect).values():
                        connection.execute(query).all()

            def dashboard(client=client, url_path=url_path):
                response = client.get(url_path)
                assert response.status_code == 200, response.status_code
                response.get_data()

            dashboard()
            bare_sql()
            sql_ms, sql_cpu = median_ms(bare_sql, args.repeat)
            page_ms, page_cpu = median_ms(dashboard, args.repeat)
            people = services.figures_by(scope, None)[None].participants
            db.session.remove()
            print(f"\n{label}: {slug}, {people:,} participants, {enrolment_count:,} enrolments")
            print(f"  dashboard page        {page_ms:8.1f} ms wall {page_cpu:8.1f} ms CPU"
                  f"   (target < 500 ms: {'ok' if page_ms < 500 else 'MISSED'})")
            print(f"  bare aggregate SQL    {sql_ms:8.1f} ms wall {sql_cpu:8.1f} ms CPU"
                  f"   (the one report statement)")
            print(f"  page / SQL            {page_ms / sql_ms:8.2f} x wall {page_cpu / sql_cpu:6.2f} x CPU")

        # -- CSV export of the busiest centre ------------------------------------------------
        scope = Scope(centre_id=busiest[0])

        def bare_rows():
            with db.engine.connect() as connection:
                result = connection.execution_options(yield_per=2000).execute(
                    services.export_statement(scope, "", dialect)
                )
                return sum(1 for _row in result)

        def export(path):
            response = coordinator_client.get(path)
            assert response.status_code == 200
            size = 0
            for chunk in response.response:
                size += len(chunk)
            return size

        rows = bare_rows()
        start = time.perf_counter()
        bare_rows()
        sql_seconds = time.perf_counter() - start
        export("/centre/export/participants.csv")
        start, start_cpu = time.perf_counter(), time.process_time()
        csv_bytes = export("/centre/export/participants.csv")
        csv_seconds = time.perf_counter() - start
        csv_cpu = time.process_time() - start_cpu
        start = time.perf_counter()
        xlsx_bytes = export("/centre/export/participants.xlsx")
        xlsx_seconds = time.perf_counter() - start

        def peak_memory(path):
            # a separate run: tracemalloc slows Python down several times
            tracemalloc.start()
            export(path)
            _current, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            return peak

        csv_peak = peak_memory("/centre/export/participants.csv")
        xlsx_peak = peak_memory("/centre/export/participants.xlsx")
        db.session.remove()

    print(f"\nexport of {busiest[1]}: {rows:,} rows")
    print(f"  CSV export            {rows / csv_seconds:10,.0f} rows/s  ({csv_bytes / 1e6:.1f} MB, "
          f"peak traced memory {csv_peak / 1e6:.1f} MB; target > 20,000 rows/s: "
          f"{'ok' if rows / csv_seconds > 20_000 else 'MISSED'}; "
          f"{rows / csv_cpu:,.0f} rows per CPU second)")
    print(f"  bare SELECT           {rows / sql_seconds:10,.0f} rows/s")
    print(f"  SQL / CSV time        {csv_seconds / sql_seconds:10.2f} x")
    print(f"  XLSX export           {rows / xlsx_seconds:10,.0f} rows/s  ({xlsx_bytes / 1e6:.1f} MB, "
          f"peak traced memory {xlsx_peak / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
