"""A `craftology up` for the blob-GC crash test, run as `python -m tests.assets.crash_platform`.

The same runtime and API as `craftology up`, with two test-only differences:
- generators that make different bytes on every call (a random seed per call), so a retried
  generation stores a different blob and the first attempt's blob stays behind unreferenced;
- when CRAFTOLOGY_TEST_KILL_MARKER names a file that does not exist yet, the first blob a generation
  activity stores is followed by SIGKILL of this process, after the blob is durable and before the
  asset record is committed. The marker (holding the blob's key) is written first, so the restarted
  process does not kill itself again.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.generation.preview import preview_generators
from craftology.ports.assets import AssetStore, BlobInfo
from craftology.ports.generator import GenerationRequest, Generator, Media
from craftology.runtime import running

KILL_MARKER = "CRAFTOLOGY_TEST_KILL_MARKER"


class EveryCallDifferent:
    """A preview generator given a fresh random seed on each call: a non-deterministic model."""

    def __init__(self, inner: Generator) -> None:
        self.model_id = inner.model_id
        self.version = inner.version
        self._inner = inner

    def generate(self, request: GenerationRequest) -> Media:
        return self._inner.generate(dataclasses.replace(request, seed=random.SystemRandom().getrandbits(31)))


class KillAfterFirstPut:
    """The activities' asset store: the real one, except that the first put ends the process."""

    def __init__(self, inner: AssetStore, marker: Path) -> None:
        self._inner = inner
        self._marker = marker

    def put_bytes(self, tenant: str, data: bytes) -> BlobInfo:
        info = self._inner.put_bytes(tenant, data)
        if not self._marker.exists():
            with self._marker.open("w") as out:
                out.write(info.key)
                out.flush()
                os.fsync(out.fileno())
            os.kill(os.getpid(), signal.SIGKILL)
        return info

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Iterator[None]:  # signals are handled below, as `craftology up` does
        yield


async def serve() -> None:
    settings = Settings()
    generators = {g.model_id: EveryCallDifferent(g) for g in preview_generators().values()}
    async with running(settings, generators=dict(generators)) as container:
        marker = os.environ.get(KILL_MARKER)
        if marker:
            container.executor.assets = KillAfterFirstPut(container.assets, Path(marker))  # type: ignore[assignment]
        config = uvicorn.Config(build_api(container), host=settings.api.host, port=settings.api.port,
                                log_level="warning", lifespan="off")  # fmt: skip
        server = _Server(config)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
        await server.serve()


if __name__ == "__main__":
    asyncio.run(serve())
