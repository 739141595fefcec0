"""The calling tenant's keys for third-party model providers (the Gen AI service) over HTTP.

Keys go in and never come out: answers show a masked hint. Who may manage them is the policy's decision
(`manage_providers`, owners and admins by default), taken by the gateway before these run."""

# No `from __future__ import annotations`: FastAPI must resolve `Caller`, a name local to the builder.
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from craftology.api.deps import Caller
from craftology.api.preconditions import etag, required_revision
from craftology.api.problems import BODY_PROBLEMS, WRITE_PROBLEMS, problem_responses
from craftology.genai.keys.schemas import PROVIDER_PATTERN, ProviderKeyIn, ProviderKeyList, ProviderKeyOut
from craftology.genai.keys.service import ProviderKeys

TAG = "providers"
# Operations under these tags name the caller's own settings in their path (a provider's name, not a
# record id): tenant-isolation checks read them as acting on the caller's tenant only.
OWN_SETTINGS_TAGS = frozenset({TAG})

Provider = Annotated[
    str, Path(pattern=PROVIDER_PATTERN, description="The provider's name, e.g. `openai`, or one of yours.")
]


def build_providers_router(keys: ProviderKeys) -> APIRouter:
    """The routes mounted under /v1 with the caller's tenant."""
    router = APIRouter(prefix="/providers", tags=[TAG])

    @router.get("", response_model=ProviderKeyList)
    def list_providers(who: Caller) -> ProviderKeyList:
        """The tenant's provider keys: provider, base URL, model and the key masked."""
        return ProviderKeyList(items=[ProviderKeyOut.of(key) for key in keys.list(who.tenant)])

    @router.put(
        "/{provider}", response_model=ProviderKeyOut, responses={**BODY_PROBLEMS, **problem_responses(422)}
    )
    def set_provider(
        provider: Provider, body: ProviderKeyIn, who: Caller, response: Response
    ) -> ProviderKeyOut:
        """Store the tenant's key for a provider of the OpenAI Chat Completions API (replacing any
        earlier one), encrypted at rest; the ETag is its revision. 422 for a missing or malformed base
        URL."""
        stored = keys.set(who.tenant, provider, body, by=who.user_id)
        response.headers["ETag"] = etag(stored.revision)
        return ProviderKeyOut.of(stored)

    @router.delete("/{provider}", status_code=204, response_class=Response, responses=WRITE_PROBLEMS)
    def remove_provider(
        provider: Provider, who: Caller, revision: Annotated[int | None, Depends(required_revision)]
    ) -> Response:
        """Delete the tenant's key for a provider. Requires If-Match (its `revision` as ETag, or `*`):
        412 when it changed since; 404 when none is stored."""
        keys.remove(who.tenant, provider, revision)
        return Response(status_code=204)

    return router
