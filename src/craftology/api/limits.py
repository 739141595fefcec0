"""Rate limits the gateway applies to every authenticated request: per principal and per tenant.

Counted in the rate limiter port (the control plane, or Redis in distributed mode), so every API
process shares one count. A refused request gets 429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from craftology.errors import TooManyRequests
from craftology.identity.principal import Principal
from craftology.ports.ratelimit import Budget, RateLimiter

WINDOW = timedelta(minutes=1)


@dataclass(frozen=True)
class RateLimits:
    limiter: RateLimiter
    per_principal: int = 600  # requests per minute of one user (or token) in one tenant; 0: none
    per_tenant: int = 3000  # requests per minute of a whole tenant; 0: none

    def check(self, principal: Principal) -> None:
        """TooManyRequests (with `retry_after`) once either budget of this minute is spent. Both are
        charged in one step of the limiter; a principal over its own budget spends none of its
        tenant's."""
        budgets = [
            Budget(key, limit, WINDOW)
            for key, limit in (
                (f"p:{principal.tenant}:{principal.user_id}", self.per_principal),
                (f"t:{principal.tenant}", self.per_tenant),
            )
            if limit > 0
        ]
        if not budgets:
            return
        refused = self.limiter.hit_in_order(budgets)[-1]
        if not refused.allowed:
            raise TooManyRequests(
                f"rate limit of {refused.limit} requests per minute reached; retry in "
                f"{refused.retry_after_header} s",
                retry_after=refused.retry_after_header,
            )
