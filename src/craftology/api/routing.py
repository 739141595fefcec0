"""Which route a request goes to, and which methods its path supports, seen from outside the router
(the request gate and the 405 handler need them before or beside routing)."""

from __future__ import annotations

from fastapi.routing import RouteContext, iter_route_contexts
from starlette.routing import Match, Router
from starlette.types import Scope


def route_of(router: Router, scope: Scope) -> RouteContext | None:
    """The route the router will pick (as included, with its routers' prefixes and dependencies):
    the first full match, else the first path-only match (which answers 405), else None (404)."""
    partial: RouteContext | None = None
    for route in iter_route_contexts(router.routes):
        match, _ = route.matches(scope)
        if match == Match.FULL:
            return route
        if match == Match.PARTIAL and partial is None:
            partial = route
    return partial


def allowed_methods(router: Router, scope: Scope) -> list[str]:
    """Every method some route serves at the request's path (FastAPI makes one route per method, so
    the route that answers 405 knows only its own)."""
    methods: set[str] = set()
    for route in iter_route_contexts(router.routes):
        match, _ = route.matches(scope)
        if match != Match.NONE:
            methods |= set(route.methods or ())
    return sorted(methods)
