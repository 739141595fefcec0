"""When to try a provider call again, and how long to wait first.

Rate limits (429), server errors (5xx) and timeouts are retried a bounded number of times with
exponential backoff; a `Retry-After` the provider sends is honoured instead, unless it asks for longer
than we are willing to hold a request (then we give up at once and say when to come back). Any other
4xx is the request's own fault and is never retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    backoff_seconds: float = 0.5
    backoff_max_seconds: float = 8.0
    max_retry_after_seconds: float = 30.0

    def backoff(self, attempt: int) -> float:
        """The wait after failed attempt `attempt` (1-based): exponential, capped, with jitter so many
        processes retrying the same provider do not come back in step."""
        ceiling = min(self.backoff_max_seconds, self.backoff_seconds * 2.0 ** (attempt - 1))
        return ceiling * (0.5 + random.random() / 2)  # jitter, not a secret


def retryable_status(status: int) -> bool:
    return status == 429 or status >= 500


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header in seconds: a number of seconds or an HTTP date (RFC 9110); None when absent
    or unreadable."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
