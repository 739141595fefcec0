"""A tenant's members, invitations and API tokens, and a member's password, over HTTP.

The gateway has asked the policy whether the caller may manage members or tokens at all; the services
check the rest with the caller's principal (only owners make owners, a token never gets more scopes
than its maker has)."""

# No `from __future__ import annotations`: FastAPI must resolve `Caller`, a name local to the builder.
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from craftology.api.deps import Caller
from craftology.api.params import ID
from craftology.api.problems import PROBLEM_JSON, Problem
from craftology.errors import Forbidden
from craftology.identity.accounts.api_tokens import ApiTokenService
from craftology.identity.accounts.schemas import (
    AcceptedOut,
    AcceptIn,
    InvitationCreated,
    InvitationIn,
    InvitationList,
    InvitationOut,
    MemberList,
    MemberOut,
    PasswordChangeIn,
    RoleIn,
    TokenCreated,
    TokenIn,
    TokenList,
    TokenOut,
)
from craftology.identity.accounts.service import AccountsService, require_admin
from craftology.identity.principal import Scope

TAG = "members"
UserId = Annotated[str, Path(pattern=f"^{ID}$", description="The user's id.")]
TokenId = Annotated[str, Path(pattern=f"^{ID}$", description="The token's id.")]


def _problems(descriptions: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    return {
        code: {"model": Problem, "content": {PROBLEM_JSON: {}}, "description": description}
        for code, description in descriptions.items()
    }


_MALFORMED = {400: "The body is not valid JSON (or not valid UTF-8)"}
_ADMIN = {403: "The caller lacks the admin scope, or only an owner may make or unmake owners"}
_LAST_OWNER = {409: "The tenant would be left without an owner"}


def build_members_router(accounts: AccountsService, tokens: ApiTokenService) -> APIRouter:
    """The routes mounted under /v1 with the caller's tenant."""
    router = APIRouter(tags=[TAG])

    @router.get("/members", response_model=MemberList)
    def list_members(who: Caller) -> MemberList:
        """The tenant's members with their roles, by email."""
        return MemberList(items=[MemberOut.of(m) for m in accounts.members(who.tenant)])

    @router.put(
        "/members/{user_id}/role",
        response_model=MemberOut,
        responses=_problems({**_MALFORMED, **_ADMIN, **_LAST_OWNER}),
    )
    def set_member_role(user_id: UserId, body: RoleIn, who: Caller) -> MemberOut:
        """Give a member another role (built-in or custom). It applies to the member's tokens from their
        next request on. 409 when it would demote the tenant's last owner; 422 for an unknown role."""
        return MemberOut.of(accounts.set_role(who.tenant, user_id, body.role, by=who))

    @router.post(
        "/members/{user_id}/remove", status_code=204, response_class=Response,
        responses=_problems({**_ADMIN, **_LAST_OWNER}),
    )  # fmt: skip
    def remove_member(user_id: UserId, who: Caller) -> Response:
        """Remove a member from the tenant and revoke its tokens here (its account stays). 409 for the
        last owner."""
        accounts.remove_member(who.tenant, user_id, by=who)
        return Response(status_code=204)

    @router.put(
        "/members/{user_id}/password", status_code=204, response_class=Response,
        responses=_problems({**_MALFORMED, 403: "The old password is wrong, or this is another member"}),
    )  # fmt: skip
    def change_password(user_id: UserId, body: PasswordChangeIn, who: Caller) -> Response:
        """Change your own password; the old one is required (an account without one gets its first from
        an operator: `craftology users set-password`)."""
        accounts.member(who.tenant, user_id)  # another tenant's user: 404, as everywhere
        if user_id != who.user_id:
            raise Forbidden("you can only change your own password")
        accounts.change_password(user_id, body.old_password, body.new_password)
        return Response(status_code=204)

    @router.get("/invitations", response_model=InvitationList, responses=_problems(_ADMIN))
    def list_invitations(who: Caller) -> InvitationList:
        """The tenant's invitations, open, accepted and expired (admin scope)."""
        require_admin(who, who.tenant)
        return InvitationList(items=[InvitationOut.of(i) for i in accounts.invitations(who.tenant)])

    @router.post(
        "/invitations", status_code=201, response_model=InvitationCreated,
        responses=_problems({**_MALFORMED, **_ADMIN, 409: "The address belongs to a member already"}),
    )  # fmt: skip
    def create_invitation(body: InvitationIn, who: Caller) -> InvitationCreated:
        """Invite an address with a role (admin scope; an owner role only by an owner). The answer holds
        the invitation's token this once; the invitee accepts it at `POST /invitations/accept`."""
        made = accounts.invite(
            who.tenant, body.email, body.role, by=who, ttl=timedelta(hours=body.expires_in_hours)
        )
        return InvitationCreated.created(made)

    @router.get("/tokens", response_model=TokenList)
    def list_tokens(who: Caller) -> TokenList:
        """API tokens of the tenant (with the admin scope) or your own, revoked and expired ones included;
        never their secrets."""
        user = None if who.has_scope(Scope.ADMIN) else who.user_id
        return TokenList(items=[TokenOut.of(t) for t in tokens.list(who.tenant, user)])

    @router.post(
        "/tokens", status_code=201, response_model=TokenCreated,
        responses=_problems({**_MALFORMED, 403: "A scope the calling credential does not have"}),
    )  # fmt: skip
    def create_token(body: TokenIn, who: Caller) -> TokenCreated:
        """A new API token of yours in this tenant, with scopes you have. Its secret is in the answer this
        once. Its rights are its scopes within your role at the time of each request."""
        made = tokens.create(who.tenant, who.user_id, body.name, body.scopes, body.expires_at, by=who)
        return TokenCreated.created(made)

    @router.post(
        "/tokens/{token_id}/revoke", response_model=TokenOut,
        responses=_problems({403: "Another member's token, without the admin scope"}),
    )  # fmt: skip
    def revoke_token(token_id: TokenId, who: Caller) -> TokenOut:
        """Revoke a token (yours, or any of the tenant's with the admin scope); refused from the next
        request on. Revoking twice answers the first revocation."""
        return TokenOut.of(tokens.revoke(who.tenant, token_id, by=who))

    return router


def build_invitations_router(accounts: AccountsService) -> APIRouter:
    """Public: accepting an invitation needs no account yet (the invitation's token is the credential)."""
    router = APIRouter(tags=[TAG])

    @router.post(
        "/invitations/accept", response_model=AcceptedOut,
        responses=_problems({
            **_MALFORMED,
            403: "The invited account is disabled",
            404: "No such invitation",
            409: "The invitation was used already or has expired, or the account is a member already",
            413: "The request body is over the size limit",
            422: "The body breaks the schema, a new account's password is missing, or the role is gone",
        }),
    )  # fmt: skip
    def accept_invitation(body: AcceptIn) -> AcceptedOut:
        """Join the inviting tenant: an address without an account gets one (send a password), an existing
        account gets the membership. Each invitation works once and until it expires."""
        member = accounts.accept_invitation(body.token, body.password, body.display_name)
        return AcceptedOut(**MemberOut.of(member).model_dump(), tenant_id=member.tenant_id)

    return router
