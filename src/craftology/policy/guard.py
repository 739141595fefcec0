"""What a service asks before it acts: may this principal do this to that resource?

Every service method that reads or changes a tenant's data takes the Principal asking and calls the
guard first, so the REST API, the MCP servers, agents and the CLI are all checked by the same code.
The resource's tenant is the caller's unless the method is told otherwise (a B2B grant lets one
tenant read another's project): the policy decides either way, never an assumption that the two are
equal. A resource of a tenant the principal may not know of is NotFound, not Forbidden.
"""

from __future__ import annotations

from craftology.identity.principal import Principal
from craftology.ports.policy import PolicyPort, Resource


class Guard:
    def __init__(self, policy: PolicyPort) -> None:
        self.policy = policy

    def check(
        self,
        principal: Principal,
        action: str,
        kind: str,
        resource_id: str = "",
        *,
        tenant: str | None = None,
        project: str = "",
    ) -> str:
        """Raises Forbidden or NotFound unless the policy allows `action` on the resource; returns the
        resource's tenant. `resource_id` "" names the whole collection of that kind in the tenant
        (listing, creating); `project` is the project a card, shot, target, asset or run belongs to,
        so a grant on the project reaches it."""
        owner = principal.tenant if tenant is None else tenant
        self.policy.authorize(principal, action, resource_of(kind, resource_id, owner, project, scope=owner))
        return owner


def resource_of(kind: str, resource_id: str, tenant: str, project: str = "", *, scope: str) -> Resource:
    """The policy's view of a resource: `resource_id` "" is the whole collection within `scope` (a
    tenant), and `project` the project a card, shot, target, asset or run belongs to (so a grant on
    the project reaches it). `tenant` "" is a platform-wide resource, such as a model."""
    attributes = {"project": project} if project and kind != "Project" else {}
    return Resource(type=kind, id=resource_id or f"{scope}/*", tenant=tenant, attributes=attributes)
