"""The job queue and Redis settings: SQLite embedded by default, Redis when ELEARN_REDIS_URL."""

from huey import RedisHuey, SqliteHuey

from elearn.config import load_settings
from elearn.tasks import make_huey


def test_embedded_queue_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv("ELEARN_REDIS_URL", raising=False)
    monkeypatch.setenv("ELEARN_QUEUE_PATH", str(tmp_path / "queue.sqlite"))
    assert isinstance(make_huey(), SqliteHuey)
    assert (tmp_path / "queue.sqlite").exists()


def test_redis_queue_and_rate_limits_with_a_redis_url(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_REDIS_URL", "redis://127.0.0.1:1/0")
    assert isinstance(make_huey(), RedisHuey)  # connects lazily
    settings = load_settings(str(tmp_path), {"SECRET_KEY": "x"})
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:1/0"


def test_an_explicit_rate_limit_storage_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("ELEARN_REDIS_URL", "redis://127.0.0.1:1/0")
    monkeypatch.setenv("ELEARN_RATELIMIT_STORAGE_URI", "memcached://127.0.0.1:2")
    settings = load_settings(str(tmp_path), {"SECRET_KEY": "x"})
    assert settings["RATELIMIT_STORAGE_URI"] == "memcached://127.0.0.1:2"


def test_the_worker_jobs_run_in_an_app_context(app, outbox):
    from elearn.extensions import db
    from elearn.mail import send_mail
    from elearn.outbox.models import OutboxMessage, OutboxStatus
    from elearn.tasks import deliver_outbox

    send_mail("a@example.org", "S", "T")
    db.session.commit()
    assert deliver_outbox.call_local() == 1
    assert db.session.scalar(db.select(OutboxMessage.status)) is OutboxStatus.sent
