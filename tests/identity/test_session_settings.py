from __future__ import annotations

import pytest
from pydantic import ValidationError

from craftology.config import Settings


def test_sessions_default_to_the_embedded_store_with_secure_cookies() -> None:
    settings = Settings()
    assert settings.sessions.backend == "embedded"
    assert settings.sessions.cookie_secure is True
    assert settings.sessions.idle_timeout_seconds < settings.sessions.absolute_timeout_seconds


def test_redis_backend_and_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRAFTOLOGY_SESSIONS__BACKEND", "redis")
    monkeypatch.setenv("CRAFTOLOGY_REDIS__URL", "redis://:hunter2@cache:6379/2")
    monkeypatch.setenv("CRAFTOLOGY_SESSIONS__COOKIE_SECURE", "false")
    settings = Settings()
    assert settings.sessions.backend == "redis"
    assert settings.redis.url.get_secret_value() == "redis://:hunter2@cache:6379/2"
    assert "hunter2" not in repr(settings)
    assert settings.sessions.cookie_secure is False


@pytest.mark.parametrize(
    ("name", "value"),
    [("CRAFTOLOGY_SESSIONS__BACKEND", "memcached"), ("CRAFTOLOGY_SESSIONS__IDLE_TIMEOUT_SECONDS", "0")],
)
def test_bad_session_settings_are_refused(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()
