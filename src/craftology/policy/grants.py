"""B2B grants: one tenant lets the members of another read one of its resources until a date.

Grants are data, not policy: the default policies decide what a grant allows (read, while it
lasts); this store only finds the grant that names a resource, for the agent to put in the request.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Engine, insert, or_, select, update

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import policy_grants, tenants
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, NotFound
from craftology.policy.evaluate import GrantRef
from craftology.policy.vocabulary import GRANTABLE_TYPES, IN_PROJECT_TYPES
from craftology.ports.policy import Resource


class GrantStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def grant(
        self, grantor: str, grantee: str, resource_type: str, resource_id: str, expires_at: datetime
    ) -> str:
        """Let `grantee`'s members read `grantor`'s resource until `expires_at`; returns the grant id."""
        if resource_type not in GRANTABLE_TYPES:
            raise BadInput(f"a grant names one of: {', '.join(sorted(GRANTABLE_TYPES))}")
        if grantor == grantee:
            raise BadInput("a tenant needs no grant for its own resources")
        if expires_at.tzinfo is None:
            raise BadInput("a grant's expiry needs a time zone")
        grant_id = uuid.uuid4().hex
        with write_transaction(self._engine) as conn:
            known = set(
                conn.execute(select(tenants.c.id).where(tenants.c.id.in_((grantor, grantee)))).scalars()
            )
            if missing := {grantor, grantee} - known:
                raise NotFound(f"no tenant {sorted(missing)[0]}")
            conn.execute(
                insert(policy_grants).values(
                    id=grant_id, grantor=grantor, grantee=grantee, resource_type=resource_type,
                    resource_id=resource_id, expires_at=expires_at, created_at=utc_now(),
                )
            )  # fmt: skip
        return grant_id

    def revoke(self, grantor: str, grant_id: str) -> None:
        """End a grant at once; NotFound unless `grantor` made it."""
        with write_transaction(self._engine) as conn:
            ended = conn.execute(
                update(policy_grants)
                .where(policy_grants.c.id == grant_id, policy_grants.c.grantor == grantor)
                .values(revoked_at=utc_now())
            )
        if ended.rowcount == 0:
            raise NotFound(f"no grant {grant_id}")

    def find(self, grantee: str, resource: Resource) -> GrantRef | None:
        """The unrevoked grant (expired or not: the policies judge that) that lets `grantee` reach
        `resource`, naming it or the project that holds it; the one lasting longest when several do."""
        names = [
            (policy_grants.c.resource_type == resource.type) & (policy_grants.c.resource_id == resource.id)
        ]
        project = resource.attributes.get("project", "")
        if project and resource.type in IN_PROJECT_TYPES:
            names.append(
                (policy_grants.c.resource_type == "Project") & (policy_grants.c.resource_id == project)
            )
        query = (
            select(policy_grants)
            .where(
                policy_grants.c.grantee == grantee,
                policy_grants.c.grantor == resource.tenant,
                policy_grants.c.revoked_at.is_(None),
                or_(*names),
            )
            .order_by(policy_grants.c.expires_at.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return GrantRef(
            row.id,
            row.grantor,
            row.grantee,
            row.resource_type,
            row.resource_id,
            int(row.expires_at.timestamp()),
        )
