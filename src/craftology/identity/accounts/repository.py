"""Queries on users, memberships and custom roles. Membership and role queries are tenant-scoped."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from craftology.controlplane.schema import memberships, tenant_roles, tenants, users
from craftology.controlplane.types import utc_now
from craftology.errors import Conflict, NotFound
from craftology.identity.accounts.records import Member, Membership, User, new_id
from craftology.identity.accounts.roles import CustomRole
from craftology.identity.principal import Role, Scope


def _user(row: Row[Any]) -> User:
    return User(
        id=row.id,
        email=row.email,
        display_name=row.display_name,
        created_at=row.created_at,
        disabled=bool(row.disabled),
        has_password=row.password_hash is not None,
    )


def insert_user(conn: Connection, email: str, display_name: str, password_hash: str | None) -> User:
    """A new user; Conflict when the (normalised) email has an account already."""
    if conn.execute(select(users.c.id).where(users.c.email == email)).first() is not None:
        raise Conflict(f"an account with email {email} exists already")
    user_id = new_id("usr")
    conn.execute(
        insert(users).values(
            id=user_id, email=email, display_name=display_name, created_at=utc_now(),
            password_hash=password_hash, disabled=False,
        )
    )  # fmt: skip
    return get_user(conn, user_id)


def get_user(conn: Connection, user_id: str) -> User:
    row = conn.execute(select(users).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return _user(row)


def user_by_email(conn: Connection, email: str) -> tuple[User, str | None] | None:
    """The user with this (normalised) email and its password hash, or None."""
    row = conn.execute(select(users).where(users.c.email == email)).first()
    return None if row is None else (_user(row), row.password_hash)


def password_hash_of(conn: Connection, user_id: str) -> str | None:
    row = conn.execute(select(users.c.password_hash).where(users.c.id == user_id)).first()
    if row is None:
        raise NotFound(f"user {user_id} not found")
    return row.password_hash  # type: ignore[no-any-return]


def set_password_hash(conn: Connection, user_id: str, password_hash: str) -> None:
    if (
        conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash)).rowcount
        == 0
    ):
        raise NotFound(f"user {user_id} not found")


def set_disabled(conn: Connection, user_id: str, disabled: bool) -> None:
    if conn.execute(update(users).where(users.c.id == user_id).values(disabled=disabled)).rowcount == 0:
        raise NotFound(f"user {user_id} not found")


def list_users(conn: Connection) -> list[User]:
    return [_user(row) for row in conn.execute(select(users).order_by(users.c.email))]


def require_tenant(conn: Connection, tenant_id: str) -> None:
    if conn.execute(select(tenants.c.id).where(tenants.c.id == tenant_id)).first() is None:
        raise NotFound(f"tenant {tenant_id} not found")


def membership(conn: Connection, tenant_id: str, user_id: str) -> Membership | None:
    query = select(memberships.c.role).where(
        memberships.c.tenant_id == tenant_id, memberships.c.user_id == user_id
    )
    role = conn.execute(query).scalar_one_or_none()
    return None if role is None else Membership(tenant_id, user_id, role)


def require_membership(conn: Connection, tenant_id: str, user_id: str) -> Membership:
    found = membership(conn, tenant_id, user_id)
    if found is None:
        raise NotFound(f"user {user_id} is not a member of this tenant")
    return found


def insert_membership(conn: Connection, tenant_id: str, user_id: str, role: str) -> Membership:
    if membership(conn, tenant_id, user_id) is not None:
        raise Conflict(f"user {user_id} is a member already")
    conn.execute(insert(memberships).values(tenant_id=tenant_id, user_id=user_id, role=role))
    return Membership(tenant_id, user_id, role)


def update_role(conn: Connection, tenant_id: str, user_id: str, role: str) -> None:
    scope = (memberships.c.tenant_id == tenant_id, memberships.c.user_id == user_id)
    conn.execute(update(memberships).where(*scope).values(role=role))


def delete_membership(conn: Connection, tenant_id: str, user_id: str) -> None:
    scope = (memberships.c.tenant_id == tenant_id, memberships.c.user_id == user_id)
    conn.execute(delete(memberships).where(*scope))


def count_owners(conn: Connection, tenant_id: str) -> int:
    query = select(func.count()).where(memberships.c.tenant_id == tenant_id, memberships.c.role == Role.OWNER)
    return int(conn.execute(query).scalar_one())


def members(conn: Connection, tenant_id: str) -> list[Member]:
    query = (
        select(users, memberships.c.role)
        .join(memberships, memberships.c.user_id == users.c.id)
        .where(memberships.c.tenant_id == tenant_id)
        .order_by(users.c.email)
    )
    return [Member(tenant_id=tenant_id, user=_user(row), role=row.role) for row in conn.execute(query)]


def memberships_of(conn: Connection, user_id: str) -> list[Membership]:
    query = select(memberships).where(memberships.c.user_id == user_id).order_by(memberships.c.tenant_id)
    return [Membership(row.tenant_id, row.user_id, row.role) for row in conn.execute(query)]


def _role(row: Row[Any]) -> CustomRole:
    return CustomRole(row.tenant_id, row.name, frozenset(Scope(s) for s in row.scopes), row.created_at)


def custom_role(conn: Connection, tenant_id: str, name: str) -> CustomRole | None:
    query = select(tenant_roles).where(tenant_roles.c.tenant_id == tenant_id, tenant_roles.c.name == name)
    row = conn.execute(query).first()
    return None if row is None else _role(row)


def custom_roles(conn: Connection, tenant_id: str) -> list[CustomRole]:
    query = select(tenant_roles).where(tenant_roles.c.tenant_id == tenant_id).order_by(tenant_roles.c.name)
    return [_role(row) for row in conn.execute(query)]


def upsert_custom_role(conn: Connection, tenant_id: str, name: str, scopes: list[str]) -> CustomRole:
    if custom_role(conn, tenant_id, name) is None:
        conn.execute(
            insert(tenant_roles).values(tenant_id=tenant_id, name=name, scopes=scopes, created_at=utc_now())
        )
    else:
        scope = (tenant_roles.c.tenant_id == tenant_id, tenant_roles.c.name == name)
        conn.execute(update(tenant_roles).where(*scope).values(scopes=scopes))
    found = custom_role(conn, tenant_id, name)
    assert found is not None
    return found


def delete_custom_role(conn: Connection, tenant_id: str, name: str) -> None:
    in_use = select(memberships.c.user_id).where(
        memberships.c.tenant_id == tenant_id, memberships.c.role == name
    )
    if conn.execute(in_use).first() is not None:
        raise Conflict(f"role {name} is still held by members; give them another role first")
    scope = (tenant_roles.c.tenant_id == tenant_id, tenant_roles.c.name == name)
    if conn.execute(delete(tenant_roles).where(*scope)).rowcount == 0:
        raise NotFound(f"role {name} not found")


def lock_tenant(conn: Connection, tenant_id: str) -> None:
    """Serialise membership changes of one tenant, so two concurrent demotions cannot both see a second
    owner (PostgreSQL row lock; SQLite writers hold the database lock already)."""
    query = select(tenants.c.id).where(tenants.c.id == tenant_id).with_for_update()
    if conn.execute(query).first() is None:
        raise NotFound(f"tenant {tenant_id} not found")


def delete_user_without_memberships(conn: Connection, email: str) -> None:
    found = user_by_email(conn, email)
    if found is not None and not memberships_of(conn, found[0].id):
        conn.execute(delete(users).where(users.c.id == found[0].id))
