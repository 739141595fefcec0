"""RateLimiter contract: run against every backend in conftest.BACKENDS.

The FakeClock starts on a minute boundary (12:00:00), so a 60-second window opens at T0.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from craftology.errors import BadInput
from craftology.ports.ratelimit import Budget, RateLimiter
from tests.contracts.gateway.conftest import Backend

MINUTE = timedelta(minutes=1)


def test_hits_within_the_limit_are_allowed_then_refused_until_the_window_ends(backend: Backend) -> None:
    limiter = backend.limiter()
    backend.clock.advance(seconds=10)
    decisions = [limiter.hit("login:10.0.0.1", 3, MINUTE) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0, 0]
    assert [d.retry_after for d in decisions] == [0.0, 0.0, 0.0, 50.0, 50.0]
    assert decisions[3].reset_after == 50.0
    assert decisions[3].retry_after_header == "50"
    assert decisions[0].limit == 3


def test_a_new_window_starts_a_new_count(backend: Backend) -> None:
    limiter = backend.limiter()
    for _ in range(3):
        limiter.hit("tenant:acme", 2, MINUTE)
    backend.clock.advance(seconds=59, microseconds=999_999)
    refused = limiter.hit("tenant:acme", 2, MINUTE)
    assert not refused.allowed
    assert refused.retry_after == pytest.approx(1e-6)
    backend.clock.advance(microseconds=1)  # 12:01:00, the next window
    allowed = limiter.hit("tenant:acme", 2, MINUTE)
    assert (allowed.allowed, allowed.remaining, allowed.reset_after) == (True, 1, 60.0)


def test_instances_share_one_count(backend: Backend) -> None:
    first, second = backend.limiter(), backend.limiter()
    assert first.hit("principal:acme:ann", 3, MINUTE).remaining == 2
    assert second.hit("principal:acme:ann", 3, MINUTE).remaining == 1
    assert first.hit("principal:acme:ann", 3, MINUTE).remaining == 0
    assert not second.hit("principal:acme:ann", 3, MINUTE).allowed


def test_concurrent_hits_from_many_instances_grant_exactly_the_limit(backend: Backend) -> None:
    limiters = [backend.limiter() for _ in range(4)]

    def hammer(limiter: RateLimiter) -> int:
        return sum(limiter.hit("tenant:busy", 30, MINUTE).allowed for _ in range(15))

    with ThreadPoolExecutor(max_workers=4) as pool:
        granted = sum(pool.map(hammer, limiters))
    assert granted == 30


def test_keys_and_window_lengths_count_apart(backend: Backend) -> None:
    limiter = backend.limiter()
    assert limiter.hit("login:a", 1, MINUTE).allowed
    assert not limiter.hit("login:a", 1, MINUTE).allowed
    assert limiter.hit("login:b", 1, MINUTE).allowed
    assert limiter.hit("login:a", 1, timedelta(hours=1)).allowed  # another window length, another count


def test_budgets_are_charged_in_order_until_the_first_refusal(backend: Backend) -> None:
    limiter = backend.limiter()
    backend.clock.advance(seconds=15)
    person, team = Budget("principal:acme:ann", 2, MINUTE), Budget("tenant:acme", 3, timedelta(hours=1))
    first = limiter.hit_in_order([person, team])
    assert [(d.allowed, d.remaining, d.limit) for d in first] == [(True, 1, 2), (True, 2, 3)]
    assert first[1].reset_after == 3600 - 15
    limiter.hit_in_order([person, team])
    # Ann is over her own budget: refused there, and the tenant's budget is not charged for it.
    refused = limiter.hit_in_order([person, team])
    assert [(d.allowed, d.retry_after) for d in refused] == [(False, 45.0)]
    assert limiter.hit("tenant:acme", 3, timedelta(hours=1)).remaining == 0  # two charged before
    assert not limiter.hit_in_order([Budget("principal:acme:bob", 2, MINUTE), team])[-1].allowed


def test_concurrent_multi_budget_hits_grant_exactly_the_shared_limit(backend: Backend) -> None:
    limiters = [backend.limiter() for _ in range(4)]

    def hammer(index: int) -> int:
        own = Budget(f"principal:acme:u{index}", 100, MINUTE)
        shared = Budget("tenant:acme", 20, MINUTE)
        return sum(limiters[index].hit_in_order([own, shared])[-1].allowed for _ in range(10))

    with ThreadPoolExecutor(max_workers=4) as pool:
        granted = sum(pool.map(hammer, range(4)))
    assert granted == 20


def test_a_hit_charged_to_no_budget_is_refused(backend: Backend) -> None:
    with pytest.raises(BadInput):
        backend.limiter().hit_in_order([])
    with pytest.raises(BadInput):
        backend.limiter().hit_in_order([Budget("ok", 1, MINUTE), Budget("", 1, MINUTE)])


@pytest.mark.parametrize(
    ("key", "limit", "window"),
    [("", 1, MINUTE), ("k" * 201, 1, MINUTE), ("k", 0, MINUTE), ("k", 1, timedelta(0))],
)
def test_requests_no_limiter_can_count_are_refused(
    backend: Backend, key: str, limit: int, window: timedelta
) -> None:
    with pytest.raises(BadInput):
        backend.limiter().hit(key, limit, window)
