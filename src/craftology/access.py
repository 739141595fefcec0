"""Access control's part of the composition root: the PBAC center and agent, B2B grants, the session
store, the rate limiter and the OIDC sign-in, built from the settings (embedded tables in the control
plane, or Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from craftology.config import Settings
from craftology.policy.agent import PolicyAgent
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore
from craftology.ports.events import EventPublisher
from craftology.ports.ratelimit import RateLimiter
from craftology.ports.sessions import SessionPolicy, SessionStore

if TYPE_CHECKING:
    from craftology.identity.oidc.wiring import OidcLogin


@dataclass
class Access:
    policies: PolicyCenter  # versioned policy sets (global and per tenant)
    grants: GrantStore  # B2B grants between tenants
    policy: PolicyAgent  # decides every request locally; the PolicyPort services and routes ask
    sessions: SessionStore
    rate_limiter: RateLimiter
    oidc: OidcLogin | None = None  # sign-in through the OIDC provider, when one is configured

    def close(self) -> None:
        if self.oidc is not None:
            self.oidc.close()
        self.sessions.close()
        self.rate_limiter.close()


def session_policy(settings: Settings) -> SessionPolicy:
    chosen = settings.sessions
    return SessionPolicy(
        idle_timeout=timedelta(seconds=chosen.idle_timeout_seconds),
        absolute_timeout=timedelta(seconds=chosen.absolute_timeout_seconds),
        touch_interval=timedelta(seconds=chosen.touch_interval_seconds),
    )


def build_access(settings: Settings, control: Engine, events: EventPublisher) -> Access:
    policies = PolicyCenter(control)
    grants = GrantStore(control)
    agent = PolicyAgent(policies, grants, publish=events.publish)
    sessions: SessionStore
    limiter: RateLimiter
    if settings.sessions.backend == "redis":
        # Imported only when chosen: an embedded deployment never loads the Redis client.
        from craftology.adapters.ratelimit.redis import RedisRateLimiter
        from craftology.adapters.sessions.redis import RedisSessionStore

        url, prefix = settings.redis.url.get_secret_value(), settings.redis.key_prefix
        sessions = RedisSessionStore(url, session_policy(settings), key_prefix=prefix)
        limiter = RedisRateLimiter(url, key_prefix=prefix)
    else:
        from craftology.adapters.ratelimit.controlplane import ControlPlaneRateLimiter
        from craftology.adapters.sessions.controlplane import ControlPlaneSessionStore

        sessions = ControlPlaneSessionStore(control, session_policy(settings))
        limiter = ControlPlaneRateLimiter(control)
    oidc = None
    if settings.oidc.issuer_url:
        # Imported only when configured: built-in accounts need no HTTP client or JWT validation.
        from craftology.identity.oidc.wiring import build_oidc_login

        oidc = build_oidc_login(settings.oidc, control, sessions)
    return Access(policies, grants, agent, sessions, limiter, oidc)
