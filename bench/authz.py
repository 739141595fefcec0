"""Authorisation cost: PBAC decisions per second with a warm and a cold decision cache.

The agent runs as the API will run it: SQLite control plane (a file, WAL), the default policies,
and its default configuration, which reads the policy sets' revisions (one primary-key query) before
every decision. Warm: a mix of 2,000 (principal, action, resource) requests decided once, then
again from the cache. Cold: every request new, so every decision is a Cedar evaluation. The same
warm mix is also timed with the revision check limited to once a second, and the parts are timed
alone: one revision check, one Cedar evaluation.

The gateway path (bench/_gateway_path.py): one endpoint called through the API as `craftology up`
builds it (session cookie lookup + rate limits + PBAC) and, interleaved in the same run, through the
same app built without gateway checks; `added_ms_p50` and `added_ms_p99` are the differences
(goal: p50 under 0.5 ms with the embedded engines).

    python bench/authz.py --json
"""

from __future__ import annotations

import itertools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, insert

from _common import emit, parse_args
from _gateway_path import measure as measure_gateway_path
from craftology.controlplane.db import connect
from craftology.controlplane.schema import tenants
from craftology.controlplane.types import utc_now
from craftology.identity.principal import Principal, Role, Scope
from craftology.policy.agent import PolicyAgent
from craftology.policy.center import PolicyCenter
from craftology.policy.evaluate import compile_sets, decide
from craftology.policy.grants import GrantStore
from craftology.policy.vocabulary import default_policies
from craftology.ports.policy import Resource

TENANT = "acme"
ACTIONS = ("read_project", "update_project", "start_run", "delete_project", "plan_run")
PROJECTS = 100
DECISIONS = 20_000
COLD_DECISIONS = 4_000
PARTS = 2_000


def _principals() -> list[Principal]:
    return [
        Principal(TENANT, f"{role.value}-{n}", frozenset({role}), scopes)
        for role in Role
        for n, scopes in enumerate((frozenset(Scope), frozenset({Scope.READ})))
    ]


def _requests() -> list[tuple[Principal, str, Resource]]:
    """2,000 distinct requests: 8 principals x 5 actions x 50 projects."""
    projects = [Resource("Project", f"p{n}", TENANT) for n in range(PROJECTS // 2)]
    return list(itertools.product(_principals(), ACTIONS, projects))


def _rate(count: int, decide_one: Callable[[int], object]) -> float:
    started = time.perf_counter()
    for n in range(count):
        decide_one(n)
    return round(count / (time.perf_counter() - started))


def _p50_us(count: int, call: Callable[[], object]) -> float:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples) * 1e6, 1)


def _agent(engine: Engine, **options: float) -> PolicyAgent:
    return PolicyAgent(PolicyCenter(engine), GrantStore(engine), **options)  # type: ignore[arg-type]


def run(engine: Engine) -> dict[str, float]:
    requests = _requests()

    def warm(agent: PolicyAgent) -> float:
        for request in requests:  # fill the cache
            agent.decide(*request)
        calls = agent.stats.cedar_calls
        rate = _rate(DECISIONS, lambda n: agent.decide(*requests[n % len(requests)]))
        assert agent.stats.cedar_calls == calls, "warm decisions must come from the cache"
        return rate

    cold_agent = _agent(engine)
    editor = _principals()[4]

    def cold(n: int) -> object:
        return cold_agent.decide(editor, "update_project", Resource("Project", f"cold-{n}", TENANT))

    cold_rate = _rate(COLD_DECISIONS, cold)
    assert cold_agent.stats.cache_hits == 0
    center = PolicyCenter(engine)
    policies = compile_sets(default_policies(), "")
    project = Resource("Project", "p1", TENANT)
    return {
        "decisions_per_s_warm": warm(_agent(engine)),
        "decisions_per_s_cold": cold_rate,
        "decisions_per_s_warm_check_every_1s": warm(_agent(engine, check_interval_s=1.0)),
        "revision_check_us_p50": _p50_us(PARTS, lambda: center.states(TENANT)),
        "cedar_decision_us_p50": _p50_us(
            PARTS, lambda: decide(policies, "v", editor, "update_project", project)
        ),
        "distinct_requests": len(requests),
    }


def main() -> None:
    args = parse_args(__doc__ or "")
    with tempfile.TemporaryDirectory(prefix="craftology-authz-") as tmp:
        engine = connect(f"sqlite:///{Path(tmp) / 'control.db'}")
        with engine.begin() as conn:
            conn.execute(insert(tenants).values(id=TENANT, name=TENANT, created_at=utc_now()))
        try:
            emit({**run(engine), **measure_gateway_path()}, args.json)
        finally:
            engine.dispose()


if __name__ == "__main__":
    main()
