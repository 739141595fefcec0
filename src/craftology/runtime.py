"""The embedded runtime: container, Temporal (embedded dev server unless an address is configured)
and an in-process worker, started together and stopped together."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from craftology.assets.schedule import GcSchedule
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.events.schedule import RelaySchedule
from craftology.ports.generator import Generator
from craftology.workflows.devserver import EmbeddedTemporal
from craftology.workflows.worker import sync_worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def embedded_port(settings: Settings) -> int:
    """The port of this data dir's server if one is recorded, else the configured port if free, else
    any free port (so a demo can run beside a running `craftology up`)."""
    pidfile = settings.data_dir / "temporal.pid"
    try:
        return int(json.loads(pidfile.read_text())["port"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        pass
    port = settings.temporal.embedded_port
    return port if port and _port_free(port) else _free_port()


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    keep_temporal: bool = False,
    generators: dict[str, Generator] | None = None,
) -> AsyncIterator[Container]:
    """Everything a sync needs, on this machine. `keep_temporal` leaves the embedded Temporal server
    running on exit (it is reused by the next start on the same data dir)."""
    server: EmbeddedTemporal | None = None
    if settings.temporal.address is None:
        port = embedded_port(settings)
        settings = settings.model_copy(
            update={"temporal": settings.temporal.model_copy(update={"embedded_port": port})}
        )
        server = EmbeddedTemporal(settings.data_dir, port=port, namespace=settings.temporal.namespace)
        await asyncio.to_thread(server.start)
    container = build_container(settings, generators)
    blob_gc = GcSchedule.start(container)  # every settings.gc.interval_seconds; stopped before closing
    relay = RelaySchedule(container.relay, lambda: [t.id for t in container.tenancy.list_tenants()],
                          settings.events.relay_interval_seconds).begin()  # fmt: skip
    try:
        for tenant in container.tenancy.list_tenants():
            container.assets.sweep_incomplete(tenant.id)
        client = await container.temporal()
        async with sync_worker(
            client,
            settings.temporal.task_queue,
            container.executor,
            max_concurrent_activities=max(4, settings.temporal.max_parallel),
        ):
            container.sync.resume_watchers()
            yield container
    finally:
        await blob_gc.stop()
        await relay.stop()
        container.close()
        if server is not None and not keep_temporal:
            await asyncio.to_thread(server.stop)
