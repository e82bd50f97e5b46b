"""Reports at scale: seed N participants, then time the centre dashboard (read from the
rollups) against the direct one-statement computation it replaced, the cost of keeping the
rollups current on a write, and the CSV and XLSX exports; sizes side by side.

    nice .venv/bin/python bench/reports_dashboard.py --participants 100000 1000000
    nice .venv/bin/python bench/reports_dashboard.py --participants 100000 1000000 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:55404/elearn_reports_bench

Each size gets its own database (``-<N>`` appended to the file or database name), created and,
unless --reuse, emptied by the script (--reuse keeps it, its rollups and its seeding time;
with --rebuild too the rollups are rebuilt and timed; --show prints every database's stored
results side by side). Baselines from the same run: a
one-row indexed SELECT and a bare request (/healthz); CPU time is printed beside wall time.
Results are also kept in ``--results`` (JSON), so sizes measured in separate runs are still
printed side by side. Printed per size: seeding time and the rollup rebuild, the dashboard of
the demo coordinator's centre (the busiest), of a typical centre and of the whole platform,
with and without a date filter (median of several renders through the Flask test client:
routing, login, filters, SQL, template), the rollup SQL alone, the direct statement once,
participant list pages by every sort (page 1 and 21) and a person page, a write with its rollup
update, and the export rates.
Targets: dashboard < 50 ms for any centre and flat from 100k to 1M; XLSX >= 30,000 rows/s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import tracemalloc
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa

DEFAULT_SQLITE = "sqlite:////tmp/elearn-reports-bench.sqlite"
DEFAULT_RESULTS = "/tmp/elearn-reports-bench-results.json"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_SQLITE)
    parser.add_argument("--participants", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--results", default=DEFAULT_RESULTS)
    parser.add_argument("--reuse", action="store_true",
                        help="keep an existing database (seeding then adds nothing)")
    parser.add_argument("--rebuild", action="store_true",
                        help="with --reuse: time `flask reports rebuild` on the kept database")
    parser.add_argument("--show", action="store_true",
                        help="measure nothing: print every database's stored results")
    return parser.parse_args()


def sized_url(url: str, participants: int) -> str:
    url_obj = sa.engine.make_url(url)
    if url_obj.get_backend_name() == "sqlite":
        path = Path(url_obj.database)
        return str(url_obj.set(database=str(path.with_name(f"{path.stem}-{participants}{path.suffix}"))))
    return str(url_obj.set(database=f"{url_obj.database}_{participants}")).replace("***", url_obj.password or "")


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


def dialect_name(engine) -> str:
    return engine.dialect.name


@contextmanager
def bulk_load_settings(engine):
    """For the seeding only: SQLite without waiting for the disk, with a 1 GB page cache
    (pragmas on every new connection); the app's own settings apply to the measurements."""
    if dialect_name(engine) != "sqlite":
        yield
        return

    def bulk_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.execute("PRAGMA cache_size=-1000000")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    from elearn.extensions import db

    db.session.remove()
    engine.dispose()
    sa.event.listen(engine, "connect", bulk_pragmas)
    try:
        yield
    finally:
        db.session.remove()
        sa.event.remove(engine, "connect", bulk_pragmas)
        engine.dispose()


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


def measure(url: str, participants: int, repeat: int, reuse: bool, rebuild: bool) -> dict:
    from elearn.config import normalise_database_url

    url = normalise_database_url(url)
    prepare_database(url, reuse)
    os.environ.pop("DATABASE_URL", None)

    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.demo import seed_demo_accounts
    from elearn.enrolments.models import Enrolment, EnrolmentStatus
    from elearn.extensions import db
    from elearn.reference.models import RegionalCentre
    from elearn.reports import dashboard, demo, rollups, services
    from elearn.reports.services import Scope

    app = create_app({
        "ENV": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
    })
    import logging

    logging.getLogger("alembic").setLevel(logging.WARNING)
    out: dict = {"participants": participants}
    with app.app_context():
        start = time.perf_counter()
        upgrade()
        out["upgrade_s"] = time.perf_counter() - start
        from elearn.reference.services import load_reference_data

        load_reference_data()
        seed_demo_accounts()
        db.session.commit()
        with bulk_load_settings(db.engine):
            start, start_cpu = time.perf_counter(), time.process_time()
            demo.seed(participants=participants, after_block=db.session.commit, rebuild=False)
            db.session.commit()
            out["seed_s"] = time.perf_counter() - start
            out["seed_cpu_s"] = time.process_time() - start_cpu
            start = time.perf_counter()
            rebuilt = rebuild or not reuse  # a kept database has current rollups (migrated)
            if rebuilt:
                rollups.rebuild(db.session.connection())  # what `flask reports rebuild` runs
                db.session.commit()
            out["rebuild_s"] = time.perf_counter() - start if rebuilt else None
            if dialect_name(db.engine) == "postgresql":
                with db.engine.connect() as connection:
                    connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                        sa.text("VACUUM ANALYZE"))
            else:
                db.session.execute(sa.text("ANALYZE"))
                db.session.commit()
        print(f"seeded {participants:,} in {out['seed_s']:.0f} s wall "
              f"({out['seed_cpu_s']:.0f} s CPU in this process), rollups rebuilt in "
              f"{out['rebuild_s'] or 0:.0f} s, migrations {out['upgrade_s']:.0f} s", flush=True)
        out["rows"] = {
            name: db.session.scalar(sa.text(f"SELECT count(*) FROM {name}"))
            for name in ("users", "enrolments", "quiz_attempts", "registrations", "certificates",
                         "report_rollups", "report_completion_histograms")
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
        out["dialect"] = dialect

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
    month = "date_from=2026-06-01&date_to=2026-09-15"

    with app.app_context():
        # -- the baselines every figure is compared with, measured in the same run -------------
        some_email = db.session.scalar(sa.select(services.users.c.email).limit(1).offset(
            participants // 2))

        def one_row_select():
            with db.engine.connect() as connection:
                connection.execute(sa.select(services.users.c.id).where(
                    services.users.c.email == some_email)).one()

        def bare_page():
            response = coordinator_client.get("/healthz")
            assert response.status_code == 200
            response.get_data()

        one_row_select()
        bare_page()
        out["baseline_select_ms"], out["baseline_select_cpu_ms"] = median_ms(one_row_select,
                                                                             repeat * 3)
        out["baseline_page_ms"], out["baseline_page_cpu_ms"] = median_ms(bare_page, repeat * 3)
        everyone = (None, "all centres", out["rows"]["enrolments"])
        cases = (
            ("busiest", busiest, coordinator_client, "/centre", {}),
            ("busiest, date filter", busiest, coordinator_client, f"/centre?{month}",
             {"date_from": "2026-06-01", "date_to": "2026-09-15"}),
            ("typical", typical, admin_client, f"/centre?centre={typical[0]}", {}),
            ("whole platform (admin)", everyone, admin_client, "/centre", {}),
            ("whole platform, date filter", everyone, admin_client, f"/centre?{month}",
             {"date_from": "2026-06-01", "date_to": "2026-09-15"}),
        )
        for label, (centre_id, slug, enrolment_count), client, url_path, dates in cases:
            from datetime import date

            scope = Scope(centre_id=centre_id, **{k: date.fromisoformat(v) for k, v in dates.items()})

            def rollup_sql(scope=scope):
                dashboard.all_figures(scope)
                db.session.rollback()

            def direct_sql(scope=scope):
                with db.engine.connect() as connection:
                    services.no_jit(connection, dialect)
                    connection.execute(services.report_statement(scope, dialect)).all()

            def page(client=client, url_path=url_path):
                response = client.get(url_path)
                assert response.status_code == 200, response.status_code
                response.get_data()

            page()
            rollup_sql()
            page_ms, page_cpu = median_ms(page, repeat)
            sql_ms, _cpu = median_ms(rollup_sql, repeat)
            direct_ms, _cpu = median_ms(direct_sql, 1)  # the old way, once
            out[f"dashboard {label}"] = {
                "centre": slug, "enrolments": enrolment_count, "page_ms": page_ms,
                "page_cpu_ms": page_cpu, "rollup_sql_ms": sql_ms, "direct_sql_ms": direct_ms,
            }
            db.session.remove()

        # -- participant lists of the busiest centre: first and a later page of each sort, and a
        # person page ----------------------------------------------------------------------------
        from elearn.reports import people

        def get(path):
            response = coordinator_client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            response.get_data()

        lists = {}
        scope = Scope(centre_id=busiest[0])
        for sort in people.SORTS:
            page = people.participants(scope, sort=sort)
            for _step in range(19):  # to page 20: a keyset page costs what the first one costs
                page = people.participants(scope, sort=sort, after=page.next_cursor)
            db.session.rollback()
            for label, path in (
                (f"by {sort}, page 1", f"/centre/participants?sort={sort}"),
                (f"by {sort}, page 21", f"/centre/participants?sort={sort}&after={page.next_cursor}"),
            ):
                get(path)
                lists[label] = median_ms(lambda path=path: get(path), repeat)
        person_id = db.session.scalar(
            sa.select(services.users.c.id).where(services.users.c.centre_id == busiest[0])
            .order_by(services.users.c.id.desc()).limit(1))
        db.session.rollback()
        person_path = f"/centre/participants/{person_id}"
        get(person_path)
        lists["person page"] = median_ms(lambda: get(person_path), repeat)
        out["lists"] = lists
        db.session.remove()

        # -- a write and its rollup update, rolled back ----------------------------------------
        ids = db.session.scalars(
            sa.select(Enrolment.id).where(Enrolment.status == EnrolmentStatus.active).limit(20)
        ).all()

        def write(enrolment_id, maintain):
            enrolment = db.session.get(Enrolment, enrolment_id)
            start = time.perf_counter()
            if not maintain:
                db.session.info[rollups.PAUSED] = True
            enrolment.status = EnrolmentStatus.withdrawn
            db.session.flush()
            elapsed = (time.perf_counter() - start) * 1000
            db.session.info.pop(rollups.PAUSED, None)
            db.session.rollback()
            return elapsed

        out["write_ms"] = statistics.median(write(i, True) for i in ids)
        out["write_without_rollups_ms"] = statistics.median(write(i, False) for i in ids)

        # -- exports of the busiest centre -----------------------------------------------------
        scope = Scope(centre_id=busiest[0])

        def bare_rows():  # the rows the exports write, read as they read them
            count = sum(1 for _row in services.iter_export_rows(scope))
            db.session.rollback()
            return count

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
        rates = {"rows": rows, "bare_select_rows_s": rows / sql_seconds}
        for fmt in ("csv", "xlsx"):
            path = f"/centre/export/participants.{fmt}"
            export(path)
            start, start_cpu = time.perf_counter(), time.process_time()
            size = export(path)
            seconds = time.perf_counter() - start
            rates[f"{fmt}_rows_s"] = rows / seconds
            rates[f"{fmt}_rows_per_cpu_s"] = rows / (time.process_time() - start_cpu)
            rates[f"{fmt}_mb"] = size / 1e6
            tracemalloc.start()  # a separate run: tracemalloc slows Python down
            export(path)
            rates[f"{fmt}_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        out["export"] = rates
        db.session.remove()
        db.engine.dispose()
    return out


def print_side_by_side(results: list[dict]) -> None:
    results = sorted(results, key=lambda r: r["participants"])
    head = "".join(f"{r['participants']:>16,}" for r in results)
    print(f"\n{results[0]['dialect']}: participants {head}")

    def line(label, values, fmt):
        print(f"  {label:<40}" + "".join(
            f"{'-' if v is None else format(v, fmt):>16}" for v in values))

    def get(result, *keys):
        for key in keys:
            if not isinstance(result, dict) or key not in result:
                return None
            result = result[key]
        return result

    def ratio(value, base):
        return None if value is None or not base else value / base

    line("enrolments", [get(r, "rows", "enrolments") for r in results], ",")
    line("summary rows (report_rollups)", [get(r, "rows", "report_rollups") for r in results], ",")
    line("histograms (report_completion_histograms)",
         [get(r, "rows", "report_completion_histograms") for r in results], ",")
    line("seeding s (wall, rollups paused)", [r.get("seed_s") for r in results], ".1f")
    line("seeding s (CPU, this process)", [r.get("seed_cpu_s") for r in results], ".1f")
    line("flask reports rebuild s (wall)", [r.get("rebuild_s") for r in results], ".1f")
    line("migrations s (wall)", [r.get("upgrade_s") for r in results], ".1f")
    line("baseline: one-row indexed SELECT ms", [r.get("baseline_select_ms") for r in results],
         ".2f")
    line("baseline: /healthz page ms (wall)", [r.get("baseline_page_ms") for r in results], ".2f")
    line("baseline: /healthz page ms (CPU)", [r.get("baseline_page_cpu_ms") for r in results],
         ".2f")
    for key in ("dashboard busiest", "dashboard busiest, date filter", "dashboard typical",
                "dashboard whole platform (admin)", "dashboard whole platform, date filter"):
        if not any(key in r for r in results):
            continue
        line(f"{key[10:]}: enrolments in scope", [get(r, key, "enrolments") for r in results], ",")
        line("  page ms (median, wall)", [get(r, key, "page_ms") for r in results], ".1f")
        line("  page ms (median, CPU)", [get(r, key, "page_cpu_ms") for r in results], ".1f")
        line("  page / baseline page (CPU)", [
            ratio(get(r, key, "page_cpu_ms"), r.get("baseline_page_cpu_ms")) for r in results],
            ".1f")
        line("  rollup SQL ms (wall)", [get(r, key, "rollup_sql_ms") for r in results], ".1f")
        line("  direct statement ms (before)", [get(r, key, "direct_sql_ms") for r in results],
             ".0f")
    labels = list(dict.fromkeys(label for r in results for label in r.get("lists", {})))
    if labels:
        print("  participant list of the busiest centre, ms wall / CPU:")
    for label in labels:
        print(f"    {label:<38}" + "".join(
            f"{'-' if get(r, 'lists', label) is None else '{:.1f} / {:.1f}'.format(*r['lists'][label]):>16}"
            for r in results))
    line("write + rollup update ms", [r.get("write_ms") for r in results], ".1f")
    line("write without rollups ms", [r.get("write_without_rollups_ms") for r in results], ".1f")
    line("export rows (busiest centre)", [get(r, "export", "rows") for r in results], ",")
    for key, fmt in (("bare_select_rows_s", ",.0f"), ("csv_rows_s", ",.0f"),
                     ("xlsx_rows_s", ",.0f"), ("csv_rows_per_cpu_s", ",.0f"),
                     ("xlsx_rows_per_cpu_s", ",.0f"), ("csv_peak_mb", ".1f"),
                     ("xlsx_peak_mb", ".1f")):
        line(key.replace("_", " "), [get(r, "export", key) for r in results], fmt)


def main() -> None:
    args = parse_args()
    path = Path(args.results)
    backend = sa.engine.make_url(args.database_url).get_backend_name()
    if args.show:
        for results in json.loads(path.read_text()).values():
            print_side_by_side(list(results.values()))
        return
    for participants in args.participants:
        result = measure(sized_url(args.database_url, participants), participants, args.repeat,
                         args.reuse, args.rebuild)
        # read again just before writing: a run on the other database may have written since
        stored = json.loads(path.read_text()) if path.exists() else {}
        earlier = stored.get(backend, {}).get(str(participants))
        if args.reuse and earlier:  # nothing was seeded this time: keep the measured seeding
            for key in ("seed_s", "seed_cpu_s"):
                result[key] = earlier.get(key)
            if result.get("rebuild_s") is None:
                result["rebuild_s"] = earlier.get("rebuild_s")
        stored.setdefault(backend, {})[str(participants)] = result
        path.write_text(json.dumps(stored, indent=1))
        print(json.dumps(result, indent=1), flush=True)
    print_side_by_side(list(stored[backend].values()))


if __name__ == "__main__":
    main()
