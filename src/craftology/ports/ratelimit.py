"""The rate limiter port: count a hit against a key and say whether it is within its limit.

Fixed windows aligned to the epoch: at most `limit` hits per key in each `window`; refused hits count
too (a client hammering a closed door does not get in sooner). A burst may reach twice the limit
across a window boundary, which is acceptable for request throttling and keeps every adapter one
atomic step. The count is shared by every process (the control-plane database or Redis), so N API
processes grant `limit` in total, not N times it. Callers name keys by what they limit, e.g.
``principal:<tenant>:<user>``, ``tenant:<tenant>``, ``login:<ip>``; one key, one (limit, window).

A request charged to several budgets (a principal's and its tenant's) is one `hit_in_order`: one
round trip and one transaction for all of them, which is most of what a hit costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol, runtime_checkable

from craftology.errors import BadInput

MAX_KEY_LENGTH = 200
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class RateLimitDecision:
    allowed: bool
    limit: int
    remaining: int  # hits left in this window after this one
    reset_after: float  # seconds until the window ends
    retry_after: float  # seconds to wait before the next hit can succeed; 0 when allowed

    @property
    def retry_after_header(self) -> str:
        """The Retry-After value: whole seconds, rounded up, at least 1."""
        return str(max(1, -int(-self.retry_after // 1)))


@dataclass(frozen=True)
class Budget:
    """One limit to charge a hit to: at most `limit` hits of `key` per `window`."""

    key: str
    limit: int
    window: timedelta


@runtime_checkable
class RateLimiter(Protocol):
    """Backend failures raise craftology.errors.TransientError (503), never a vendor exception."""

    def hit(self, key: str, limit: int, window: timedelta) -> RateLimitDecision: ...

    def hit_in_order(self, budgets: Sequence[Budget]) -> list[RateLimitDecision]:
        """Charge one hit to each budget in order, as one atomic step, stopping at the first that
        refuses it: budgets after a refusal are not charged (a principal over its own limit does not
        spend its tenant's). One decision per charged budget; the last is the refusal, if any."""
        ...

    def close(self) -> None: ...


def check_budgets(budgets: Sequence[Budget]) -> None:
    """BadInput unless there is at least one budget and each can be counted."""
    if not budgets:
        raise BadInput("a hit is charged to at least one rate-limit budget")
    for budget in budgets:
        check_request(budget.key, budget.limit, budget.window)


def check_request(key: str, limit: int, window: timedelta) -> None:
    """BadInput for a key, limit or window no adapter can count (caller bugs, said plainly)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise BadInput(f"a rate-limit key is 1 to {MAX_KEY_LENGTH} characters")
    if limit < 1:
        raise BadInput("a rate limit allows at least one hit")
    if window < timedelta(milliseconds=1):
        raise BadInput("a rate-limit window is at least a millisecond")


def window_start(now: datetime, window: timedelta) -> datetime:
    """Start of the fixed window holding `now`; windows are aligned to the epoch, so every process
    with a synchronised clock puts a hit in the same window."""
    elapsed = now - EPOCH
    return now - elapsed % window


def decide(hits: int, limit: int, started: datetime, window: timedelta, now: datetime) -> RateLimitDecision:
    reset_after = max(0.0, (started + window - now).total_seconds())
    allowed = hits <= limit
    return RateLimitDecision(
        allowed=allowed,
        limit=limit,
        remaining=max(0, limit - hits),
        reset_after=reset_after,
        retry_after=0.0 if allowed else reset_after,
    )
