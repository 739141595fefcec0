"""Security headers on every response, and CORS for front ends served from other origins."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from craftology.identity.cookies import CSRF_HEADER

# The API serves JSON and media, never pages to frame or scripts to run; the interactive docs page is
# the one exception (it loads its viewer), so it gets no Content-Security-Policy.
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_CSP = "default-src 'none'; frame-ancestors 'none'"
_DOCS = ("/docs",)
_HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers.setdefault(name, value)
                if not scope["path"].startswith(_DOCS):
                    headers.setdefault("Content-Security-Policy", _CSP)
                if scope.get("scheme") == "https":
                    headers.setdefault("Strict-Transport-Security", _HSTS)
            await send(message)

        await self.app(scope, receive, with_headers)


def cors_options(origins: tuple[str, ...]) -> dict[str, Any]:
    """CORSMiddleware options: browsers on `origins` may call the API with credentials (cookies)."""
    return {
        "allow_origins": list(origins),
        "allow_credentials": True,
        "allow_methods": ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        "allow_headers": ["Authorization", "Content-Type", "If-Match", "Range", CSRF_HEADER],
        "expose_headers": ["ETag", "Location", "Retry-After", "Content-Range"],
        "max_age": 600,
    }
