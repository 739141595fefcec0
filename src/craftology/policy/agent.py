"""The PBAC agent: the PolicyPort every service asks, deciding locally with Cedar.

It holds the compiled global + tenant policies of the center's active versions and re-reads them
only when a set's revision changed. The revision check is one primary-key query, made before a
decision once `check_interval_s` has passed since the last one for that tenant (0, the default:
before every decision, so a change made by any process is in force at once everywhere).

Decisions are cached by (policy versions, principal, action, resource), bounded in size. A request
on another tenant's resource looks up a B2B grant and is never cached: grants come and go, and
their expiry depends on the time.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import cedarpy

from craftology.errors import BadInput, Forbidden, NotFound
from craftology.events.catalogue import new_event
from craftology.identity.principal import Principal
from craftology.policy.center import PolicyCenter, SetState, version_label
from craftology.policy.evaluate import GrantRef, compile_sets, decide
from craftology.policy.grants import GrantStore
from craftology.policy.vocabulary import GLOBAL_SCOPE
from craftology.ports.events import Event
from craftology.ports.policy import Decision, Resource

AUDIT_EVENT = "policy.decision"
AUDIT_SOURCE = "craftology/policy"
AuditPublisher = Callable[[Event], None]


@dataclass
class AgentStats:
    """What the agent did, for tests and benchmarks."""

    decisions: int = 0
    cache_hits: int = 0
    cedar_calls: int = 0
    version_checks: int = 0
    policy_loads: int = 0


@dataclass(frozen=True)
class _Compiled:
    global_state: SetState
    tenant_state: SetState
    label: str
    policies: cedarpy.PolicySet | None  # None: the sets do not fit together; every request is denied
    error: str = ""


class PolicyAgent:
    def __init__(
        self,
        center: PolicyCenter,
        grants: GrantStore,
        *,
        publish: AuditPublisher | None = None,
        allow_sample_rate: float = 0.01,
        cache_size: int = 10_000,
        check_interval_s: float = 0.0,
        clock: Callable[[], float] = time.time,
        sample: Callable[[], float] = random.random,
    ) -> None:
        self._center = center
        self._grants = grants
        self._publish = publish
        self._allow_sample_rate = allow_sample_rate
        self._cache_size = cache_size
        self._check_interval_s = check_interval_s
        self._clock = clock
        self._sample = sample
        self._lock = threading.Lock()
        self._compiled: dict[str, _Compiled] = {}
        self._checked_at: dict[str, float] = {}
        self._texts: dict[tuple[str, int], str] = {}  # versions never change: keep what was read
        self._cache: OrderedDict[Hashable, Decision] = OrderedDict()
        self.stats = AgentStats()

    def decide(self, principal: Principal, action: str, resource: Resource) -> Decision:
        """The decision; never raises for a deny. Denies and sampled allows are audited."""
        decision, _grant = self._decide(principal, action, resource)
        return decision

    def authorize(self, principal: Principal, action: str, resource: Resource) -> Decision:
        """The decision when allowed. Denied: NotFound when the resource is another tenant's and no
        live grant lets the principal's tenant see it (its existence is not revealed), else Forbidden."""
        decision, grant = self._decide(principal, action, resource)
        if decision.allowed:
            return decision
        if _foreign(principal, resource) and (grant is None or grant.expires_at <= self._clock()):
            raise NotFound(f"{resource.type.lower()} {resource.id} not found")
        raise Forbidden(
            f"{action} on {resource.type.lower()} {resource.id} is not allowed",
            policy_ids=list(decision.policy_ids),
        )

    def _decide(
        self, principal: Principal, action: str, resource: Resource
    ) -> tuple[Decision, GrantRef | None]:
        compiled = self._current(principal.tenant)
        self.stats.decisions += 1
        if compiled.policies is None:
            decision = Decision(False, (), compiled.label, (compiled.error,))
            self._audit(principal, action, resource, decision)
            return decision, None
        if _foreign(principal, resource):
            grant = self._grants.find(principal.tenant, resource)
            decision = self._evaluate(compiled, principal, action, resource, grant)
            self._audit(principal, action, resource, decision)
            return decision, grant
        key = (compiled.label, _principal_key(principal), action, _resource_key(resource))
        with self._lock:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                self.stats.cache_hits += 1
        if cached is None:
            cached = self._evaluate(compiled, principal, action, resource, None)
            with self._lock:
                self._cache[key] = cached
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        self._audit(principal, action, resource, cached)
        return cached, None

    def _evaluate(
        self,
        compiled: _Compiled,
        principal: Principal,
        action: str,
        resource: Resource,
        grant: GrantRef | None,
    ) -> Decision:
        assert compiled.policies is not None
        self.stats.cedar_calls += 1
        return decide(
            compiled.policies, compiled.label, principal, action, resource, grant, int(self._clock())
        )

    def _current(self, tenant: str) -> _Compiled:
        """The compiled sets for `tenant`, re-read when the center says a revision changed."""
        now = time.monotonic()
        with self._lock:
            compiled = self._compiled.get(tenant)
            checked_at = self._checked_at.get(tenant)
        if compiled is not None and checked_at is not None and now - checked_at < self._check_interval_s:
            return compiled
        global_state, tenant_state = self._center.states(tenant)
        self.stats.version_checks += 1
        if compiled is None or (compiled.global_state, compiled.tenant_state) != (global_state, tenant_state):
            compiled = self._compile(tenant, global_state, tenant_state)
        with self._lock:
            self._compiled[tenant] = compiled
            self._checked_at[tenant] = now
        return compiled

    def _compile(self, tenant: str, global_state: SetState, tenant_state: SetState) -> _Compiled:
        self.stats.policy_loads += 1
        label = version_label(tenant, global_state.active_version, tenant_state.active_version)
        global_text = self._text(GLOBAL_SCOPE, global_state.active_version)
        tenant_text = self._text(tenant, tenant_state.active_version)
        try:
            policies = compile_sets(global_text, tenant_text)
        except (BadInput, ValueError) as error:  # an @id in both sets, or text Cedar rejects: fail closed
            detail = error.detail if isinstance(error, BadInput) else str(error)
            return _Compiled(global_state, tenant_state, label, None, f"policies do not compile: {detail}")
        return _Compiled(global_state, tenant_state, label, policies)

    def _text(self, scope: str, version: int) -> str:
        key = (scope, version)
        if key not in self._texts:
            self._texts[key] = self._center.text(scope, version)
        return self._texts[key]

    def _audit(self, principal: Principal, action: str, resource: Resource, decision: Decision) -> None:
        if self._publish is None:
            return
        if decision.allowed and self._sample() >= self._allow_sample_rate:
            return
        subject = f"{resource.type}/{resource.id}"
        data: dict[str, object] = {
            "decision_id": uuid.uuid4().hex,
            "allowed": decision.allowed,
            "user_id": principal.user_id,
            "via": str(principal.via),
            "action": action,
            "resource": subject,
            "policy_ids": list(decision.policy_ids),
            "policy_version": decision.policy_version,
        }
        self._publish(new_event(AUDIT_EVENT, AUDIT_SOURCE, principal.tenant, subject, data))


def _foreign(principal: Principal, resource: Resource) -> bool:
    """Another tenant's resource (shared resources, such as models, have no tenant)."""
    return bool(resource.tenant) and resource.tenant != principal.tenant


def _principal_key(principal: Principal) -> Hashable:
    return (principal.tenant, principal.user_id, principal.roles, principal.scopes, principal.via)


def _resource_key(resource: Resource) -> Hashable:
    return (
        resource.type,
        resource.id,
        resource.tenant,
        resource.owner,
        tuple(sorted(resource.attributes.items())),
    )
