"""Sync-run overhead on the embedded Temporal, side by side with a bare Temporal workflow.

1,000 no-op targets (the card sheets of a project, through the real sync path: plan,
workflow, activity, stores, provenance, events; only the model is a no-op) against 1,000 no-op
activities in a bare workflow with the same parallelism, interleaved in one process so machine noise
hits both. Then the first sync of a 10,000-shot project (over 20,000 targets: sheets, keyframes, clips
and the cut, a real DAG) to the end, every target accounted for. Also the resident memory of an idle
`craftology up` including its Temporal server.

    python bench/run_overhead.py --json
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from _common import emit, parse_args
from craftology.config import Settings
from craftology.container import Container
from craftology.controlplane.runs import RunStatus
from craftology.identity.principal import system_principal
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.ports.metadata import Put
from craftology.projects.models import CardIn, CardKind, ProjectIn, Shot
from craftology.registry.preview import PREVIEW_MODELS
from craftology.runtime import running
from craftology.workflows.bare import run_bare

TARGETS = 1000
ROUNDS = 2
PARALLEL = 8
LARGE_SHOTS = 10_000
LARGE_CARDS = 50


class NoopGenerator:
    def __init__(self, model_id: str, version: str) -> None:
        self.model_id = model_id
        self.version = version

    def generate(self, request: GenerationRequest) -> Media:
        return Media(b"noop", "image/png", {"model": self.model_id, "preview": True})


def noop_generators() -> dict[str, Generator]:
    return {m.id: NoopGenerator(m.id, m.version) for m in PREVIEW_MODELS}


def fresh_project(c: Container, tenant: str) -> str:
    """A project whose plan is TARGETS independent targets: card sheets (no shots, so no cut)."""
    project = c.projects.create_project(system_principal(tenant), ProjectIn(name="overhead")).value
    for index in range(TARGETS):
        c.projects.create_card(
            system_principal(tenant), project.id, CardIn(kind=CardKind.PROP, name=f"prop {index}")
        )
    return project.id


async def sync_rate(c: Container, tenant: str) -> float:
    project_id = await asyncio.to_thread(fresh_project, c, tenant)
    started = time.perf_counter()
    run = await c.sync.start_run(system_principal(tenant), project_id)
    done = await c.sync.wait(system_principal(tenant), run.id)
    elapsed = time.perf_counter() - started
    if done.plan_size != TARGETS or done.generated != TARGETS:
        raise RuntimeError(f"expected {TARGETS} generated targets, got {done}")
    return TARGETS / elapsed


def large_project(c: Container, tenant: str) -> str:
    """LARGE_SHOTS shots over LARGE_CARDS cards, each shot showing one to three of them. The shots are
    committed in bulk straight to the store (valid by construction): a benchmark of the run, not of
    10,000 API calls."""
    project = c.projects.create_project(system_principal(tenant), ProjectIn(name="large")).value
    cards = [
        c.projects.create_card(
            system_principal(tenant), project.id, CardIn(kind=CardKind.PROP, name=f"prop {n}")
        ).value.id
        for n in range(LARGE_CARDS)
    ]
    puts = []
    for order in range(LARGE_SHOTS):
        refs = [cards[(order * k) % LARGE_CARDS] for k in range(1, 2 + order % 3)]
        shot = Shot(id=f"shot-{order}", project_id=project.id, order=order, description=f"shot {order}",
                    cards=list(dict.fromkeys(refs)))  # fmt: skip
        puts.append(Put("shots", shot.id, shot.model_dump(mode="json"), project_id=project.id))
    for start in range(0, len(puts), 1000):
        c.metadata.commit(tenant, puts[start : start + 1000])
    c.metadata.commit(tenant, [Put("shot_sequences", project.id, {"count": LARGE_SHOTS}, project.id)])
    return project.id


async def large_run(data_dir: Path) -> dict[str, object]:
    """The first sync of a LARGE_SHOTS-shot project, end to end on the embedded Temporal."""
    settings = Settings(data_dir=data_dir)
    settings.temporal.max_parallel = PARALLEL
    settings.temporal.embedded_port = free_port()
    async with running(settings, generators=noop_generators()) as c:
        tenant = c.tenancy.create_tenant("bench").tenant.id
        project_id = await asyncio.to_thread(large_project, c, tenant)
        started = time.perf_counter()
        run = await c.sync.start_run(system_principal(tenant), project_id)
        last = await c.sync.wait(system_principal(tenant), run.id)
        elapsed = time.perf_counter() - started
        first = c.runs.get(tenant, run.id)
        rows = c.sync.outcomes(system_principal(tenant), run.id)
        accounted = sum(1 for row in rows if row.state.ended) == len(rows) == first.plan_size == first.done
        return {
            "large_run_targets": first.plan_size,
            "large_run_ok": accounted and last.status is RunStatus.SUCCEEDED
            and first.generated == first.plan_size,
            "large_run_s": round(elapsed, 1),
            "large_targets_per_s": round(first.plan_size / elapsed, 1),
        }  # fmt: skip


async def bare_rate(c: Container) -> float:
    started = time.perf_counter()
    count = await run_bare(await c.temporal(), TARGETS, max_parallel=PARALLEL)
    assert count == TARGETS
    return TARGETS / (time.perf_counter() - started)


async def rates(data_dir: Path) -> tuple[list[float], list[float]]:
    settings = Settings(data_dir=data_dir)
    settings.temporal.max_parallel = PARALLEL
    settings.temporal.embedded_port = free_port()
    ours: list[float] = []
    bare: list[float] = []
    async with running(settings, generators=noop_generators()) as c:
        tenant = c.tenancy.create_tenant("bench").tenant.id
        await bare_rate(c)  # warm-up: first workflow pays for namespace caches
        for _ in range(ROUNDS):
            ours.append(await sync_rate(c, tenant))
            bare.append(await bare_rate(c))
    return ours, bare


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def idle_up_rss_mb(data_dir: Path) -> float:
    """Resident memory of `craftology up` and every process it started, after it settles."""
    api_port = free_port()
    env = {
        **os.environ,
        "CRAFTOLOGY_DATA_DIR": str(data_dir),
        "CRAFTOLOGY_API__PORT": str(api_port),
        "CRAFTOLOGY_TEMPORAL__EMBEDDED_PORT": str(free_port()),
    }
    cli = Path(sys.executable).parent / "craftology"
    process = subprocess.Popen(
        [str(cli), "up"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            raise RuntimeError("craftology up did not become healthy")
        time.sleep(5)
        root = psutil.Process(process.pid)
        tree = [root, *root.children(recursive=True)]
        return sum(p.memory_info().rss for p in tree) / 1_048_576
    finally:
        process.terminate()
        process.wait(timeout=60)


def main() -> None:
    args = parse_args(__doc__ or "")
    with tempfile.TemporaryDirectory() as tmp:
        ours, bare = asyncio.run(rates(Path(tmp) / "bench"))
        large = asyncio.run(large_run(Path(tmp) / "large"))
        rss = idle_up_rss_mb(Path(tmp) / "idle")
    targets_per_s = statistics.median(ours)
    bare_per_s = statistics.median(bare)
    emit(
        {
            "targets": TARGETS,
            "max_parallel": PARALLEL,
            "rounds": ROUNDS,
            "targets_per_s": round(targets_per_s, 1),
            "bare_activities_per_s": round(bare_per_s, 1),
            "overhead_ratio": round(bare_per_s / targets_per_s, 3),
            "up_idle_rss_mb": round(rss, 1),
            **large,
            "goal_overhead_ratio_max": 1.5,
            "goal_up_idle_rss_mb_max": 400,
        },
        args.json,
    )


if __name__ == "__main__":
    main()
