"""Signing in and out with a password (built-in accounts), and "who am I".

Sign-in exchanges an email and password for a server-side session: the browser gets only an opaque,
HttpOnly cookie (a new id at every sign-in), plus the CSRF token its pages send back with writes.
Attempts are throttled per account and per client address before any password is checked. Both
sign-in and sign-out refuse a request another site's page made (its Origin is not the API's own or
an allowed front end, or `Sec-Fetch-Site: cross-site`): no forced sign-in to an attacker's account,
no forced sign-out.
"""

# No `from __future__ import annotations`: FastAPI resolves the annotations of these routes.
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, Field

from craftology.api.deps import Caller, api_deps
from craftology.api.problems import BODY_PROBLEMS, problem_responses
from craftology.errors import BadInput, Conflict, TooManyRequests, Unauthenticated
from craftology.identity.accounts.service import AccountsService
from craftology.identity.cookies import CSRF_HEADER, check_origin, own_origin
from craftology.identity.principal import Role
from craftology.ports.ratelimit import RateLimiter
from craftology.ports.sessions import NewSession

LOGIN_WINDOW = timedelta(minutes=1)
_WHICH_TENANT = "Which of the account's tenants to sign in to (needed when it has several)"


class LoginIn(BaseModel):
    email: Annotated[str, Field(min_length=3, max_length=320)]
    password: Annotated[str, Field(min_length=1, max_length=1024)]
    tenant: Annotated[str | None, Field(default=None, max_length=64, description=_WHICH_TENANT)]


class SessionOut(BaseModel):
    tenant: str
    user_id: str
    roles: list[str]
    scopes: list[str]
    via: str
    csrf_token: str | None = Field(
        default=None, description=f"Send it back in `{CSRF_HEADER}` with every cookie-authenticated write"
    )
    expires_at: datetime | None = None


def _role_order(role: str) -> int:
    order = [r.value for r in Role]
    return order.index(role) if role in order else len(order)


def _refuse_cross_site(request: Request) -> None:
    """The rule check_csrf applies to cookie writes, minus the token (there is no session yet)."""
    deps = api_deps(request)
    check_origin(
        origin=request.headers.get("origin"),
        allowed_origins=(
            own_origin(request.url.scheme, request.headers.get("host", "")),
            *deps.allowed_origins,
        ),
        sec_fetch_site=request.headers.get("sec-fetch-site"),
    )


def build_auth_router(accounts: AccountsService, limiter: RateLimiter | None, attempts: int) -> APIRouter:
    """`/auth/login` and `/auth/logout` (outside /v1: they need no credentials of their own)."""
    router = APIRouter(prefix="/auth", tags=["auth"])

    def throttle(email: str, client: str) -> None:
        if limiter is None:
            return
        for key in (f"login:account:{email.strip().lower()}", f"login:client:{client}"):
            decision = limiter.hit(key, attempts, LOGIN_WINDOW)
            if not decision.allowed:
                raise TooManyRequests(
                    f"too many sign-in attempts; retry in {decision.retry_after_header} s",
                    retry_after=decision.retry_after_header,
                )

    @router.post(
        "/login",
        response_model=SessionOut,
        responses={**BODY_PROBLEMS, **problem_responses(401, 403, 409, 422, 429, 503)},
    )
    def login(body: LoginIn, request: Request, response: Response) -> SessionOut:
        """Sign in with email and password: sets the session cookie and returns the CSRF token.
        Refused (403) when another site's page sent it."""
        _refuse_cross_site(request)
        deps = api_deps(request)
        if deps.sessions is None:
            raise BadInput("sign-in with a password is not enabled on this server")
        throttle(body.email, request.client.host if request.client else "unknown")
        signed_in = accounts.sign_in(body.email, body.password)
        memberships = [m for m in signed_in.memberships if body.tenant in (None, m.tenant_id)]
        if not memberships:
            raise Unauthenticated("wrong email or password, or no membership in that tenant")
        if len(memberships) > 1:
            tenants = ", ".join(sorted(m.tenant_id for m in memberships))
            raise Conflict(f"the account belongs to several tenants ({tenants}); say which in `tenant`")
        (membership,) = memberships
        session = deps.sessions.create(
            NewSession(membership.tenant_id, signed_in.user.id, frozenset({membership.role}))
        )
        host = request.headers.get("host", "")
        response.headers["Set-Cookie"] = deps.cookies.set_cookie(session.id, host=host)
        response.headers["Cache-Control"] = "no-store"
        principal = session.principal()
        return SessionOut(
            tenant=principal.tenant, user_id=principal.user_id,
            roles=sorted(principal.roles, key=_role_order), scopes=sorted(principal.scopes),
            via=principal.via.value, csrf_token=session.csrf_token, expires_at=session.expires_at,
        )  # fmt: skip

    @router.post("/logout", status_code=204, responses=problem_responses(403, 503))
    def logout(request: Request) -> Response:
        """End this browser's session (at once, in every API process) and clear its cookie.
        Refused (403) when another site's page sent it."""
        _refuse_cross_site(request)
        deps = api_deps(request)
        session_id = deps.cookies.read(request.headers.get("cookie"))
        if deps.sessions is not None and session_id is not None:
            deps.sessions.revoke(session_id)
        return Response(status_code=204, headers={"Set-Cookie": deps.cookies.clear_cookie()})

    return router


def build_session_router() -> APIRouter:
    """`GET /v1/session`: the caller as the API sees it."""
    router = APIRouter(tags=["auth"])

    @router.get("/session", response_model=SessionOut)
    def whoami(who: Caller) -> SessionOut:
        """Who the credentials of this request belong to: tenant, user, roles and scopes."""
        return SessionOut(
            tenant=who.tenant, user_id=who.user_id, roles=sorted(who.roles, key=_role_order),
            scopes=sorted(who.scopes), via=who.via.value,
        )  # fmt: skip

    return router
