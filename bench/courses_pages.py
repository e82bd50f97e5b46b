"""Benchmark: catalog, course page, module page and quiz page against a bare Flask route, side by side.

Seeds 200 courses x 20 modules in a temporary SQLite database, serves the app with gunicorn
(2 workers) on a loopback port, and measures requests per second with wrk when installed
(else a bounded Python client), logged in as an enrolled learner through a session cookie.
The same server also answers a bare route (no database) and a one-query route, the baselines;
the ratios are the figures (DESIGN.md: every main page at least half of the one-query route).
A second server with ELEARN_PAGE_CACHE=false measures the learner's pages rendered on every
view (what the first view after a change of the page costs).
Each page is measured right after a one-query run of its own (the machine's load drifts during
a run), and its ratio is against that run.

    .venv/bin/python bench/courses_pages.py [--seconds 5] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from http.client import HTTPConnection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WSGI = '''
import sqlalchemy as sa
from elearn import create_app
from elearn.extensions import db

app = create_app()

@app.route("/bench/bare")
def bench_bare():
    return "ok"

@app.route("/bench/one-query")
def bench_one_query():
    return str(db.session.scalar(sa.select(sa.func.count()).select_from(sa.table("audiences"))))
'''


def seed(n_courses: int, n_modules: int) -> str:
    """Create the schema and data; return the session cookie of an enrolled learner."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from elearn import create_app
    from elearn.accounts import services as accounts
    from elearn.courses.models import Course, Module, course_audiences
    from elearn.enrolments.models import Enrolment, ModuleProgress
    from elearn.extensions import db
    from elearn.reference.models import Audience
    from elearn.reference.services import load_reference_data

    app = create_app()
    with app.app_context():
        upgrade()
        load_reference_data()
        audiences = db.session.scalars(sa.select(Audience).order_by(Audience.position)).all()
        body = ("<h2>Learning objectives</h2><ul><li>one</li><li>two</li></ul>"
                + "<p>" + "A paragraph of realistic course text, about the length of a lesson. " * 60
                + "</p>") * 3
        for c in range(n_courses):
            course = Course(slug=f"course-{c:03d}", title=f"Course {c:03d} on the conventions",
                            summary="One or two sentences for the catalog. " * 3,
                            conventions="basel,stockholm", published=True, estimated_hours=4)
            db.session.add(course)
            db.session.flush()
            db.session.execute(course_audiences.insert(), [
                {"course_id": course.id, "audience_id": audiences[(c + k) % len(audiences)].id}
                for k in range(3)])
            db.session.execute(sa.insert(Module), [
                {"course_id": course.id, "slug": f"module-{m + 1}", "title": f"Module {m + 1}",
                 "position": m, "body_markdown": "", "body_html": body, "content_hash": ""}
                for m in range(n_modules)])
        learner = accounts.create_user(
            email="bench@example.org", name="Bench Learner", password="bench password 123",
            audience=audiences[0], country="SN", timezone="Africa/Dakar")
        db.session.flush()
        first = db.session.scalar(sa.select(Course).where(Course.slug == "course-000"))
        enrolment = Enrolment(user_id=learner.id, course_id=first.id)
        db.session.add(enrolment)
        db.session.flush()
        module_id = db.session.scalar(sa.select(Module.id).where(Module.course_id == first.id,
                                                                 Module.slug == "module-1"))
        db.session.add(ModuleProgress(enrolment_id=enrolment.id, module_id=module_id))
        # a 6-question quiz after the last module, as the bundled courses have
        from elearn.quizzes.importer import import_quiz_file

        import_quiz_file(first, ROOT / "tests" / "fixtures" / "quizzes" / "demo-course",
                         {"slug": "basics", "title": "Basics", "file": "quizzes/basics.yaml"}, 0)
        db.session.commit()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = learner.session_token
            session["_fresh"] = True
        cookie = client.get_cookie("session")
        return f"session={cookie.value}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/bench/bare")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def run_wrk(url: str, cookie: str | None, seconds: int, connections: int) -> float:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non2xx:
        raise RuntimeError(f"{url}: {non2xx.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run_python(url: str, cookie: str | None, seconds: int, connections: int) -> float:
    """A bounded keep-alive client: ``connections`` threads for ``seconds``."""
    match = re.match(r"http://([^:/]+):(\d+)(.*)", url)
    host, port, path = match.group(1), int(match.group(2)), match.group(3)
    headers = {"Cookie": cookie} if cookie else {}
    counts = [0] * connections
    stop = time.time() + seconds

    def worker(i: int) -> None:
        conn = HTTPConnection(host, port, timeout=10)
        while time.time() < stop:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(connections)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.time() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--courses", type=int, default=200)
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="elearn-bench-"))
    env = dict(os.environ)
    env.update({
        "DATABASE_URL": f"sqlite:///{tmp / 'bench.sqlite'}",
        "ELEARN_SECRET_KEY": "bench-secret-key-not-for-production",
        "ELEARN_ENV": "development",
        "ELEARN_RATELIMIT_ENABLED": "false",
        "PYTHONPATH": f"{tmp}{os.pathsep}{ROOT}",
    })
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "ELEARN_SECRET_KEY", "ELEARN_ENV",
                                           "ELEARN_RATELIMIT_ENABLED")})
    (tmp / "bench_wsgi.py").write_text(WSGI)
    started = time.time()
    cookie = seed(args.courses, args.modules)
    print(f"seeded {args.courses} courses x {args.modules} modules in "
          f"{time.time() - started:.1f} s")

    # the same app twice: as configured (a learner's pages come whole from the page cache
    # while nothing on them changed) and with ELEARN_PAGE_CACHE=false (every view rendered,
    # what the first view after a change costs)
    gunicorn = shutil.which("gunicorn", path=str(ROOT / ".venv" / "bin")) or "gunicorn"
    ports = {"cached": free_port(), "rendered": free_port()}
    servers = [subprocess.Popen(
        [gunicorn, "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
         "bench_wsgi:app"], env={**env, "ELEARN_PAGE_CACHE": "true" if kind == "cached" else "false"},
        cwd=tmp) for kind, port in ports.items()]
    try:
        for port in ports.values():
            wait_until_up(port)
        tool = "wrk" if shutil.which("wrk") else "python"
        measure = run_wrk if tool == "wrk" else run_python
        cached, rendered = (f"http://127.0.0.1:{port}" for port in ports.values())
        pages = [
            ("catalog, search + filter", "/courses?q=course&audience=customs-officer"),
            ("course page", "/courses/course-000"),
            ("module page", "/courses/course-000/modules/module-2"),
            ("quiz page", "/courses/course-000/quizzes/basics"),
        ]
        cases = [
            ("bare Flask route", cached, "/bench/bare", None),
            ("one-query route", cached, "/bench/one-query", None),
            ("catalog, anonymous", cached, "/courses", None),
            ("catalog, learner", cached, "/courses", cookie),
            *((f"{name}, learner", cached, path, cookie) for name, path in pages),
            ("catalog, learner, rendered", rendered, "/courses", cookie),
            *((f"{name}, rendered", rendered, path, cookie) for name, path in pages),
        ]
        for _, base, path, c in cases:  # warm up and check each page answers 200
            measure(base + path, c, 1, 2)
        results = {}
        print(f"\n{tool}, {args.connections} connections, {args.seconds} s each, "
              "gunicorn 2 workers, SQLite")
        print("(the machine's load changes while the bench runs: each page is measured right "
              "after a one-query run of its own, and 'vs 1-query' is against that run;\n"
              "'learner': as served, the learner's page from the page cache; 'rendered': the "
              "same page with ELEARN_PAGE_CACHE=false, as the first view after a change)\n")
        print(f"{'page':<36} {'req/s':>8} {'1-query':>8} {'vs 1-query':>10}")
        for name, base, path, c in cases:
            baseline = (measure(base + "/bench/one-query", None, args.seconds, args.connections)
                        if path.startswith("/courses") else None)
            results[name] = measure(base + path, c, args.seconds, args.connections)
            rate = results[name]
            reference = baseline or results.get("one-query route", rate)
            print(f"{name:<36} {rate:8.0f} {reference:8.0f} {rate / reference:10.2f}")
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
