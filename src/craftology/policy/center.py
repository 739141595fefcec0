"""The PBAC center: versioned Cedar policy sets in the control plane, one global and one per tenant.

Every change stores a new immutable version, validated against the schema first (an invalid set
stores nothing). A set's `revision` grows with every change of its active version: agents in every
process compare it, with one primary-key read, to what they compiled.

With nothing stored, the global set is the built-in defaults (version 0) and a tenant's set is
empty (version 0).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from craftology.controlplane.db import write_transaction
from craftology.controlplane.driver import DriverStatement, driver_cursor
from craftology.controlplane.schema import policy_sets, policy_versions, tenants
from craftology.controlplane.types import utc_now
from craftology.errors import BadInput, Conflict, NotFound
from craftology.identity.principal import Principal
from craftology.policy.evaluate import GrantRef, compile_sets, decide, validate
from craftology.policy.grants import GrantStore
from craftology.policy.vocabulary import GLOBAL_SCOPE, default_policies
from craftology.ports.policy import Decision, Resource

T = TypeVar("T")
# Built once: agents run it before decisions, and building the statement costs more than running it.
_STATES = select(policy_sets.c.scope, policy_sets.c.active_version, policy_sets.c.revision).where(
    policy_sets.c.scope.in_((GLOBAL_SCOPE, bindparam("tenant")))
)
_WRITE_ATTEMPTS = 3  # two processes adding a version to one set at once: the loser retries
MAX_NOTE = 500


@dataclass(frozen=True)
class SetState:
    """Which version of a set is active, and how often that changed (0, 0: nothing stored)."""

    scope: str
    active_version: int
    revision: int


@dataclass(frozen=True)
class PolicyVersion:
    scope: str
    version: int
    text: str
    note: str
    created_by: str
    created_at: datetime | None  # None for the built-in version 0
    active: bool


def _builtin(scope: str) -> str:
    return default_policies() if scope == GLOBAL_SCOPE else ""


def version_label(tenant: str, global_version: int, tenant_version: int | str) -> str:
    """How a decision names the policies it was made with, e.g. ``global@3+acme@1``."""
    return f"global@{global_version}+{tenant}@{tenant_version}"


class PolicyCenter:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self._engine = engine
        self._clock = clock
        self._states = DriverStatement(_STATES, engine.dialect)

    # Reading

    def states(self, tenant: str) -> tuple[SetState, SetState]:
        """The global set's and `tenant`'s state, in one indexed query (what agents poll before
        every decision: run on the driver's cursor, see craftology.controlplane.driver)."""
        with driver_cursor(self._engine, "read policy revisions") as cursor:
            rows = self._states.run(cursor, {"tenant": tenant})
        found = {scope: SetState(scope, active, revision) for scope, active, revision in rows}
        return found.get(GLOBAL_SCOPE, SetState(GLOBAL_SCOPE, 0, 0)), found.get(
            tenant, SetState(tenant, 0, 0)
        )

    def text(self, scope: str, version: int) -> str:
        """The text of one version of a set (version 0: the built-in one)."""
        return self.show(scope, version).text

    def show(self, scope: str, version: int | None = None) -> PolicyVersion:
        """One version of a set; the active one when `version` is None. NotFound for unknown versions."""
        with self._engine.connect() as conn:
            active = self._active_version(conn, scope)
            wanted = active if version is None else version
            if wanted == 0:
                return PolicyVersion(scope, 0, _builtin(scope), "built in", "", None, active == 0)
            row = conn.execute(
                select(policy_versions).where(
                    policy_versions.c.scope == scope, policy_versions.c.version == wanted
                )
            ).first()
        if row is None:
            raise NotFound(f"policy set {_name(scope)} has no version {wanted}")
        return _version(row._mapping, active)

    def versions(self, scope: str) -> list[PolicyVersion]:
        """Every version of a set, oldest first, starting with the built-in version 0."""
        with self._engine.connect() as conn:
            active = self._active_version(conn, scope)
            rows = conn.execute(
                select(policy_versions)
                .where(policy_versions.c.scope == scope)
                .order_by(policy_versions.c.version)
            ).all()
        builtin = PolicyVersion(scope, 0, _builtin(scope), "built in", "", None, active == 0)
        return [builtin, *(_version(row._mapping, active) for row in rows)]

    # Changing

    def set(
        self, scope: str, text: str, *, actor: str, note: str = "", activate: bool = True
    ) -> PolicyVersion:
        """Store `text` as the set's next version (and make it active unless `activate` is false).
        BadInput with the validator's messages when it is invalid, alone or beside the global set;
        nothing is stored then."""
        self._check_scope(scope)
        if len(note) > MAX_NOTE:
            raise BadInput(f"a note is at most {MAX_NOTE} characters")
        validate(text)
        self._check_with_other_set(scope, text)

        def store(conn: Connection) -> PolicyVersion:
            state = self._lock_state(conn, scope)
            last = conn.execute(
                select(policy_versions.c.version)
                .where(policy_versions.c.scope == scope)
                .order_by(policy_versions.c.version.desc())
                .limit(1)
            ).scalar()
            version = (last or 0) + 1
            now = utc_now()
            conn.execute(
                insert(policy_versions).values(
                    scope=scope, version=version, text=text, note=note, created_by=actor, created_at=now
                )
            )
            if activate:
                self._make_active(conn, scope, state, version)
            return PolicyVersion(scope, version, text, note, actor, now, activate)

        return self._write(store)

    def activate(self, scope: str, version: int) -> SetState:
        """Make a stored version (or the built-in 0) the active one; NotFound for unknown versions."""
        self._check_scope(scope)
        text = self.text(scope, version)
        self._check_with_other_set(scope, text)

        def switch(conn: Connection) -> SetState:
            return self._make_active(conn, scope, self._lock_state(conn, scope), version)

        return self._write(switch)

    def rollback(self, scope: str, version: int, *, actor: str) -> PolicyVersion:
        """Go back to an earlier version: its text becomes a new, active version, so the history
        keeps what happened in order."""
        earlier = self.show(scope, version)
        return self.set(scope, earlier.text, actor=actor, note=f"rollback to version {version}")

    # Asking

    def explain(
        self,
        principal: Principal,
        action: str,
        resource: Resource,
        *,
        candidate: str | None = None,
        grant: GrantRef | None = None,
    ) -> Decision:
        """Would this be allowed, and by which policies? Answered from the active sets, or with
        `candidate` in place of the principal's tenant set (validated first) to try a change. For
        another tenant's resource the grant that names it counts, as it does for the agent."""
        global_state, tenant_state = self.states(principal.tenant)
        global_text = self.text(GLOBAL_SCOPE, global_state.active_version)
        if candidate is None:
            tenant_text = self.text(principal.tenant, tenant_state.active_version)
            label = version_label(principal.tenant, global_state.active_version, tenant_state.active_version)
        else:
            validate(candidate)
            tenant_text, label = (
                candidate,
                version_label(principal.tenant, global_state.active_version, "candidate"),
            )
        if grant is None and resource.tenant and resource.tenant != principal.tenant:
            grant = GrantStore(self._engine).find(principal.tenant, resource)
        policies = compile_sets(global_text, tenant_text)
        return decide(policies, label, principal, action, resource, grant, int(self._clock()))

    # Internals

    def _check_scope(self, scope: str) -> None:
        if scope == GLOBAL_SCOPE:
            return
        with self._engine.connect() as conn:
            if conn.execute(select(tenants.c.id).where(tenants.c.id == scope)).first() is None:
                raise NotFound(f"no tenant {scope}")

    def _check_with_other_set(self, scope: str, text: str) -> None:
        """Each tenant set must sit beside the global set: no @id in both (BadInput otherwise)."""
        if scope != GLOBAL_SCOPE:
            global_state, _ = self.states(scope)
            compile_sets(self.text(GLOBAL_SCOPE, global_state.active_version), text)
            return
        customised = select(policy_sets.c.scope, policy_sets.c.active_version).where(
            policy_sets.c.scope != GLOBAL_SCOPE, policy_sets.c.active_version > 0
        )
        with self._engine.connect() as conn:
            tenant_sets = conn.execute(customised).all()
        for tenant, version in tenant_sets:
            try:
                compile_sets(text, self.text(tenant, version))
            except BadInput as error:
                raise BadInput(
                    f"the set of tenant {tenant} would not fit beside it: {error.detail}"
                ) from None

    def _active_version(self, conn: Connection, scope: str) -> int:
        query = select(policy_sets.c.active_version).where(policy_sets.c.scope == scope)
        return int(conn.execute(query).scalar() or 0)

    def _lock_state(self, conn: Connection, scope: str) -> SetState:
        """The set's row, created at version 0 when missing, and locked until the transaction ends
        (SQLite's write transactions lock the whole database already)."""
        query = select(policy_sets).where(policy_sets.c.scope == scope).with_for_update()
        row = conn.execute(query).first()
        if row is None:
            conn.execute(
                insert(policy_sets).values(scope=scope, active_version=0, revision=0, updated_at=utc_now())
            )
            return SetState(scope, 0, 0)
        return SetState(scope, row.active_version, row.revision)

    def _make_active(self, conn: Connection, scope: str, state: SetState, version: int) -> SetState:
        if state.active_version == version:
            return state
        changed = SetState(scope, version, state.revision + 1)
        conn.execute(
            update(policy_sets)
            .where(policy_sets.c.scope == scope)
            .values(active_version=version, revision=changed.revision, updated_at=utc_now())
        )
        return changed

    def _write(self, change: Callable[[Connection], T]) -> T:
        for attempt in range(_WRITE_ATTEMPTS):
            try:
                with write_transaction(self._engine) as conn:
                    return change(conn)
            except IntegrityError:
                # Another process created the set's row or took the same version number first.
                if attempt == _WRITE_ATTEMPTS - 1:
                    raise Conflict("the policy set changed concurrently; try again") from None
        raise AssertionError("unreachable")


def _name(scope: str) -> str:
    return "global" if scope == GLOBAL_SCOPE else scope


def _version(row: Any, active: int) -> PolicyVersion:
    return PolicyVersion(
        row["scope"], row["version"], row["text"], row["note"], row["created_by"], row["created_at"],
        row["version"] == active,
    )  # fmt: skip
