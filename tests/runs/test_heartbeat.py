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


def test_blocks_in_many_threads_share_one_ticker_and_each_keeps_its_own_context() -> None:
    import threading

    seen: list[tuple[str, str]] = []
    lock = threading.Lock()

    def heartbeat(detail: str) -> None:
        with lock:
            seen.append((current_activity.get(), detail))

    def block(name: str) -> None:
        current_activity.set(name)
        with heartbeating(heartbeat, f"generating {name}", every=0.02):
            time.sleep(0.2)

    before = threading.active_count()
    threads = [threading.Thread(target=block, args=(f"a{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    during = threading.active_count()
    for thread in threads:
        thread.join()
    assert during <= before + len(threads) + 1  # the 8 blocks and at most one ticker
    for n in range(8):
        assert (f"a{n}", f"generating a{n}") in seen
    assert {activity for activity, detail in seen} == {f"a{n}" for n in range(8)}
    assert all(detail == f"generating {activity}" for activity, detail in seen)
