"""Principals tests act as, and the policy agent services built outside a container ask."""

from __future__ import annotations

import atexit
import shutil
import tempfile
from functools import cache

from craftology.controlplane.db import connect
from craftology.identity.principal import Principal, Role
from craftology.policy.agent import PolicyAgent
from craftology.policy.center import PolicyCenter
from craftology.policy.grants import GrantStore


def member(tenant: str, role: str = Role.OWNER) -> Principal:
    """A signed-in member of `tenant` with `role` (owner by default) and every scope."""
    return Principal(tenant=tenant, user_id=f"{role}-of-{tenant}", roles=frozenset({role}))


def as_owner(tenant: str) -> Principal:
    return member(tenant, Role.OWNER)


@cache
def default_policy() -> PolicyAgent:
    """The real PBAC agent with the default policies, on a control plane of its own made once per
    test process (the policies decide on the principal and resource alone, so it serves every
    test's tenants)."""
    directory = tempfile.mkdtemp(prefix="craftology-policy-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    engine = connect(f"sqlite:///{directory}/control.db")
    return PolicyAgent(PolicyCenter(engine), GrantStore(engine))
