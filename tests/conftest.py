"""Shared fixtures: the app on a real database built by the migrations, a clean database per
test, clients logged in per role, a mail outbox and a query counter.

The database is SQLite in a temporary directory, or the PostgreSQL server named by
ELEARN_TEST_DATABASE_URL (a throwaway database is created there for the run and dropped after).
DATABASE_URL is never used by the tests.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from elearn import create_app
from elearn.config import normalise_database_url
from elearn.extensions import db, limiter
from tests import factories


def _postgres_test_url(base_url: str) -> tuple[str, str, str]:
    """Create a fresh database on the server of ``base_url``; return (url, admin_url, name)."""
    url = sa.engine.make_url(normalise_database_url(base_url))
    name = f"elearn_test_{uuid.uuid4().hex[:10]}"
    admin_url = url.set(database="postgres")
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False), admin_url, name


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = os.environ.get("ELEARN_TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
        return
    url, admin_url, name = _postgres_test_url(base)
    yield url
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
    engine.dispose()


@pytest.fixture(scope="session")
def _app(database_url, tmp_path_factory):
    os.environ.pop("DATABASE_URL", None)
    from elearn.i18n import compile_catalogues

    compile_catalogues()  # .mo files are built, not committed (`make setup` does the same)
    app = create_app({
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "BASE_URL": "http://localhost",
        "SERVER_NAME": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        # issuer keys of verifiable credentials: made on first use, outside the work tree
        "CREDENTIALS_KEY_DIR": str(tmp_path_factory.mktemp("credential-keys")),
        # Client tests post forms without tokens; `csrf_enabled` and the browser tests turn it on.
        "WTF_CSRF_ENABLED": False,
    })
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        _clean_database()  # a PostgreSQL database may be reused: start from reference data only

    from flask import g, request_started

    def forget_request_state(sender, **extra):
        # Test requests share the test's app context (pytest-flask pushes one); a real
        # server starts each request afresh, so drop what Flask-Login cached in g.
        g.pop("_login_user", None)
        g.pop("_flask_babel", None)  # Flask-Babel's cached locale, time zone and catalogue
        g.pop("content_tokens", None)  # elearn.caching reads them once per request
        g.pop("csrf_token", None)  # Flask-WTF's token of a request

    request_started.connect(forget_request_state, app, weak=False)
    return app


KEEP_TABLES = {"alembic_version"}


def _clean_database() -> None:
    """Empty every table, then load the reference data again (after a test that committed)."""
    from elearn.reference.services import load_reference_data

    tables = [t for t in reversed(db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(table.delete())
    load_reference_data()
    db.session.commit()
    db.session.remove()


class _ConnectionSession(FlaskSQLAlchemySession):
    """A session that always uses the test's one connection (Flask-SQLAlchemy would otherwise
    pick the engine from its bind keys and open a connection of its own)."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return self.bind


@contextmanager
def _rolled_back_test():
    """Run a test inside one outer transaction that is rolled back at the end.

    The app's commits release SAVEPOINTs inside it (SQLAlchemy's "create_savepoint" mode), so a
    test sees the same commit and rollback behaviour as a request, and nothing it wrote is left
    for the next test: no table has to be emptied and no reference data loaded again.
    """
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite's own transaction handling breaks SAVEPOINTs: let SQLAlchemy emit BEGIN
        # (SQLAlchemy's documented recipe), on this connection only.
        driver_connection = connection.connection.driver_connection
        driver_connection.isolation_level = None
        sa.event.listen(connection, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
    outer = connection.begin()
    app_session = db.session
    db.session = db._make_scoped_session({
        "class_": _ConnectionSession, "bind": connection,
        "join_transaction_mode": "create_savepoint",
    })
    try:
        yield
    finally:
        db.session.remove()
        db.session = app_session
        outer.rollback()
        if sqlite:
            driver_connection.isolation_level = ""
        connection.close()


@pytest.fixture
def app(_app, request):
    """The app, inside an app context, with reference data loaded and nothing else.

    Most tests run inside a transaction that is rolled back afterwards. Tests marked
    ``real_commits`` (browser tests against a live server, races between threads, migrations)
    commit for real; the database is emptied and reloaded after them.
    """
    _app.extensions["elearn_outbox"] = QueuedMail()
    # pytest-flask's live_server leaves SERVER_NAME at "localhost.localdomain" after a browser test
    _app.config["SERVER_NAME"] = None
    real_commits = request.node.get_closest_marker("real_commits") is not None
    with _app.app_context():
        limiter.reset()
        if real_commits:
            try:
                yield _app
            finally:
                db.session.rollback()
                db.session.remove()
                _clean_database()
        else:
            with _rolled_back_test():
                yield _app


def pytest_collection_modifyitems(config, items):
    """Browser tests drive a server in another process: they need real commits."""
    for item in items:
        if "e2e" in item.path.parts:
            item.add_marker(pytest.mark.real_commits)


class QueuedMail:
    """The mail queued in the outbox table during the test, as ``EmailMessage`` objects, read
    from the database each time (so a rolled-back change shows none). Behaves like a list;
    ``clear()`` forgets what was queued so far."""

    def __init__(self):
        self.after_id = 0

    def _messages(self) -> list:
        from elearn.mail import message_of
        from elearn.outbox.models import OutboxMessage

        rows = db.session.scalars(sa.select(OutboxMessage).where(OutboxMessage.id > self.after_id)
                                  .order_by(OutboxMessage.id))
        return [message_of(row) for row in rows]

    def clear(self) -> None:
        from elearn.outbox.models import OutboxMessage

        self.after_id = db.session.scalar(sa.select(sa.func.max(OutboxMessage.id))) or 0

    def __iter__(self):
        return iter(self._messages())

    def __len__(self) -> int:
        return len(self._messages())

    def __getitem__(self, index):
        return self._messages()[index]

    def __eq__(self, other) -> bool:
        return self._messages() == list(other)

    def __repr__(self) -> str:
        return f"QueuedMail({[(m['To'], m['Subject']) for m in self._messages()]!r})"


@pytest.fixture
def outbox(app):
    """Messages queued through elearn.mail during the test (rows of the outbox table)."""
    return app.extensions["elearn_outbox"]


def login_client(client, user) -> None:
    """Make ``client`` carry ``user``'s login session (as Flask-Login would after a login)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.session_token
        session["_fresh"] = True


@pytest.fixture
def make_user(app):
    return factories.make_user


@pytest.fixture
def learner(app):
    return factories.make_user(email="learner@example.org", name="Lina Learner")


@pytest.fixture
def trainer(app):
    from elearn.accounts.models import Role

    return factories.make_user(email="trainer@example.org", name="Tariq Trainer", role=Role.trainer)


@pytest.fixture
def coordinator(app):
    from elearn.accounts.models import Role

    return factories.make_user(
        email="coordinator@example.org", name="Cora Coordinator", role=Role.coordinator,
        centre="bcrc-caribbean",
    )


@pytest.fixture
def admin(app):
    from elearn.accounts.models import Role

    return factories.make_user(email="admin@example.org", name="Ada Admin", role=Role.admin)


@pytest.fixture
def as_user(app):
    """``as_user(user)`` returns a new test client logged in as ``user``."""

    def make(user):
        client = app.test_client()
        login_client(client, user)
        return client

    return make


@pytest.fixture
def learner_client(as_user, learner):
    return as_user(learner)


@pytest.fixture
def trainer_client(as_user, trainer):
    return as_user(trainer)


@pytest.fixture
def coordinator_client(as_user, coordinator):
    return as_user(coordinator)


@pytest.fixture
def admin_client(as_user, admin):
    return as_user(admin)


@pytest.fixture
def csrf_enabled(app):
    """CSRF protection switched on, as in every real configuration."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.count``."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            yield counter
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)

    return counting


def form_with_csrf(client, url: str) -> str:
    """Fetch ``url`` and return the CSRF token in its form."""
    import re

    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


@pytest.fixture
def csrf_token():
    return form_with_csrf
