"""Where the data-sync agent's consumer stands in each tenant's change feed (control plane).

Every process may run the consumer, so the position is shared here and only ever moves forward: a
process that read less than another cannot send the group back over edits already signalled.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from craftology.controlplane.db import write_transaction
from craftology.controlplane.schema import sync_agent_positions as positions


class AgentPositions:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def get(self, tenant: str) -> int:
        """The last change-feed seq of `tenant` every edit up to which has been signalled (0: none)."""
        query = select(positions.c.seq).where(positions.c.tenant_id == tenant)
        with self._engine.connect() as conn:
            seq = conn.execute(query).scalar_one_or_none()
        return int(seq) if seq is not None else 0

    def advance(self, tenant: str, seq: int) -> None:
        """Moves the tenant's position to `seq` unless it is already there or beyond."""
        for _ in range(2):  # a first insert racing another process's becomes an update
            try:
                with write_transaction(self._engine) as conn:
                    moved = conn.execute(
                        update(positions)
                        .where(positions.c.tenant_id == tenant, positions.c.seq < seq)
                        .values(seq=seq)
                    )
                    if moved.rowcount:
                        return
                    exists = conn.execute(
                        select(positions.c.seq).where(positions.c.tenant_id == tenant)
                    ).first()
                    if exists is None:
                        conn.execute(insert(positions).values(tenant_id=tenant, seq=seq))
                    return
            except IntegrityError:
                continue
