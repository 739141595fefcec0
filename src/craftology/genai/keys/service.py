"""Tenants' provider keys: set, list (masked), remove, rotate under a new master key, and the one way a
decrypted key leaves the store: into the endpoint a Gen AI client calls.

The keyring is resolved on first use, not at start-up: a deployment that stores no provider key needs
no master key.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from craftology.clock import Clock, utc_clock
from craftology.errors import NotFound, PreconditionFailed, ProviderNotConfigured
from craftology.genai.chat.openai_compat import ChatEndpoint
from craftology.genai.keys import repository
from craftology.genai.keys.crypto import Keyring, SealError
from craftology.genai.keys.repository import StoredKey
from craftology.genai.keys.schemas import ProviderKey, ProviderKeyIn, mask


def _context(tenant_id: str, provider: str) -> bytes:
    """What a sealed key is bound to: its row."""
    return f"craftology/provider-key\x00{tenant_id}\x00{provider}".encode()


class ProviderKeys:
    def __init__(self, control: Engine, keyring: Callable[[], Keyring], clock: Clock = utc_clock) -> None:
        self._control = control
        self._keyring = cache(keyring)
        self._clock = clock

    def set(self, tenant_id: str, provider: str, given: ProviderKeyIn, by: str) -> ProviderKey:
        """Store (or replace) the tenant's key for `provider`."""
        key = ProviderKey(
            tenant_id=tenant_id, provider=provider, base_url=given.resolved_base_url(provider),
            model=given.model, key_hint=mask(given.api_key.get_secret_value()),
            key_id="", revision=0, updated_by=by, updated_at=self._clock(),
        )  # fmt: skip
        sealed = self._keyring().seal(given.api_key.get_secret_value(), _context(tenant_id, provider))
        for attempt in (1, 2):  # a concurrent first `set` of the same provider makes our insert collide
            try:
                with self._control.begin() as conn:
                    repository.require_tenant(conn, tenant_id)
                    revision = repository.upsert(conn, key, sealed)
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        return ProviderKey(**{**key.__dict__, "key_id": sealed.key_id, "revision": revision})

    def list(self, tenant_id: str | None) -> list[ProviderKey]:
        """A tenant's keys, masked; every tenant's for None (the operator)."""
        with self._control.connect() as conn:
            return [stored.info for stored in repository.list_keys(conn, tenant_id)]

    def get(self, tenant_id: str, provider: str) -> ProviderKey:
        return self._stored(tenant_id, provider).info

    def remove(self, tenant_id: str, provider: str, revision: int | None = None) -> None:
        """Delete the key; with `revision`, only if it is still that one (PreconditionFailed if not)."""
        with self._control.begin() as conn:
            if repository.remove(conn, tenant_id, provider, revision):
                return
            if repository.get(conn, tenant_id, provider) is None:
                raise NotFound(f"no {provider} key stored for tenant {tenant_id}")
        raise PreconditionFailed(f"the {provider} key changed since revision {revision}")

    def endpoint(self, tenant_id: str, provider: str) -> ChatEndpoint:
        """Where and with which key to call `provider` for the tenant: for the Gen AI client only."""
        stored = self._stored(tenant_id, provider)
        return ChatEndpoint(provider, stored.info.base_url, stored.info.model, SecretStr(self._open(stored)))

    def rotate(self) -> int:
        """Reseal every key not sealed by the current master key under it; the number resealed. Keys
        whose master key is unknown stop the pass with a SealError naming them."""
        keyring = self._keyring()
        with self._control.connect() as conn:
            stale = [s for s in repository.list_keys(conn, None) if s.sealed.key_id != keyring.current_id]
        resealed = 0
        for stored in stale:
            info = stored.info
            sealed = keyring.seal(self._open(stored), _context(info.tenant_id, info.provider))
            with self._control.begin() as conn:
                resealed += repository.reseal(conn, stored, sealed)
        return resealed

    def _stored(self, tenant_id: str, provider: str) -> StoredKey:
        with self._control.connect() as conn:
            stored = repository.get(conn, tenant_id, provider)
        if stored is None:
            raise ProviderNotConfigured(
                f"tenant {tenant_id} has no {provider} key: set one with `PUT /v1/providers/{provider}` "
                f"or `craftology providers set`"
            )
        return stored

    def _open(self, stored: StoredKey) -> str:
        info = stored.info
        try:
            return self._keyring().open(stored.sealed, _context(info.tenant_id, info.provider))
        except SealError as error:
            raise SealError(f"the {info.provider} key of tenant {info.tenant_id} is {error.detail}") from None
