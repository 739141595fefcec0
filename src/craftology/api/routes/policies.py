"""The calling tenant's Cedar policies over HTTP: read them, try a request against them, change them.
A change is recorded as the caller's."""

from __future__ import annotations

from fastapi import APIRouter

from craftology.api.deps import Caller
from craftology.api.problems import BODY_PROBLEMS, problem_responses
from craftology.policy.center import PolicyCenter
from craftology.policy.schemas import (
    DecisionOut,
    PoliciesIn,
    PoliciesOut,
    QueryIn,
    RollbackIn,
    SetOut,
    VersionOut,
)
from craftology.policy.vocabulary import GLOBAL_SCOPE

_WRITE_PROBLEMS = {**BODY_PROBLEMS, **problem_responses(422)}
_ROLLBACK_PROBLEMS = {**_WRITE_PROBLEMS, **problem_responses(404)}


def _set_out(center: PolicyCenter, scope: str) -> SetOut:
    versions = center.versions(scope)
    active = next(version for version in versions if version.active)
    name = "global" if scope == GLOBAL_SCOPE else scope
    return SetOut(
        scope=name,
        active_version=active.version,
        text=active.text,
        versions=[VersionOut.of(version) for version in versions],
    )


def build_policies_router(center: PolicyCenter) -> APIRouter:
    """The tenant's own policy set. Who may read, test and change it is itself a policy decision
    (`manage_policies`, owners and admins by default), taken by the gateway before these run."""
    router = APIRouter(prefix="/policies", tags=["policies"])

    @router.get("", response_model=PoliciesOut)
    def get_policies(who: Caller) -> PoliciesOut:
        """The global set and the tenant's own set: active text and every version."""
        return PoliciesOut(global_set=_set_out(center, GLOBAL_SCOPE), tenant_set=_set_out(center, who.tenant))

    @router.put("", response_model=VersionOut, responses=_WRITE_PROBLEMS)
    def set_policies(who: Caller, body: PoliciesIn) -> VersionOut:
        """Store the tenant's set as a new active version. It is validated against the Cedar schema
        first: an invalid set answers 422 with the validator's messages in `errors`, and nothing is
        stored."""
        return VersionOut.of(center.set(who.tenant, body.text, actor=who.user_id, note=body.note))

    @router.post("/test", response_model=DecisionOut, responses=_WRITE_PROBLEMS)
    def test_policies(who: Caller, body: QueryIn) -> DecisionOut:
        """Would this principal of the tenant be allowed this action on this resource, and by which
        policies? With `text`, the answer uses that candidate set in place of the tenant's active one."""
        principal = body.principal.principal(who.tenant)
        resource = body.resource.resource(who.tenant)
        return DecisionOut.of(center.explain(principal, body.action, resource, candidate=body.text))

    @router.post(
        "/rollback", response_model=VersionOut, responses={**_WRITE_PROBLEMS, **problem_responses(404)}
    )
    def rollback_policies(who: Caller, body: RollbackIn) -> VersionOut:
        """Make an earlier version's text the tenant's new active version."""
        return VersionOut.of(center.rollback(who.tenant, body.version, actor=who.user_id))

    return router
