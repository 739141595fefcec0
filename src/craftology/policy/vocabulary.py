"""The Cedar schema and the default global policies (files beside this module), and the names the
rest of Craftology uses for them."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import cedarpy

from craftology.identity.principal import Role, Scope

NAMESPACE = "Craftology"
GLOBAL_SCOPE = "*"  # the scope name of the global set; every other scope is a tenant id
MAX_POLICY_BYTES = 65_536

# Resource types the schema declares; Resource.type must be one of these.
RESOURCE_TYPES = frozenset({
    "Tenant", "Project", "Card", "Shot", "Asset", "Target", "Run", "Member", "Token", "PolicySet", "Model",
})  # fmt: skip
# Types a B2B grant may name: those the schema lets sit inside a Grant.
GRANTABLE_TYPES = frozenset({"Tenant", "Project", "Card", "Shot", "Asset", "Target", "Run"})
# Types that may sit inside a Project, so a grant on the project reaches them.
IN_PROJECT_TYPES = frozenset({"Card", "Shot", "Asset", "Target", "Run"})

# Built-in roles from most to least powerful: a model's `min_role` admits that role and those above.
ROLE_ORDER = (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER)

# Action groups, one per token scope.
ACTION_GROUPS: dict[Scope, tuple[str, ...]] = {
    Scope.READ: (
        "read_project", "read_card", "read_shot", "read_asset", "read_run", "plan_run", "read_model",
    ),
    Scope.WRITE: (
        "create_project", "update_project", "delete_project",
        "create_card", "update_card", "delete_card",
        "create_shot", "update_shot", "delete_shot",
        "create_asset", "update_asset", "delete_asset",
        "cancel_run", "accept_target", "pin_target", "seed_target",
    ),
    Scope.GENERATE: ("start_run", "generate_target", "use_model"),
    Scope.ADMIN: (
        "manage_members", "manage_tokens", "manage_policies", "manage_models", "transfer_ownership",
        "manage_providers",
    ),
}  # fmt: skip
ACTIONS = frozenset(action for group in ACTION_GROUPS.values() for action in group)


def _text(name: str) -> str:
    return files(__package__).joinpath(name).read_text(encoding="utf-8")


@cache
def schema_text() -> str:
    return _text("schema.cedarschema")


@cache
def default_policies() -> str:
    """The built-in global set: what is in force until an operator stores another one."""
    return _text("defaults.cedar")


@cache
def schema() -> cedarpy.Schema:
    """The parsed schema, shared by validation and every decision."""
    return cedarpy.Schema.from_str(schema_text())


def entity_type(name: str) -> str:
    return f"{NAMESPACE}::{name}"
