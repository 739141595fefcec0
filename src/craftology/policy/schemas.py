"""Policy sets and decisions as JSON: bodies of /v1/policies and `craftology policies ... --json`."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from craftology.identity.principal import ALL_SCOPES, Principal, Scope, Via
from craftology.policy.center import MAX_NOTE, PolicyVersion
from craftology.policy.vocabulary import MAX_POLICY_BYTES
from craftology.ports.policy import Decision, Resource

NAME = r"^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,199}$"


class VersionOut(BaseModel):
    version: int = Field(description="0 is the built-in set (the defaults globally, empty for a tenant)")
    active: bool
    note: str
    created_by: str
    created_at: datetime | None

    @classmethod
    def of(cls, version: PolicyVersion) -> VersionOut:
        return cls(
            version=version.version,
            active=version.active,
            note=version.note,
            created_by=version.created_by,
            created_at=version.created_at,
        )


class SetOut(BaseModel):
    scope: str = Field(description='"global" or the tenant id')
    active_version: int
    text: str = Field(description="The active version's Cedar policies")
    versions: list[VersionOut] = Field(description="Every version, oldest first")


class PoliciesOut(BaseModel):
    global_set: SetOut = Field(description="The global set, in force for every tenant")
    tenant_set: SetOut = Field(description="The tenant's own set, in force beside the global one")


class PoliciesIn(BaseModel):
    text: str = Field(max_length=MAX_POLICY_BYTES, description="Cedar policies, each with an `@id`")
    note: str = Field(default="", max_length=MAX_NOTE, description="Why it changed")


class RollbackIn(BaseModel):
    version: int = Field(
        ge=0, le=2**31 - 1, description="The earlier version whose text becomes a new active version"
    )


class PrincipalIn(BaseModel):
    """Who would ask (always of the calling tenant)."""

    user_id: str = Field(default="someone", pattern=NAME)
    roles: list[str] = Field(default_factory=list, max_length=20)
    scopes: list[Scope] = Field(default_factory=lambda: sorted(ALL_SCOPES))
    via: Via = Via.SESSION

    def principal(self, tenant: str) -> Principal:
        return Principal(tenant, self.user_id, frozenset(self.roles), frozenset(self.scopes), self.via)


class ResourceIn(BaseModel):
    type: str = Field(pattern=r"^[A-Za-z]{1,32}$", description="e.g. Project, Card, Model")
    id: str = Field(pattern=NAME)
    tenant: str | None = Field(
        default=None, description='Its tenant: the caller\'s when absent, "" if shared'
    )
    owner: str = ""
    attributes: dict[str, str] = Field(default_factory=dict, max_length=20)

    def resource(self, tenant: str) -> Resource:
        owning = tenant if self.tenant is None else self.tenant
        return Resource(self.type, self.id, owning, self.owner, dict(self.attributes))


class QueryIn(BaseModel):
    """Would this principal of the calling tenant be allowed this action on this resource?"""

    principal: PrincipalIn = Field(default_factory=PrincipalIn)
    action: str = Field(pattern=r"^[a-z_]{1,64}$", description="e.g. update_project")
    resource: ResourceIn
    text: str | None = Field(
        default=None,
        max_length=MAX_POLICY_BYTES,
        description="A candidate tenant set to try in place of the active one",
    )


class DecisionOut(BaseModel):
    allowed: bool
    policy_ids: list[str] = Field(description="The @ids of the deciding policies; none: nothing permits it")
    policy_version: str = Field(description="The versions decided with, e.g. `global@0+acme@3`")
    errors: list[str]

    @classmethod
    def of(cls, decision: Decision) -> DecisionOut:
        return cls(
            allowed=decision.allowed,
            policy_ids=list(decision.policy_ids),
            policy_version=decision.policy_version,
            errors=list(decision.errors),
        )
