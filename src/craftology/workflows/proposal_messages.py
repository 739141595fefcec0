"""Inputs of the LLM proposal workflow and its activity: plain dataclasses for Temporal's default
converter. The request travels whole (brief and documents' text, capped by the LLM engine), because
nothing is stored before the model's proposal validates; the answer is only the stored proposal's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from craftology.identity.principal import Principal, Scope, Via

PROPOSE_WITH_LLM_ACTIVITY = "propose_with_llm"
PROPOSE_WORKFLOW = "ProposeWithLlm"


@dataclass
class Actor:
    """The user a proposal is made for: the activity acts as this principal, never as the platform."""

    tenant: str
    user_id: str
    roles: list[str]
    scopes: list[str]
    via: str
    credential_id: str = ""

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(
            tenant=principal.tenant,
            user_id=principal.user_id,
            roles=sorted(principal.roles),
            scopes=sorted(scope.value for scope in principal.scopes),
            via=principal.via.value,
            credential_id=principal.credential_id,
        )

    def principal(self) -> Principal:
        return Principal(
            tenant=self.tenant,
            user_id=self.user_id,
            roles=frozenset(self.roles),
            scopes=frozenset(Scope(scope) for scope in self.scopes),
            via=Via(self.via),
            credential_id=self.credential_id,
        )


@dataclass
class ProposeInput:
    """One proposal to make: stored under `proposal_id` (chosen by the caller, so a retried activity or
    a re-submitted workflow stores it once)."""

    proposal_id: str
    actor: Actor
    provider: str
    brief: str
    documents: list[dict[str, Any]] = field(default_factory=list)  # SourceDocument as JSON
    shot_count: int | None = None
    activity_timeout_seconds: float = 900.0
