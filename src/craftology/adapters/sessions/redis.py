"""Sessions in Redis (distributed mode): a hash per session with a TTL, plus index sets per user and
per OIDC session for bulk revocation.

The TTL is min(idle, absolute remaining) and is renewed by each touch, so Redis drops dead sessions
by itself; `get` still checks the deadlines itself (the TTL is housekeeping, the check is the rule).
Every change runs as one Lua script (see `_redis_scripts`), so a touch racing a revocation cannot
bring the session back.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from craftology.adapters._redis import redis_client, translate_redis_errors
from craftology.adapters.sessions import _redis_scripts as scripts
from craftology.adapters.sessions._lifecycle import due_for_touch, is_live, open_session, touched
from craftology.clock import Clock, utc_clock
from craftology.errors import StorageError
from craftology.identity.principal import Scope, Via
from craftology.ports.sessions import (
    NewSession,
    Session,
    SessionPolicy,
    is_well_formed,
    session_key,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DEFAULT_PREFIX = "craftology:"


class RedisSessionStore:
    def __init__(
        self,
        url: str,
        policy: SessionPolicy | None = None,
        clock: Clock = utc_clock,
        key_prefix: str = DEFAULT_PREFIX,
    ) -> None:
        self._client = redis_client(url)
        self._policy = policy or SessionPolicy()
        self._clock = clock
        self._prefix = key_prefix
        self._create = self._client.register_script(scripts.CREATE)
        self._touch = self._client.register_script(scripts.TOUCH)
        self._revoke = self._client.register_script(scripts.REVOKE)
        self._revoke_all = self._client.register_script(scripts.REVOKE_ALL)

    def create(self, new: NewSession) -> Session:
        now = self._clock()
        session = open_session(new, self._policy, now)
        keys = [self._session_key(session.key), self._user_set(session.tenant, session.user_id)]
        if session.oidc_sid is not None:
            keys.append(self._sid_set(session.oidc_sid))
        fields = {
            "tenant": session.tenant,
            "user_id": session.user_id,
            "roles": json.dumps(sorted(session.roles)),
            "scopes": json.dumps(sorted(session.scopes)),
            "via": session.via.value,
            "created_at": _micros(session.created_at),
            "last_seen": _micros(session.last_seen),
            "ends_at": _micros(session.expires_at),
            "idle_us": _micros_of(session.idle_timeout),
            "absolute_us": _micros_of(session.absolute_timeout),
            "oidc_sid": session.oidc_sid or "",
            "oidc_sub": session.oidc_sub or "",
            "id_token": session.id_token or "",
            "user_set": keys[1],
            "sid_set": keys[2] if len(keys) > 2 else "",
        }
        args = [_ttl_ms(session.expires_at - now), session.key, *(x for kv in fields.items() for x in kv)]
        with translate_redis_errors("create session", self._client):
            created = self._create(keys=keys, args=args)
        if created != 1:  # 2**-256: a broken random source, not bad luck
            raise StorageError("create session: a new session id collided with an existing one")
        return session

    def get(self, session_id: str) -> Session | None:
        if not is_well_formed(session_id):
            return None
        key = self._session_key(session_key(session_id))
        with translate_redis_errors("read session", self._client):
            fields: dict[str, str] = self._client.hgetall(key)  # type: ignore[assignment]
        if not fields:
            return None
        session = _session(session_id, fields)
        now = self._clock()
        if not is_live(session, now):
            return None
        if not due_for_touch(session, now, self._policy):
            return session
        session = touched(session, now)
        index_sets = [s for s in (fields["user_set"], fields["sid_set"]) if s]
        args = [_micros(now), _micros(session.expires_at), _ttl_ms(session.expires_at - now)]
        with translate_redis_errors("touch session", self._client):
            self._touch(keys=[key, *index_sets], args=args)
        return session

    def revoke(self, session_id: str) -> bool:
        if not is_well_formed(session_id):
            return False
        member = session_key(session_id)
        with translate_redis_errors("revoke session", self._client):
            ended = self._revoke(keys=[self._session_key(member)], args=[member, _micros(self._clock())])
        return bool(ended)

    def revoke_user(self, tenant: str, user_id: str) -> int:
        return self._revoke_index("revoke user sessions", self._user_set(tenant, user_id), "sid_set")

    def revoke_by_oidc_sid(self, sid: str) -> int:
        return self._revoke_index("revoke sessions of an OIDC session", self._sid_set(sid), "user_set")

    def revoke_tenant(self, tenant: str) -> int:
        # Rare (a tenant is deleted), so its users' index sets are found by a SCAN rather than kept
        # in one more index every sign-in would have to update.
        pattern = _glob_escape(self._user_set(tenant, "")) + "*"
        ended = 0
        with translate_redis_errors("revoke tenant sessions", self._client):
            user_sets = list(self._client.scan_iter(match=pattern, count=1000))
        for user_set in user_sets:
            ended += self._revoke_index("revoke tenant sessions", user_set, "sid_set")
        return ended

    def close(self) -> None:
        self._client.close()

    def _revoke_index(self, what: str, index_set: str, other_index: str) -> int:
        args: list[str | int] = [self._session_key(""), _micros(self._clock()), other_index]
        with translate_redis_errors(what, self._client):
            return int(self._revoke_all(keys=[index_set], args=args))

    def _session_key(self, member: str) -> str:
        return f"{self._prefix}session:{member}"

    def _user_set(self, tenant: str, user_id: str) -> str:
        # Length-prefixed so no tenant/user pair can spell another pair's key.
        return f"{self._prefix}session-user:{len(tenant)}:{tenant}:{user_id}"

    def _sid_set(self, sid: str) -> str:
        return f"{self._prefix}session-sid:{sid}"


def _glob_escape(text: str) -> str:
    """`text` matched literally by a Redis glob pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def _micros(moment: datetime) -> int:
    return _micros_of(moment - EPOCH)


def _micros_of(span: timedelta) -> int:
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


def _from_micros(value: str) -> datetime:
    return EPOCH + timedelta(microseconds=int(value))


def _ttl_ms(remaining: timedelta) -> int:
    return max(1, -(-_micros_of(remaining) // 1000))  # rounded up: Redis must not drop it early


def _session(session_id: str, fields: dict[str, str]) -> Session:
    return Session(
        id=session_id,
        tenant=fields["tenant"],
        user_id=fields["user_id"],
        roles=frozenset(json.loads(fields["roles"])),
        scopes=frozenset(Scope(s) for s in json.loads(fields["scopes"])),
        via=Via(fields["via"]),
        created_at=_from_micros(fields["created_at"]),
        last_seen=_from_micros(fields["last_seen"]),
        idle_timeout=timedelta(microseconds=int(fields["idle_us"])),
        absolute_timeout=timedelta(microseconds=int(fields["absolute_us"])),
        oidc_sid=fields["oidc_sid"] or None,
        oidc_sub=fields["oidc_sub"] or None,
        id_token=fields["id_token"] or None,
    )
