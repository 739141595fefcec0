"""Deciding one request with Cedar: pure functions, no I/O.

The center (explain, test) and the agent (every request) share these, so "would this be allowed?"
and the real answer cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import cedarpy

from craftology.errors import BadInput
from craftology.identity.principal import Principal
from craftology.policy.vocabulary import (
    ACTIONS,
    IN_PROJECT_TYPES,
    MAX_POLICY_BYTES,
    RESOURCE_TYPES,
    ROLE_ORDER,
    entity_type,
    schema,
)
from craftology.ports.policy import Decision, Resource


@dataclass(frozen=True)
class GrantRef:
    """A B2B grant as a decision sees it: the grantor's resource (or the project holding it) that the
    grantee's members may read until `expires_at` (seconds since the epoch)."""

    id: str
    grantor: str
    grantee: str
    resource_type: str
    resource_id: str
    expires_at: int


def validate(text: str) -> None:
    """BadInput, with the validator's messages, unless `text` is a valid policy set whose every policy
    has a non-empty, unique @id (decisions and audit events name policies by it)."""
    if len(text.encode()) > MAX_POLICY_BYTES:
        raise BadInput(f"a policy set is at most {MAX_POLICY_BYTES} bytes")
    result = cedarpy.validate_policies(text, schema())
    if not result.validation_passed:
        messages = [str(error) for error in result.errors]
        # `errors` in the shape every 422 problem uses, one entry per validator message.
        errors = [{"loc": "policies", "msg": message} for message in messages]
        raise BadInput(f"invalid policies: {'; '.join(messages)}", errors=errors)
    _check_ids([text])


def _check_ids(texts: list[str]) -> None:
    seen: set[str] = set()
    for text in texts:
        policies = json.loads(cedarpy.policies_to_json_str(text))
        for section in ("staticPolicies", "templates"):
            for cedar_id, policy in policies.get(section, {}).items():
                policy_id = policy.get("annotations", {}).get("id") or ""
                if not policy_id:
                    raise BadInput(f"every policy needs an @id annotation ({cedar_id} has none)")
                if policy_id in seen:
                    raise BadInput(f"policy id {policy_id!r} is used twice")
                seen.add(policy_id)


def compile_sets(global_text: str, tenant_text: str) -> cedarpy.PolicySet:
    """One parsed set of the global and a tenant's policies; BadInput if their @ids collide."""
    _check_ids([global_text, tenant_text])
    return cedarpy.PolicySet.from_str(global_text + "\n" + tenant_text)


def allowed_roles(resource: Resource) -> list[str]:
    """Who may use a model: `allowed_roles` (comma-separated) or `min_role` and the roles above it;
    empty (any member) when neither is given."""
    if listed := resource.attributes.get("allowed_roles", ""):
        return sorted({role.strip() for role in listed.split(",") if role.strip()})
    if minimum := resource.attributes.get("min_role", ""):
        names = [role.value for role in ROLE_ORDER]
        return names[: names.index(minimum) + 1] if minimum in names else [minimum]
    return []


def _uid(type_name: str, entity_id: str) -> dict[str, str]:
    return {"type": entity_type(type_name), "id": entity_id}


def _entities(principal: Principal, resource: Resource, grant: GrantRef | None) -> list[dict[str, Any]]:
    user = {
        "uid": _uid("User", principal.user_id),
        "attrs": {
            "tenant": principal.tenant,
            "roles": sorted(principal.roles),
            "scopes": sorted(str(scope) for scope in principal.scopes),
            "via": str(principal.via),
        },
        "parents": [],
    }
    attrs: dict[str, Any] = {"tenant": resource.tenant, "owner": resource.owner}
    if resource.type == "Model":
        attrs["allowed_roles"] = allowed_roles(resource)
    parents: list[dict[str, str]] = []
    target = {"uid": _uid(resource.type, resource.id), "attrs": attrs, "parents": parents}
    entities: list[dict[str, Any]] = [user, target]
    if grant is None:
        return entities
    grant_uid = _uid("Grant", grant.id)
    entities.append({
        "uid": grant_uid,
        "attrs": {"grantor": grant.grantor, "grantee": grant.grantee, "expires_at": grant.expires_at},
        "parents": [],
    })  # fmt: skip
    if (grant.resource_type, grant.resource_id) == (resource.type, resource.id):
        parents.append(grant_uid)
    elif grant.resource_type == "Project" and resource.type in IN_PROJECT_TYPES:
        project_uid = _uid("Project", grant.resource_id)
        parents.append(project_uid)
        entities.append({
            "uid": project_uid, "attrs": {"tenant": resource.tenant, "owner": ""}, "parents": [grant_uid],
        })  # fmt: skip
    return entities


def decide(
    policies: cedarpy.PolicySet,
    version: str,
    principal: Principal,
    action: str,
    resource: Resource,
    grant: GrantRef | None = None,
    now: int = 0,
) -> Decision:
    """Cedar's answer. A request the schema does not allow (unknown action or resource type, or an
    action that does not apply to that resource) is a deny with errors: fail closed, never raise."""
    if action not in ACTIONS:
        return Decision(False, (), version, (f"unknown action {action!r}",))
    if resource.type not in RESOURCE_TYPES:
        return Decision(False, (), version, (f"unknown resource type {resource.type!r}",))
    context: dict[str, Any] = {}
    if grant is not None:
        context = {"grant": _uid("Grant", grant.id), "now": now}
    request = {
        "principal": _uid("User", principal.user_id),
        "action": _uid("Action", action),
        "resource": _uid(resource.type, resource.id),
        "context": context,
    }
    result = cedarpy.is_authorized(request, policies, _entities(principal, resource, grant), schema())
    names = result.diagnostics.id_annotations_by_reason
    policy_ids = tuple(sorted(names.get(reason, reason) for reason in result.diagnostics.reasons))
    return Decision(result.allowed, policy_ids, version, tuple(result.diagnostics.errors))
