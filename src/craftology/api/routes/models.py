"""The model registry over HTTP: any tenant reads it; only an operator registers versions or changes
which model serves a kind (identity and scopes come later; for now one operator token from settings)."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, Security
from fastapi.security import APIKeyHeader
from pydantic import SecretStr

from craftology.api.problems import BODY_PROBLEMS, PROBLEM_JSON, Problem
from craftology.errors import Forbidden
from craftology.registry.models import ID_PATTERN, VERSION_PATTERN, ModelKind
from craftology.registry.schemas import DefaultIn, ModelIn, ModelList, ModelOut
from craftology.registry.service import ModelRegistry

ADMIN_HEADER = "X-Admin-Token"
# Operations under these tags serve data shared by every tenant (the registry holds no tenant's
# records), so tenant-isolation checks read them as such.
TAG = "models"
SHARED_TAGS = frozenset({TAG})

_admin_header = APIKeyHeader(
    name=ADMIN_HEADER,
    scheme_name="AdminToken",
    auto_error=False,
    description="The operator token (setting `api.admin_token`), sent with a tenant's bearer token",
)


def _problems(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
        for code, description in descriptions.items()
    }


_FORBIDDEN = "No valid `X-Admin-Token`, or registry writes over the API are disabled (no token configured)"
_REGISTER_PROBLEMS = {
    **BODY_PROBLEMS,
    **_problems(
        {
            403: _FORBIDDEN,
            409: "This version is registered with other content (versions never change), the id is a "
            "model of another kind, or the version equals a registered one (`1.0` and `1.00`)",
            422: "The body breaks the schema (id, version pattern, cost >= 0, params a JSON object)",
        }
    ),
}
_DEFAULT_PROBLEMS = {
    **BODY_PROBLEMS,
    **_problems(
        {
            403: _FORBIDDEN,
            404: "No version of this model is registered",
            409: "The model is of another kind",
            422: "Unknown kind, or the body breaks the schema",
        }
    ),
}


def build_models_router(registry: ModelRegistry, admin_token: SecretStr | None) -> APIRouter:
    router = APIRouter(prefix="/models", tags=[TAG])
    # Bytes, compared in constant time; an empty token counts as unset, never as "anything matches".
    expected = admin_token.get_secret_value().encode() if admin_token is not None else b""

    def require_operator(token: Annotated[str | None, Security(_admin_header)]) -> None:
        if not expected:
            raise Forbidden("registry writes over the API are disabled: no admin token is configured")
        if token is None or not hmac.compare_digest(token.encode(), expected):
            raise Forbidden(f"send the operator token as `{ADMIN_HEADER}`")

    operator = [Depends(require_operator)]

    @router.get("", response_model=ModelList)
    def list_models() -> ModelList:
        """Every registered model version with its kind, backend, template version, params and price,
        and which version generates each kind's targets now. Readable with any tenant's token."""
        return ModelList.of(registry.list(), registry.current_all())

    @router.get("/{model_id}/versions/{version}", response_model=ModelOut, name="get_model")
    def get_model(
        model_id: Annotated[str, Path(pattern=ID_PATTERN)],
        version: Annotated[str, Path(pattern=VERSION_PATTERN)],
    ) -> ModelOut:
        """One registered model version."""
        return ModelOut.of(registry.get(model_id, version), registry.current_all())

    @router.post(
        "",
        status_code=201,
        response_model=ModelOut,
        dependencies=operator,
        responses={200: {"model": ModelOut, "description": "Exactly this version was registered already"},
                   **_REGISTER_PROBLEMS},
    )  # fmt: skip
    def register_model(body: ModelIn, request: Request, response: Response) -> ModelOut:
        """Register a model version (operator only; send `X-Admin-Token`). A version never changes once
        registered, because the fingerprints of its outputs depend on it: the same content again answers
        200, other content 409. The first model of a kind serves it; a newer version of the model that
        serves a kind takes over at once, making that kind's targets STALE with a CODE cause."""
        record = body.record()
        if not registry.register(record):
            response.status_code = 200
        response.headers["Location"] = str(
            request.url_for("get_model", model_id=record.id, version=record.version)
        )
        return ModelOut.of(registry.get(record.id, record.version), registry.current_all())

    @router.put(
        "/defaults/{kind}", response_model=ModelOut, dependencies=operator, responses=_DEFAULT_PROBLEMS
    )
    def set_default_model(kind: ModelKind, body: DefaultIn) -> ModelOut:
        """Make a model serve a kind (operator only; send `X-Admin-Token`): its newest version generates
        the kind's targets from now on. Answers the version that serves the kind now."""
        record = registry.set_default(kind, body.model_id)
        return ModelOut.of(record, {kind: record})

    return router
