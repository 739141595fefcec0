"""The embedded runtime: container, Temporal (embedded dev server unless an address is configured)
and an in-process worker, started together and stopped together."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from craftology.agents.datasync.consumer import ChangeConsumer
from craftology.agents.datasync.schedule import DataSyncSchedule
from craftology.assets.schedule import GcSchedule
from craftology.config import Settings
from craftology.container import Container, build_container
from craftology.errors import BadInput, TransientError
from craftology.events.schedule import RelaySchedule
from craftology.ports.generator import Generator
from craftology.workflows.devserver import EmbeddedTemporal


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


def recorded_port(settings: Settings) -> int | None:
    """The port of this data dir's embedded server, if one is recorded in its pidfile."""
    pidfile = settings.data_dir / "temporal.pid"
    try:
        return int(json.loads(pidfile.read_text())["port"])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def embedded_port(settings: Settings) -> int:
    """The port of this data dir's server if one is recorded, else the configured port if free, else
    any free port (so a demo can run beside a running `craftology up`)."""
    recorded = recorded_port(settings)
    if recorded is not None:
        return recorded
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
    try:
        for tenant in container.tenancy.list_tenants():
            container.assets.sweep_incomplete(tenant.id)
        async with periodic_passes(container), container.sync_worker():
            yield container
    finally:
        container.close()
        if server is not None and not keep_temporal:
            await asyncio.to_thread(server.stop)


@asynccontextmanager
async def periodic_passes(container: Container) -> AsyncIterator[None]:
    """Blob collection, the outbox relay and the data-sync agent's consumer on their schedules, in every
    role (`up`, API, worker): each process also dequeues what it published itself there. Safe in any
    number of processes at once."""
    blob_gc = GcSchedule.start(container)  # every settings.gc.interval_seconds

    def tenants() -> list[str]:
        return [tenant.id for tenant in container.tenancy.list_tenants()]

    relay = RelaySchedule(container.relay, tenants, container.settings.events.relay_interval_seconds).begin()
    data_sync = DataSyncSchedule(
        ChangeConsumer(container.metadata, container.agent_positions, tenants),
        container.temporal, container.settings.temporal.task_queue, container.settings.data_sync,
    ).begin()  # fmt: skip
    try:
        yield
    finally:
        await blob_gc.stop()
        await relay.stop()
        await data_sync.stop()


def worker_settings(settings: Settings) -> Settings:
    """Settings for a worker on its own: it joins a Temporal server, never starts one. The configured
    address, else the embedded server that `craftology up` started for this data dir."""
    if settings.temporal.address is not None:
        return settings
    port = recorded_port(settings)
    if port is None:
        raise BadInput(
            f"no Temporal server: set CRAFTOLOGY_TEMPORAL__ADDRESS, or run `craftology up` on the data "
            f"dir {settings.data_dir} first"
        )
    return settings.model_copy(
        update={"temporal": settings.temporal.model_copy(update={"address": f"127.0.0.1:{port}"})}
    )


@asynccontextmanager
async def api_only(settings: Settings) -> AsyncIterator[Container]:
    """Only the API role: it starts runs on the configured Temporal server (or this data dir's embedded
    one) and answers from the stores; workers elsewhere run the activities."""
    container = build_container(worker_settings(settings))
    try:
        async with periodic_passes(container):
            yield container
    finally:
        container.close()


@asynccontextmanager
async def worker_only(settings: Settings) -> AsyncIterator[Container]:
    """Only the sync worker role, over the configured stores and Temporal server, with the periodic
    passes (blob collection, outbox relay), so a deployment of APIs and workers still runs them."""
    container = build_container(worker_settings(settings))
    try:
        try:
            await container.temporal()
        except RuntimeError as error:  # the SDK's connection failure
            raise TransientError(f"cannot reach Temporal at {container.temporal_address}: {error}") from None
        async with periodic_passes(container), container.sync_worker():
            yield container
    finally:
        container.close()
