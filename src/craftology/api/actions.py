"""What each API route does, in the policy's words: the Cedar action and the resource it acts on.

The gateway asks the PBAC agent about every authenticated request with the route's entry here. A route
without an entry is refused (403), so a new route cannot slip past the policy: the coverage test
(tests/api/test_gateway.py) walks the OpenAPI document and fails for any route missing here.
"""

from __future__ import annotations

from dataclasses import dataclass

from craftology.identity.principal import Principal
from craftology.policy.guard import resource_of
from craftology.ports.policy import Resource


@dataclass(frozen=True)
class RouteAction:
    action: str
    resource: str  # the Cedar entity type acted on
    id_param: str | None = None  # the path parameter naming it; None: the caller's tenant scope
    shared: bool = False  # a platform-wide resource (the model registry): it belongs to no tenant

    def resource_for(self, principal: Principal, path_params: dict[str, str]) -> Resource:
        """The resource of one request. Paths name resources inside the caller's tenant, so that is
        the resource's tenant (a route serving another tenant's shared resource would say so)."""
        resource_id = path_params.get(self.id_param, "") if self.id_param else ""
        tenant = "" if self.shared else principal.tenant
        project = path_params.get("project_id", "")
        return resource_of(self.resource, resource_id, tenant, project, scope=principal.tenant)


def _crud(kind: str, base: str, item: str, id_param: str) -> dict[tuple[str, str], RouteAction]:
    entity = kind.title()
    return {
        ("POST", base): RouteAction(f"create_{kind}", entity, None),
        ("GET", base): RouteAction(f"read_{kind}", entity, None),
        ("GET", item): RouteAction(f"read_{kind}", entity, id_param),
        ("PATCH", item): RouteAction(f"update_{kind}", entity, id_param),
        ("DELETE", item): RouteAction(f"delete_{kind}", entity, id_param),
        ("GET", f"{item}/history"): RouteAction(f"read_{kind}", entity, id_param),
    }


_PROJECT = "/v1/projects/{project_id}"
_MODEL_VERSION = "/v1/models/{model_id}/versions/{version}"
_TARGET = f"{_PROJECT}/targets/{{target}}"

ROUTE_ACTIONS: dict[tuple[str, str], RouteAction] = {
    **_crud("project", "/v1/projects", _PROJECT, "project_id"),
    **_crud("card", f"{_PROJECT}/cards", f"{_PROJECT}/cards/{{card_id}}", "card_id"),
    **_crud("shot", f"{_PROJECT}/shots", f"{_PROJECT}/shots/{{shot_id}}", "shot_id"),
    ("POST", f"{_PROJECT}/shots/reorder"): RouteAction("update_shot", "Shot", None),
    ("POST", f"{_PROJECT}/shots/{{shot_id}}/move"): RouteAction("update_shot", "Shot", "shot_id"),
    # Sync: statuses and plans are reads; starting a run spends money (generate).
    ("GET", f"{_PROJECT}/targets"): RouteAction("read_asset", "Target", None),
    ("GET", f"{_TARGET}/status"): RouteAction("read_asset", "Target", "target"),
    ("GET", f"{_PROJECT}/plan"): RouteAction("plan_run", "Project", "project_id"),
    ("POST", f"{_PROJECT}/runs"): RouteAction("start_run", "Project", "project_id"),
    ("GET", f"{_PROJECT}/runs"): RouteAction("read_run", "Run", None),
    ("GET", "/v1/runs/{run_id}"): RouteAction("read_run", "Run", "run_id"),
    ("GET", "/v1/runs/{run_id}/targets"): RouteAction("read_run", "Run", "run_id"),
    ("POST", "/v1/runs/{run_id}/cancel"): RouteAction("cancel_run", "Run", "run_id"),
    # The data-sync agent's feed is part of the project; approving starts a run (spends money).
    ("GET", f"{_PROJECT}/activity"): RouteAction("read_project", "Project", "project_id"),
    ("POST", f"{_PROJECT}/activity/{{entry_id}}/approve"): RouteAction("start_run", "Project", "project_id"),
    ("GET", f"{_PROJECT}/assets"): RouteAction("read_asset", "Asset", None),
    ("GET", "/v1/assets/{asset_id}"): RouteAction("read_asset", "Asset", "asset_id"),
    ("GET", "/v1/assets/{asset_id}/content"): RouteAction("read_asset", "Asset", "asset_id"),
    ("POST", f"{_TARGET}/accept"): RouteAction("accept_target", "Target", "target"),
    ("POST", f"{_TARGET}/pin"): RouteAction("pin_target", "Target", "target"),
    ("PUT", f"{_TARGET}/seed"): RouteAction("seed_target", "Target", "target"),
    ("PUT", f"{_TARGET}/upload"): RouteAction("create_asset", "Asset", "target"),
    # Chatting reads the project; each tool the agent calls asks the policy about its own action.
    ("POST", f"{_PROJECT}/messages"): RouteAction("read_project", "Project", "project_id"),
    ("GET", f"{_PROJECT}/messages"): RouteAction("read_project", "Project", "project_id"),
    # A one-off image from a prompt spends (a model call); the service also asks create_asset and use_model.
    ("POST", f"{_PROJECT}/generations"): RouteAction("generate_target", "Project", "project_id"),
    # Proposals are projects in the making: drafting, editing and approving one creates a project.
    ("POST", "/v1/proposals"): RouteAction("create_project", "Project", None),
    ("GET", "/v1/proposals/{proposal_id}"): RouteAction("read_project", "Project", None),
    ("PATCH", "/v1/proposals/{proposal_id}"): RouteAction("create_project", "Project", None),
    ("POST", "/v1/proposals/{proposal_id}/approve"): RouteAction("create_project", "Project", None),
    # The model registry is the platform's, shared by every tenant.
    ("GET", "/v1/models"): RouteAction("read_model", "Model", None, shared=True),
    ("GET", _MODEL_VERSION): RouteAction("read_model", "Model", "model_id", shared=True),
    ("POST", "/v1/models"): RouteAction("manage_models", "Model", None, shared=True),
    ("PUT", "/v1/models/defaults/{kind}"): RouteAction("manage_models", "Model", "kind", shared=True),
    # The tenant's people, tokens and policies.
    ("GET", "/v1/members"): RouteAction("manage_members", "Tenant", None),
    ("PUT", "/v1/members/{user_id}/role"): RouteAction("manage_members", "Member", "user_id"),
    ("POST", "/v1/members/{user_id}/remove"): RouteAction("manage_members", "Member", "user_id"),
    ("GET", "/v1/invitations"): RouteAction("manage_members", "Tenant", None),
    ("POST", "/v1/invitations"): RouteAction("manage_members", "Tenant", None),
    ("GET", "/v1/policies"): RouteAction("manage_policies", "PolicySet", None),
    ("PUT", "/v1/policies"): RouteAction("manage_policies", "PolicySet", None),
    ("POST", "/v1/policies/test"): RouteAction("manage_policies", "PolicySet", None),
    ("POST", "/v1/policies/rollback"): RouteAction("manage_policies", "PolicySet", None),
    # The tenant's keys for model providers: the path names a provider, not a record.
    ("GET", "/v1/providers"): RouteAction("manage_providers", "Tenant", None),
    ("PUT", "/v1/providers/{provider}"): RouteAction("manage_providers", "Tenant", None),
    ("DELETE", "/v1/providers/{provider}"): RouteAction("manage_providers", "Tenant", None),
}  # fmt: skip

# Routes any signed-in principal may use on itself, whatever its role (the service checks the rest).
# API tokens: everyone lists, creates (with scopes it has; the role still limits them at each request)
# and revokes its own; the tenant's other tokens need the admin scope, which the service checks.
SELF_SERVICE: frozenset[tuple[str, str]] = frozenset({
    ("PUT", "/v1/members/{user_id}/password"),
    ("GET", "/v1/session"),
    ("GET", "/v1/tokens"),
    ("POST", "/v1/tokens"),
    ("POST", "/v1/tokens/{token_id}/revoke"),
})  # fmt: skip


def route_action(method: str, path: str) -> RouteAction | None:
    """The entry of a route (HEAD is answered like GET)."""
    return ROUTE_ACTIONS.get(("GET" if method == "HEAD" else method, path))
