"""The calling tenant's Cedar policies over HTTP: read them, try a request against them, change them.

Changing a set needs the operator token for now (`X-Admin-Token`, as the model registry does); the
gateway's principal and the `manage_policies` action replace it when they are wired in.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Security
from fastapi.security import APIKeyHeader
from pydantic import SecretStr

from craftology.api.deps import Tenant
from craftology.api.problems import BODY_PROBLEMS, problem_responses
from craftology.api.routes.models import ADMIN_HEADER
from craftology.errors import Forbidden
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

OPERATOR = "operator"  # who a change is recorded as, until requests carry a principal
_admin_header = APIKeyHeader(
    name=ADMIN_HEADER,
    scheme_name="AdminToken",
    auto_error=False,
    description="The operator token (setting `api.admin_token`), sent with a tenant's bearer token",
)
_WRITE_PROBLEMS = {**BODY_PROBLEMS, **problem_responses(422)}


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


def build_policies_router(center: PolicyCenter, admin_token: SecretStr | None) -> APIRouter:
    router = APIRouter(prefix="/policies", tags=["policies"])
    expected = admin_token.get_secret_value().encode() if admin_token is not None else b""

    def require_operator(token: Annotated[str | None, Security(_admin_header)]) -> None:
        if not expected:
            raise Forbidden("policy changes over the API are disabled: no admin token is configured")
        if token is None or not hmac.compare_digest(token.encode(), expected):
            raise Forbidden(f"send the operator token as `{ADMIN_HEADER}`")

    operator = [Depends(require_operator)]

    @router.get("", response_model=PoliciesOut)
    def get_policies(tenant: Tenant) -> PoliciesOut:
        """The global set and the tenant's own set: active text and every version."""
        return PoliciesOut(global_set=_set_out(center, GLOBAL_SCOPE), tenant_set=_set_out(center, tenant))

    @router.put("", response_model=VersionOut, dependencies=operator, responses=_WRITE_PROBLEMS)
    def set_policies(tenant: Tenant, body: PoliciesIn) -> VersionOut:
        """Store the tenant's set as a new active version (operator only; send `X-Admin-Token`). It is
        validated against the Cedar schema first: an invalid set answers 422 with the validator's
        messages in `errors`, and nothing is stored."""
        return VersionOut.of(center.set(tenant, body.text, actor=OPERATOR, note=body.note))

    @router.post("/test", response_model=DecisionOut, responses=_WRITE_PROBLEMS)
    def test_policies(tenant: Tenant, body: QueryIn) -> DecisionOut:
        """Would this principal of the tenant be allowed this action on this resource, and by which
        policies? With `text`, the answer uses that candidate set in place of the tenant's active one."""
        principal = body.principal.principal(tenant)
        resource = body.resource.resource(tenant)
        return DecisionOut.of(center.explain(principal, body.action, resource, candidate=body.text))

    @router.post(
        "/rollback",
        response_model=VersionOut,
        dependencies=operator,
        responses={**_WRITE_PROBLEMS, **problem_responses(404)},
    )
    def rollback_policies(tenant: Tenant, body: RollbackIn) -> VersionOut:
        """Make an earlier version's text the tenant's new active version (operator only)."""
        return VersionOut.of(center.rollback(tenant, body.version, actor=OPERATOR))

    return router
