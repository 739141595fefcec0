"""The policy port: may this principal do this action on this resource?

Services ask it (not only routes), so MCP tools and agents are checked by the same code. The
answer names the policies that decided, for audit and for "why was I denied?".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from craftology.identity.principal import Principal


@dataclass(frozen=True)
class Resource:
    """What is acted on. `tenant` is the owning tenant, which may differ from the caller's."""

    type: str  # e.g. "Project", "Card", "Shot", "Asset", "Run", "Model", "Tenant", "Policy"
    id: str
    tenant: str
    owner: str = ""  # the user who created it, when known
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    policy_ids: tuple[str, ...]  # the policies that decided (permit or forbid)
    policy_version: str
    errors: tuple[str, ...] = ()


class PolicyPort(Protocol):
    def decide(self, principal: Principal, action: str, resource: Resource) -> Decision:
        """The decision; never raises for a deny."""
        ...

    def authorize(self, principal: Principal, action: str, resource: Resource) -> Decision:
        """The decision when allowed; raises craftology.errors.Forbidden (or NotFound when the
        resource belongs to a tenant the principal may not even know of) when denied."""
        ...
