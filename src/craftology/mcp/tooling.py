"""The tool registry: every MCP tool declares the policy action and resource it acts on, the way
every REST route does in `craftology.api.actions`, and is asked about in one place (`authorize`)
before its body calls a service.

A tool is a plain function taking `ctx: Ctx` and its arguments; `calling(ctx)` gives it the
services and the principal. Craftology's expected failures become MCP tool errors carrying their
readable message (`Not found: no project 'x'`); anything else is a crash the SDK reports as
`Error executing tool <name>`, with no trace of the server's internals.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.exceptions import ToolError

from craftology.api.actions import RouteAction
from craftology.api.deps import GATE_PRINCIPAL
from craftology.errors import CraftologyError, Unauthenticated
from craftology.identity.principal import Principal
from craftology.mcp.services import McpServices, McpState

Ctx = Context[McpState, Any]
F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Call:
    """One tool call: what it acts through, who makes it, and where the REST API answers it."""

    services: McpServices
    principal: Principal
    base_url: str

    @property
    def tenant(self) -> str:
        return self.principal.tenant


def calling(ctx: Ctx) -> Call:
    """The services and the principal of this call: over HTTP the one the gate authenticated for this
    very request (its token), over stdio the one the process was started as."""
    state = ctx.request_context.lifespan_context
    request = ctx.request_context.request
    if request is not None:
        vouched = request.scope.get("state", {}).get(GATE_PRINCIPAL)
        if not isinstance(vouched, Principal):
            raise Unauthenticated("send `Authorization: Bearer <token>`")
        return Call(state.services, vouched, str(request.base_url).rstrip("/"))
    if state.principal is None:
        raise Unauthenticated("this MCP server was started without a principal")
    return Call(state.services, state.principal, state.services.api_base_url)


@dataclass(frozen=True)
class ToolEntry:
    name: str
    fn: Callable[..., Any]
    check: RouteAction  # the Cedar action, the resource type and the argument naming the resource


TOOLS: dict[str, ToolEntry] = {}
"""Every tool, by name. Filled by the `tool` decorator when craftology.mcp.tools is imported."""


def tool(action: str, resource: str, id_arg: str | None = None, *, shared: bool = False) -> Callable[[F], F]:
    """Register a tool that does `action` on a `resource` (named by its argument `id_arg`; None: the
    caller's tenant scope; `shared`: the platform's model registry, which belongs to no tenant)."""

    def register(fn: F) -> F:
        if "ctx" not in inspect.signature(fn).parameters:
            raise TypeError(f"tool {fn.__name__} must take `ctx: Ctx`")
        if fn.__name__ in TOOLS:
            raise ValueError(f"two tools named {fn.__name__}")
        TOOLS[fn.__name__] = ToolEntry(fn.__name__, fn, RouteAction(action, resource, id_arg, shared))
        return fn

    return register


def authorize(call: Call, check: RouteAction, arguments: Mapping[str, Any]) -> None:
    """The one policy check of every tool call (the REST gateway's, with the tool's arguments as its
    path parameters). Forbidden, or NotFound for what the principal may not know of."""
    named = {key: value for key, value in arguments.items() if isinstance(value, str)}
    call.services.policy.authorize(call.principal, check.action, check.resource_for(call.principal, named))


def readable(error: CraftologyError) -> str:
    return f"{error.title}: {error.detail}"


def policed(entry: ToolEntry) -> Callable[..., Any]:
    """The tool as served: authorized first, errors made readable. Same signature as the tool, so the
    SDK derives the same input schema from it. Once the services ask the policy themselves, `admit`
    goes (here and in craftology.mcp.board) and the services' own refusals reach the caller the same way."""
    fn = entry.fn

    def admit(arguments: dict[str, Any]) -> None:
        authorize(calling(arguments["ctx"]), entry.check, arguments)

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def run_async(**arguments: Any) -> Any:
            try:
                await anyio.to_thread.run_sync(admit, arguments)  # the policy may read its store
                return await fn(**arguments)
            except CraftologyError as error:
                raise ToolError(readable(error)) from None

        return run_async

    @functools.wraps(fn)
    def run(**arguments: Any) -> Any:  # the SDK runs it on a worker thread
        try:
            admit(arguments)
            return fn(**arguments)
        except CraftologyError as error:
            raise ToolError(readable(error)) from None

    return run
