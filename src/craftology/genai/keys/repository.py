"""Queries on provider_keys. Every one is scoped to a tenant except the operator's rotation pass."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from craftology.controlplane.schema import provider_keys, tenants
from craftology.errors import NotFound
from craftology.genai.keys.crypto import Sealed
from craftology.genai.keys.schemas import ProviderKey


@dataclass(frozen=True)
class StoredKey:
    info: ProviderKey
    sealed: Sealed


def _stored(row: Row[Any]) -> StoredKey:
    info = ProviderKey(
        tenant_id=row.tenant_id, provider=row.provider, base_url=row.base_url, model=row.model,
        key_hint=row.key_hint, key_id=row.key_id, revision=row.revision, updated_by=row.updated_by,
        updated_at=row.updated_at,
    )  # fmt: skip
    return StoredKey(info, Sealed(row.key_id, bytes(row.sealed_key)))


def _row(tenant_id: str, provider: str) -> tuple[Any, ...]:
    return (provider_keys.c.tenant_id == tenant_id, provider_keys.c.provider == provider)


def require_tenant(conn: Connection, tenant_id: str) -> None:
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
        raise NotFound(f"tenant {tenant_id} not found")


def upsert(conn: Connection, key: ProviderKey, sealed: Sealed) -> int:
    """Insert or replace; the row's new revision."""
    values = {
        "base_url": key.base_url, "model": key.model, "key_id": sealed.key_id, "sealed_key": sealed.blob,
        "key_hint": key.key_hint, "updated_by": key.updated_by, "updated_at": key.updated_at,
    }  # fmt: skip
    bumped = {**values, "revision": provider_keys.c.revision + 1}
    changed = conn.execute(update(provider_keys).where(*_row(key.tenant_id, key.provider)).values(**bumped))
    if changed.rowcount == 0:
        conn.execute(
            insert(provider_keys).values(tenant_id=key.tenant_id, provider=key.provider, revision=1, **values)
        )
        return 1
    query = select(provider_keys.c.revision).where(*_row(key.tenant_id, key.provider))
    return int(conn.execute(query).scalar_one())


def get(conn: Connection, tenant_id: str, provider: str) -> StoredKey | None:
    row = conn.execute(select(provider_keys).where(*_row(tenant_id, provider))).first()
    return None if row is None else _stored(row)


def list_keys(conn: Connection, tenant_id: str | None) -> list[StoredKey]:
    query = select(provider_keys).order_by(provider_keys.c.tenant_id, provider_keys.c.provider)
    if tenant_id is not None:
        query = query.where(provider_keys.c.tenant_id == tenant_id)
    return [_stored(row) for row in conn.execute(query)]


def remove(conn: Connection, tenant_id: str, provider: str, revision: int | None) -> bool:
    """Delete the row (at `revision` unless None); whether it was deleted."""
    where = _row(tenant_id, provider)
    if revision is not None:
        where = (*where, provider_keys.c.revision == revision)
    return conn.execute(delete(provider_keys).where(*where)).rowcount > 0


def reseal(conn: Connection, stored: StoredKey, sealed: Sealed) -> bool:
    """Replace one sealed key, only if it is still the one read (a concurrent `set` wins)."""
    info = stored.info
    still = (provider_keys.c.key_id == stored.sealed.key_id, provider_keys.c.updated_at == info.updated_at)
    values = {"key_id": sealed.key_id, "sealed_key": sealed.blob}
    done = conn.execute(
        update(provider_keys).where(*_row(info.tenant_id, info.provider), *still).values(**values)
    )
    return done.rowcount > 0
