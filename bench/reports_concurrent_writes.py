"""Concurrent writers and the rollups' shared rows (run on a database seeded by
bench/reports_dashboard.py, best PostgreSQL):

    nice .venv/bin/python bench/reports_concurrent_writes.py \
        --database-url postgresql+psycopg://postgres@127.0.0.1:55401/elearn_reports_bench_100000

Every write updates the rollups in its own transaction, and the rows "every centre" (centre -1),
"every course" and the month and day of the enrolment are the same for most writes: a second
transaction waits on their row locks until the first one ends. Each writer withdraws one
enrolment (a different one each time, its rollups updated at the flush), keeps the transaction
open for --hold ms (the rest of a request), then rolls back, so the database is left as it was.
Printed per number of writers: transactions per second, median and 95th percentile of a
transaction's time, and the transactions that failed (deadlocks, serialisation) against one
writer in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--writers", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--transactions", type=int, default=40, help="per writer")
    parser.add_argument("--hold", type=float, default=5.0, help="ms kept open after the flush")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from elearn import create_app
    from elearn.enrolments.models import Enrolment, EnrolmentStatus
    from elearn.extensions import db

    app = create_app({"ENV": "testing", "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": args.database_url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": max(args.writers) + 2}})
    most = max(args.writers) * args.transactions
    with app.app_context():
        ids = db.session.scalars(
            sa.select(Enrolment.id).where(Enrolment.status == EnrolmentStatus.active)
            .order_by(sa.func.random() if db.engine.dialect.name != "sqlite" else Enrolment.id)
            .limit(most)).all()
        db.session.rollback()
    print(f"{len(ids)} active enrolments drawn; hold {args.hold} ms after each flush")
    base = None
    for writers in args.writers:
        times: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def writer(mine: list[int], times=times, failures=failures, lock=lock) -> None:
            with app.app_context():
                for enrolment_id in mine:
                    start = time.perf_counter()
                    try:
                        enrolment = db.session.get(Enrolment, enrolment_id)
                        enrolment.status = EnrolmentStatus.withdrawn
                        db.session.flush()  # the rollups are updated here
                        time.sleep(args.hold / 1000)
                    except sa.exc.DBAPIError as error:
                        with lock:
                            failures.append(type(error.orig).__name__)
                    finally:
                        db.session.rollback()
                    with lock:
                        times.append((time.perf_counter() - start) * 1000)
                db.session.remove()

        share = [ids[i::writers][:args.transactions] for i in range(writers)]
        threads = [threading.Thread(target=writer, args=(mine,)) for mine in share]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
        rate = len(times) / seconds
        base = base or rate
        times.sort()
        print(f"  {writers:>2} writers: {rate:7.1f} transactions/s ({rate / base:.2f}x one "
              f"writer), median {statistics.median(times):6.1f} ms, p95 "
              f"{times[int(len(times) * 0.95) - 1]:6.1f} ms, failed {len(failures)}"
              f"{' (' + ', '.join(sorted(set(failures))) + ')' if failures else ''}", flush=True)
    with app.app_context():
        db.engine.dispose()


if __name__ == "__main__":
    main()
