"""OIDC tests run against the session's real Keycloak, launched as soon as collection ends."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from craftology.config import OidcSettings
from craftology.controlplane.db import connect
from craftology.identity.oidc import OidcRelyingParty
from tests.keycloak_server import (  # keycloak_fixture provides the `keycloak` fixture
    KeycloakServer,
    keycloak_fixture,  # noqa: F401
    start_early,
    stop_if_started,
)

CLIENT_ID = "craftology-web"
CLIENT_SECRET = "craftology-web-secret"  # the test realm's, see realm-craftology.json
REDIRECT_URI = "http://localhost:8080/auth/callback"
POST_LOGOUT_URI = "http://localhost:8080/signed-out"


def pytest_collection_finish(session: pytest.Session) -> None:
    if any("keycloak" in getattr(item, "fixturenames", ()) for item in session.items):
        start_early()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    stop_if_started()


class MovableClock:
    """Wall-clock time plus an offset the test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@pytest.fixture
def control_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(f"sqlite:///{tmp_path / 'control.db'}")
    yield engine
    engine.dispose()


def oidc_settings(issuer: str, **overrides: Any) -> OidcSettings:
    fields: dict[str, Any] = {
        "issuer_url": issuer,
        "client_id": CLIENT_ID,
        "client_secret": SecretStr(CLIENT_SECRET),
        "redirect_uri": REDIRECT_URI,
        "post_logout_redirect_uri": POST_LOGOUT_URI,
        **overrides,
    }
    return OidcSettings(**fields)


MakeRp = Callable[..., OidcRelyingParty]


@pytest.fixture
def make_rp(keycloak: KeycloakServer, control_engine: Engine) -> Iterator[MakeRp]:
    """Build relying parties for the test Keycloak (or another `issuer`), closed after the test."""
    made: list[OidcRelyingParty] = []

    def make(
        issuer: str | None = None, *, clock: Callable[[], float] = time.time, **kwargs: Any
    ) -> OidcRelyingParty:
        end_sessions = kwargs.pop("end_sessions", None)
        rp = OidcRelyingParty(
            oidc_settings(issuer or keycloak.issuer, **kwargs),
            control_engine,
            end_sessions=end_sessions,
            clock=clock,
        )
        made.append(rp)
        return rp

    yield make
    for rp in made:
        rp.close()
