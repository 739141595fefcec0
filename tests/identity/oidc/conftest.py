"""OIDC tests run against the session's real Keycloak, launched as soon as collection ends."""

from __future__ import annotations

import pytest

from tests.keycloak_server import keycloak, start_early, stop_if_started  # noqa: F401


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("keycloak" in getattr(item, "fixturenames", ()) for item in session.items):
        start_early()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_if_started()
