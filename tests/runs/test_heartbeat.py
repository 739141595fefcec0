from __future__ import annotations

import contextvars
import time

from craftology.runs.heartbeat import heartbeating

current_activity: contextvars.ContextVar[str] = contextvars.ContextVar("current_activity")


def test_heartbeats_flow_while_the_block_runs_and_stop_after_it() -> None:
    seen: list[tuple[str, str]] = []

    def heartbeat(detail: str) -> None:
        # Like Temporal's, this heartbeat only works inside the activity's context.
        seen.append((current_activity.get(), detail))

    current_activity.set("run_target")
    with heartbeating(heartbeat, "generating x", every=0.02):
        time.sleep(0.3)
    count = len(seen)
    time.sleep(0.1)
    assert count >= 3
    assert len(seen) == count
    assert set(seen) == {("run_target", "generating x")}


def test_a_failing_heartbeat_does_not_break_the_block() -> None:
    def heartbeat(detail: str) -> None:
        raise RuntimeError("server unreachable")

    with heartbeating(heartbeat, "x", every=0.01):
        time.sleep(0.05)
