"""Keeps an activity heartbeating while a long, blocking model call runs in its thread.

One ticker thread per process serves every block: starting a thread per model call cost more than a
no-op generation itself, and a thread per call is what a busy worker can least afford.
"""

from __future__ import annotations

import contextvars
import heapq
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

HEARTBEAT_EVERY_SECONDS = 2.0


@dataclass(order=True)
class _Beat:
    due: float
    order: int
    every: float = field(compare=False)
    heartbeat: Callable[[str], None] = field(compare=False)
    detail: str = field(compare=False)
    context: contextvars.Context = field(compare=False)
    active: bool = field(default=True, compare=False)
    firing: bool = field(default=False, compare=False)


class _Ticker:
    """Runs due heartbeats in their callers' contexts (Temporal finds the running activity there)."""

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._queue: list[_Beat] = []
        self._counter = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, heartbeat: Callable[[str], None], detail: str, every: float) -> _Beat:
        context = contextvars.copy_context()
        with self._wake:
            beat = _Beat(_now() + every, next(self._counter), every, heartbeat, detail, context)
            heapq.heappush(self._queue, beat)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="heartbeats", daemon=True)
                self._thread.start()
            self._wake.notify()
        return beat

    def remove(self, beat: _Beat) -> None:
        """After this returns, `beat` never fires again (waits out a heartbeat already running)."""
        with self._wake:
            beat.active = False  # dropped from the queue lazily when it comes due
            while beat.firing:
                self._wake.wait()

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._queue and not self._queue[0].active:
                    heapq.heappop(self._queue)
                if not self._queue:
                    self._wake.wait()
                    continue
                wait = self._queue[0].due - _now()
                if wait > 0:
                    self._wake.wait(wait)
                    continue
                beat = heapq.heappop(self._queue)
                beat.firing = True
            self._fire(beat)

    def _fire(self, beat: _Beat) -> None:
        failed = False
        try:
            beat.context.run(beat.heartbeat, beat.detail)
        except Exception:  # a failed heartbeat must not break the model call it watches; stop it
            failed = True
        with self._wake:
            beat.firing = False
            if beat.active and not failed:
                beat.due = _now() + beat.every
                heapq.heappush(self._queue, beat)
            self._wake.notify_all()


def _now() -> float:
    return time.monotonic()


_TICKER = _Ticker()


@contextmanager
def heartbeating(
    heartbeat: Callable[[str], None], detail: str, every: float = HEARTBEAT_EVERY_SECONDS
) -> Iterator[None]:
    """Heartbeat every few seconds until the block ends, so a model call longer than the heartbeat
    timeout is not mistaken for a dead worker. After the block no heartbeat of it starts (one already
    running may finish)."""
    beat = _TICKER.add(heartbeat, detail, every)
    try:
        yield
    finally:
        _TICKER.remove(beat)
