"""Signing in through the OIDC provider (Keycloak): login, callback, logout and back-channel logout.

The browser never sees a provider token: the callback exchanges the code for a validated identity and
opens a server-side session (a new id) behind the same opaque cookie as a password sign-in. A login is
bound to the browser that started it by a short-lived HttpOnly, SameSite=Lax cookie holding its
`state`: a callback whose state is not the one in the cookie is refused, so nobody can finish, in a
victim's browser, a login they started with their own account (login CSRF). Mounted only when
`CRAFTOLOGY_OIDC__ISSUER_URL` is set.
"""

# No `from __future__ import annotations`: FastAPI resolves the annotations of these routes.
import hmac
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from craftology.api.deps import ApiDeps, api_deps
from craftology.api.problems import PROBLEM_JSON, Problem, problem_response, problem_responses
from craftology.errors import BadInput, CraftologyError, Unauthenticated
from craftology.identity.cookies import CookiePolicy
from craftology.identity.oidc.return_to import MAX_LENGTH as MAX_RETURN_TO
from craftology.identity.oidc.wiring import OidcLogin
from craftology.ports.sessions import NewSession, SessionStore

STATE_COOKIE = "craftology_oidc_state"
MAX_LOGOUT_TOKEN = 16_384
_NO_STORE = {"Cache-Control": "no-store"}


class LogoutOut(BaseModel):
    signed_out: bool = Field(description="Whether this browser had a session, now ended")
    logout_url: str | None = Field(
        description="Send the browser here to end the session at the identity provider too; null "
        "when the provider cannot be reached right now (the session here is ended regardless)"
    )


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}


def _redirect(description: str, code: int = 302) -> dict[int | str, dict[str, Any]]:
    location = {"description": "Where the browser goes next", "schema": {"type": "string"}}
    return {code: {"description": description, "headers": {"Location": location}}}


def _state_cookies(deps: ApiDeps) -> CookiePolicy:
    return CookiePolicy(secure=deps.cookies.secure, base_name=STATE_COOKIE)


def _sessions(deps: ApiDeps) -> SessionStore:
    if deps.sessions is None:
        raise BadInput("sign-in is not enabled on this server (it has no session store)")
    return deps.sessions


def build_oidc_router(login: OidcLogin, issuer: str, login_ttl_seconds: int) -> APIRouter:
    """`/auth/oidc/login`, `/auth/callback`, `/auth/oidc/logout` and `/auth/backchannel-logout`."""
    router = APIRouter(prefix="/auth", tags=["auth"])
    rp, users = login.relying_party, login.users

    @router.get(
        "/oidc/login",
        status_code=302,
        response_class=RedirectResponse,
        responses={
            **_redirect("To the identity provider's sign-in page"),
            **problem_responses(503),
            422: _problem("`return_to` is not a path on this site"),
        },
    )
    def oidc_login(
        request: Request,
        return_to: Annotated[
            str | None,
            Query(max_length=MAX_RETURN_TO, description="Path on this site to return to after sign-in"),
        ] = None,
    ) -> Response:
        """Sign in at the identity provider: redirects there; it sends the browser back to /auth/callback."""
        deps = api_deps(request)
        _sessions(deps)
        started = rp.begin_login(return_to)
        bind = _state_cookies(deps).set_cookie(
            started.state,
            host=request.headers.get("host", ""),
            max_age=timedelta(seconds=login_ttl_seconds),
        )
        return RedirectResponse(
            started.authorize_url, status_code=302, headers={**_NO_STORE, "Set-Cookie": bind}
        )

    @router.get(
        "/callback",
        status_code=302,
        response_class=RedirectResponse,
        responses={
            **_redirect("Signed in: to the `return_to` of the login, with the session cookie set"),
            401: _problem("The login is unknown, replayed, expired or was started in another browser, "
                          "or the provider refused it or sent an invalid token"),
            403: _problem("The account maps to no tenant or role in Craftology, or to a tenant that "
                          "does not exist here"),
            409: _problem("The new role would leave the tenant without an owner"),
            422: _problem("`code` or `state` is missing"),
            503: _problem("The identity provider or the session store is unreachable"),
        },
    )  # fmt: skip
    def oidc_callback(
        request: Request,
        code: Annotated[str | None, Query(max_length=4096, description="Authorization code")] = None,
        state: Annotated[str | None, Query(max_length=512, description="The login's state")] = None,
        iss: Annotated[str | None, Query(max_length=1024, description="Issuer (RFC 9207)")] = None,
        error: Annotated[str | None, Query(max_length=256, description="The provider's refusal")] = None,
        error_description: Annotated[str | None, Query(max_length=1024)] = None,
    ) -> Response:
        """Where the identity provider sends the browser back: opens the session and redirects onwards."""
        deps = api_deps(request)
        sessions = _sessions(deps)
        if error is not None:
            reason = f"{error}: {error_description}" if error_description else error
            raise Unauthenticated(
                f"the identity provider did not sign you in ({reason}); start the login again"
            )
        if not code or not state:
            raise BadInput("the login callback needs both `code` and `state`")
        if iss is not None and iss != issuer:
            # RFC 9207: a response naming another issuer was meant for another provider (mix-up attack).
            raise Unauthenticated(f"this login answer comes from issuer {iss!r}, not {issuer!r}")
        cookie_header = request.headers.get("cookie")
        bound = _state_cookies(deps).read(cookie_header)
        if bound is None or not hmac.compare_digest(bound.encode(), state.encode()):
            raise Unauthenticated(
                "this login was not started in this browser, or took too long; start the login again"
            )
        completed = rp.complete_login(code=code, state=state)
        identity = completed.identity
        signed_in = users.sign_in(identity)
        previous = deps.cookies.read(cookie_header)
        if previous is not None:
            sessions.revoke(previous)  # whatever session this browser had is replaced, not kept beside
        session = sessions.create(
            NewSession(
                signed_in.tenant,
                signed_in.user.id,
                frozenset({signed_in.role}),
                oidc_sid=identity.sid,
                oidc_sub=identity.subject,
                id_token=identity.id_token,
            )
        )
        response = RedirectResponse(completed.return_to, status_code=302, headers=_NO_STORE)
        host = request.headers.get("host", "")
        response.headers.append("Set-Cookie", deps.cookies.set_cookie(session.id, host=host))
        response.headers.append("Set-Cookie", _state_cookies(deps).clear_cookie())
        return response

    @router.post(
        "/oidc/logout",
        response_model=LogoutOut,
        responses={
            **_redirect("Signed out here: to the provider's logout page (for `Accept: text/html`)", 303),
            **problem_responses(503),
        },
    )
    def oidc_logout(request: Request) -> Response:
        """End this browser's session at once (in every API process) and clear its cookie; the answer
        says where to send the browser to sign out at the identity provider too (a browser form asking
        for HTML is redirected there)."""
        deps = api_deps(request)
        sessions = _sessions(deps)
        session_id = deps.cookies.read(request.headers.get("cookie"))
        session = sessions.get(session_id) if session_id is not None else None
        if session_id is not None:
            sessions.revoke(session_id)
        try:
            logout_url: str | None = rp.logout_url(id_token=session.id_token if session else None)
        except CraftologyError:
            logout_url = None  # the provider is down or has no logout endpoint; our part is done
        headers = {**_NO_STORE, "Set-Cookie": deps.cookies.clear_cookie()}
        if logout_url is not None and "text/html" in request.headers.get("accept", ""):
            return RedirectResponse(logout_url, status_code=303, headers=headers)
        body = LogoutOut(signed_out=session is not None, logout_url=logout_url)
        return Response(body.model_dump_json(), media_type="application/json", headers=headers)

    @router.post(
        "/backchannel-logout",
        response_class=Response,
        responses={
            200: {"description": "The sessions the logout token names are ended"},
            400: _problem("The logout token is missing or invalid, or the logout failed (the "
                          "`error` field carries the OAuth error code)"),
        },
    )  # fmt: skip
    def backchannel_logout(
        request: Request,
        logout_token: Annotated[
            str | None,
            Form(
                description="The provider's signed logout token",
                json_schema_extra={"maxLength": MAX_LOGOUT_TOKEN},
            ),
        ] = None,
    ) -> Response:
        """OpenID Connect Back-Channel Logout: the provider ends the sessions opened from one of its
        sessions (`sid`) or of one person (`sub`). 200 when done, 400 otherwise, as the spec asks."""
        try:
            if not logout_token or len(logout_token) > MAX_LOGOUT_TOKEN:
                raise BadInput("the form field `logout_token` is missing or too long")
            rp.backchannel_logout(logout_token)
        except CraftologyError as refused:
            # The spec's answer to an invalid token or a failed logout is 400, with an OAuth error.
            oauth_error = "invalid_request" if refused.status_code < 500 else "temporarily_unavailable"
            return problem_response(
                request,
                400,
                "/problems/invalid-logout-token" if refused.status_code < 500 else refused.problem_type,
                "Back-channel logout refused",
                refused.detail,
                extra={"error": oauth_error, "error_description": refused.detail},
                headers=_NO_STORE,
            )
        return Response(status_code=200, headers=_NO_STORE)

    return router
