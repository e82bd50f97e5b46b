"""Two app servers, Redis and two workers: the production layout, end to end.

Starts redis-server on a free loopback port, two gunicorn servers of the app on PostgreSQL
(ELEARN_TEST_DATABASE_URL, a throwaway database), an aiosmtpd sink, and `flask worker`
processes on the Redis queue. Checks that a login limit reached on one server holds on the
other, that a session made on one works on the other, that mail queued through both is
delivered exactly once by two workers, and that a worker killed in the middle of a batch loses
and duplicates nothing (its claimed rows are taken over when the claim expires).

Skipped (with the reason) without PostgreSQL (ELEARN_TEST_DATABASE_URL: it runs in the
PostgreSQL pass of .ci/run); when redis-server or gunicorn is missing it is skipped locally and
fails under CI=true.
"""

from __future__ import annotations

import asyncio
import collections
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.servers

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"
CLAIM_SECONDS = 4


def _missing(reason: str):
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"two-server test cannot run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Sink:
    """aiosmtpd handler. ``hold_at``: the n-th message waits until ``release`` is set (the test
    kills the sending worker meanwhile); a message whose client vanished is not accepted."""

    def __init__(self):
        self.received: list[str] = []
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        #: set by the test when it killed the sender of the held message
        self.client_gone = False
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            number = len(self.received) + 1
            hold = self.hold_at == number and not self.holding.is_set()
            if hold:
                self.holding.set()
        if hold:
            while not self.release.is_set():
                await asyncio.sleep(0.05)
            if self.client_gone:
                # The test killed the sender before this reply: the message was not accepted.
                # (Had the server accepted it and the reply been lost, any SMTP client would send
                # it again: that window is SMTP's own, not one the outbox can close.)
                return "451 client gone"
        with self.lock:
            self.received.extend(envelope.rcpt_tos)
        return "250 OK"


class Stack:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.env: dict[str, str] = {}

    def start(self, args: list[str], name: str) -> subprocess.Popen:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(args, cwd=ROOT, env=self.env, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log_name = name
        self.processes.append(process)
        return process

    def log(self, process) -> str:
        return (self.tmp / f"{process.log_name}.log").read_text(errors="replace")[-3000:]

    def stop(self, process, sig=signal.SIGTERM) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            self.stop(process)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    base = os.environ.get("ELEARN_TEST_DATABASE_URL", "")
    if not base.startswith("postgres"):
        pytest.skip("needs PostgreSQL: set ELEARN_TEST_DATABASE_URL (the PostgreSQL pass of CI)")
    redis_server = shutil.which("redis-server")
    if not redis_server:
        _missing("needs redis-server (Debian package redis-server)")
    if not (BIN / "gunicorn").exists():
        _missing("needs gunicorn in the virtualenv")
    from aiosmtpd.controller import Controller

    from tests.conftest import _postgres_test_url

    url, admin_url, name = _postgres_test_url(base)
    tmp = tmp_path_factory.mktemp("two-servers")
    stack = Stack(tmp)
    redis_port, smtp_port = free_port(), free_port()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    stack.sink = sink
    stack.env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("ELEARN_", "DATABASE_URL"))},
        "FLASK_APP": "elearn",
        "DATABASE_URL": url,
        "ELEARN_ENV": "development",
        "ELEARN_SECRET_KEY": "two-servers-test-secret",
        "ELEARN_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "ELEARN_SMTP_HOST": "127.0.0.1",
        "ELEARN_SMTP_PORT": str(smtp_port),
        "ELEARN_LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
        "ELEARN_LOGIN_LIMIT_PER_ADDRESS": "1000 per 15 minutes",
        "ELEARN_MAIL_BATCH_SIZE": "10",
        "ELEARN_MAIL_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "ELEARN_BASE_URL": "http://127.0.0.1",
    }
    try:
        stack.start([redis_server, "--port", str(redis_port), "--bind", "127.0.0.1",
                     "--save", "", "--appendonly", "no"], "redis")
        subprocess.run([str(BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=stack.env,
                       check=True, capture_output=True)
        stack.engine = sa.create_engine(url)
        _seed(url)
        stack.servers = []
        for n in range(2):
            port = free_port()
            stack.start([str(BIN / "gunicorn"), "--workers", "1", "--threads", "4", "--bind",
                         f"127.0.0.1:{port}", "elearn:create_app()"], f"gunicorn{n}")
            stack.servers.append(f"http://127.0.0.1:{port}")
        import requests

        def up():
            try:
                return all(requests.get(s + "/healthz", timeout=2).ok for s in stack.servers)
            except requests.RequestException:
                return False

        wait_for(up, 40, "both app servers")
        yield stack
    finally:
        stack.stop_all()
        controller.stop()
        if getattr(stack, "engine", None) is not None:
            stack.engine.dispose()
        engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
            ), {"n": name})
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        engine.dispose()


def _seed(url: str) -> None:
    """Reference data, one user with a password, 40 mail recipients (no password)."""
    from elearn import create_app
    from elearn.accounts.services import create_user
    from elearn.extensions import db
    from elearn.reference.models import Audience
    from elearn.reference.services import load_reference_data

    app = create_app({"ENV": "testing", "TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        load_reference_data()
        audience = db.session.scalar(sa.select(Audience).order_by(Audience.id))
        for email, password in [("limit@example.org", PASSWORD), ("both@example.org", PASSWORD)]:
            create_user(email=email, name=email, password=password, audience=audience,
                        country="SN")
        for n in range(40):
            create_user(email=f"r{n}@example.org", name=f"R {n}", password=None,
                        audience=audience, country="SN")
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def csrf(browser, url: str) -> str:
    html = browser.get(url, timeout=10).text
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(browser, server: str, email: str, password: str):
    token = csrf(browser, server + "/login")
    return browser.post(server + "/login", data={"csrf_token": token, "email": email,
                                                 "password": password},
                        allow_redirects=False, timeout=10)


def forgot(server: str, email: str) -> None:
    import requests

    browser = requests.Session()
    token = csrf(browser, server + "/password/forgot")
    response = browser.post(server + "/password/forgot",
                            data={"csrf_token": token, "email": email},
                            allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:500]


def outbox_left(stack) -> int:
    with stack.engine.connect() as connection:
        return connection.scalar(sa.text(
            "SELECT count(*) FROM outbox_messages WHERE status <> 'sent'"))


def start_worker(stack, name: str, threads: int = 2) -> subprocess.Popen:
    return stack.start([str(BIN / "flask"), "worker", "--workers", str(threads), "--no-periodic"],
                       name)


def test_two_servers_share_limits_sessions_and_deliver_mail_once(stack):
    import requests

    a, b = stack.servers
    # a login limit reached on one server holds on the other
    browser = requests.Session()
    for _ in range(3):
        assert login(browser, a, "limit@example.org", "wrong password 1234").status_code == 401
    assert login(browser, b, "limit@example.org", "wrong password 1234").status_code == 429

    # a session made on one server works on the other
    browser = requests.Session()
    assert login(browser, a, "both@example.org", PASSWORD).status_code == 302
    response = browser.get(b + "/profile", allow_redirects=False, timeout=10)
    assert response.status_code == 200 and "both@example.org" in response.text

    # mail queued through both servers, delivered exactly once by two workers
    workers = [start_worker(stack, "worker1"), start_worker(stack, "worker2")]
    for n in range(10):
        forgot((a, b)[n % 2], f"r{n}@example.org")
    try:
        wait_for(lambda: outbox_left(stack) == 0 and len(stack.sink.received) >= 10, 40,
                 "ten mails delivered")
    except AssertionError:
        raise AssertionError(stack.log(workers[0]) + stack.log(workers[1])) from None
    assert sorted(stack.sink.received) == sorted(f"r{n}@example.org" for n in range(10))
    for worker in workers:
        stack.stop(worker)

    # a worker killed in the middle of a batch: nothing lost, nothing sent twice
    stack.sink.hold_at = 15  # the fifth message of this round
    for n in range(10, 30):
        forgot((a, b)[n % 2], f"r{n}@example.org")
    # One thread, so the held message is the only one in flight when it dies. (A message the
    # server accepted whose "sent" mark had not been committed yet would be sent again by the
    # survivor: SMTP's own at-least-once window, which no outbox can close.)
    victim = start_worker(stack, "worker3", threads=1)
    wait_for(stack.sink.holding.is_set, 40, "the worker to be in the middle of a batch")
    stack.stop(victim, signal.SIGKILL)
    stack.sink.client_gone = True
    stack.sink.release.set()
    survivor = start_worker(stack, "worker4")
    time.sleep(CLAIM_SECONDS + 1)  # the dead worker's claim expires
    forgot(a, "r30@example.org")  # wakes the survivor (the periodic job would, within a minute)
    try:
        wait_for(lambda: outbox_left(stack) == 0, 40, "every mail delivered")
    except AssertionError:
        raise AssertionError(stack.log(survivor)) from None
    counts = collections.Counter(stack.sink.received)
    assert sorted(counts) == sorted(f"r{n}@example.org" for n in range(31))
    assert set(counts.values()) == {1}
