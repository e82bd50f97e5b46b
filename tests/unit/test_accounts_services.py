import pytest

from elearn.accounts import services
from elearn.config import load_settings, normalise_database_url
from elearn.urls import is_safe_next


def test_password_rules():
    assert services.password_problem("short") is not None
    assert services.password_problem("aaaaaaaaaaaaaaa") is not None
    assert services.password_problem("amina.diallo-2026!", email="amina.diallo@example.org") is not None
    assert services.password_problem("long enough passphrase") is None


def test_hash_and_check(app, learner):
    assert services.check_password(learner, "correct horse battery")
    assert not services.check_password(learner, "correct horse batterY")


def test_authenticate_is_case_insensitive_on_email(app, learner):
    assert services.authenticate("LEARNER@EXAMPLE.ORG", "correct horse battery") == learner
    assert services.authenticate("learner@example.org", "nope nope nope") is None
    assert services.authenticate("ghost@example.org", "whatever it is") is None


@pytest.mark.parametrize("target,safe", [
    ("/courses", True), ("/a?b=c", True), ("//evil", False), ("http://evil", False),
    ("/\\evil", False), ("", False), (None, False), ("javascript:x", False),
])
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe


def test_production_refuses_to_start_without_secret_key(tmp_path, monkeypatch):
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_settings(str(tmp_path), {"ENV": "production"})


def test_development_secret_key_is_generated_once(tmp_path, monkeypatch):
    monkeypatch.delenv("ELEARN_SECRET_KEY", raising=False)
    first = load_settings(str(tmp_path))["SECRET_KEY"]
    second = load_settings(str(tmp_path))["SECRET_KEY"]
    assert first == second and len(first) > 40
    assert (tmp_path / "secret_key").exists()


def test_settings_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_SMTP_PORT", "2525")
    monkeypatch.setenv("ELEARN_SMTP_STARTTLS", "true")
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@h/db")
    settings = load_settings(str(tmp_path), {"SECRET_KEY": "x"})
    assert settings["SMTP_PORT"] == 2525 and settings["SMTP_STARTTLS"] is True
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"
    assert settings["SESSION_COOKIE_SECURE"] is False
    assert load_settings(str(tmp_path), {"SECRET_KEY": "x", "ENV": "production"})["SESSION_COOKIE_SECURE"]


def test_normalise_database_url():
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"


def test_rate_limits_are_environment_settings(tmp_path, monkeypatch):
    monkeypatch.setenv("ELEARN_API_RATE_LIMIT", "5 per minute")
    monkeypatch.setenv("ELEARN_CERTIFICATE_LOOKUP_LIMIT", "3 per hour")
    settings = load_settings(str(tmp_path), {"SECRET_KEY": "x"})
    assert settings["API_RATE_LIMIT"] == "5 per minute"
    assert settings["CERTIFICATE_LOOKUP_LIMIT"] == "3 per hour"


def test_production_hashes_use_the_rfc_9106_parameters(app):
    """The test suite hashes cheaply; every other environment keeps argon2id's full cost."""
    from argon2 import extract_parameters, profiles

    assert extract_parameters(services.hash_password("long enough passphrase")).memory_cost == 8
    app.config["ENV"] = "production"
    try:
        stored = services.hash_password("long enough passphrase")
    finally:
        app.config["ENV"] = "testing"
    assert extract_parameters(stored) == profiles.RFC_9106_LOW_MEMORY
    assert services.PRODUCTION_HASHER.verify(stored, "long enough passphrase")
