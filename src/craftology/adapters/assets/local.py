"""Embedded tenant asset store: content-addressed blobs under `<root>/<tenant>/assets/<key[:2]>/<key>`.

A put streams into a temp file in `assets/.tmp/` (same filesystem), hashing as it writes, fsyncs, then
renames it under its key; so a blob is either absent or complete under its key. A process killed
mid-put leaves only a temp file, removed by `sweep_temp` (and by `provision` once it is stale).
The garbage collector's conditional delete detaches a blob into `.tmp/` too (`gc-<pid>-...`), so a
collector killed half way leaves only a temp file that the same sweeps remove.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path

from craftology.adapters._tenant import check_tenant
from craftology.errors import BadInput, NotFound, RangeNotSatisfiable, StorageError
from craftology.ports.assets import CHUNK_SIZE, BlobInfo, StoredBlob

KEY = re.compile(r"^[0-9a-f]{64}$")
TMP_DIR = ".tmp"
# A temp file untouched this long belongs to a dead writer; younger ones may be a put in progress.
STALE_TEMP_SECONDS = 3600.0


def check_key(key: str) -> str:
    """A key is 64 lowercase hex digits (a sha256); anything else could escape the tenant directory."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise BadInput(f"invalid asset key {key!r}")
    return key


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable, not only the file's bytes.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class LocalAssetStore:
    """AssetStore on the local filesystem: one directory of content-addressed blobs per tenant."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def _dir(self, tenant: str) -> Path:
        return self._root / check_tenant(tenant) / "assets"

    def _existing_dir(self, tenant: str) -> Path:
        directory = self._dir(tenant)
        if not directory.is_dir():
            raise NotFound(f"tenant {tenant} has no sandbox", tenant=tenant)
        return directory

    def _blob(self, tenant: str, key: str) -> Path:
        check_key(key)
        return self._existing_dir(tenant) / key[:2] / key

    def provision(self, tenant: str) -> None:
        """Create the tenant's directory; clean temp files left by writers that died. Idempotent."""
        try:
            (self._dir(tenant) / TMP_DIR).mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"provision assets of {tenant}: {exc}") from exc
        self.sweep_temp(tenant, min_age_seconds=STALE_TEMP_SECONDS)

    def sweep_temp(self, tenant: str, min_age_seconds: float = 0.0) -> int:
        """Remove temp files at least `min_age_seconds` old (0: all of them); returns how many.

        With the default, call it only when no put of this tenant is running.
        """
        tmp = self._existing_dir(tenant) / TMP_DIR
        cutoff = time.time() - min_age_seconds
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(tmp):
                with contextlib.suppress(FileNotFoundError):
                    if entry.stat().st_mtime <= cutoff:
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def sweep_incomplete(self, tenant: str) -> int:
        """Remove temp files whose writer process is gone (the pid is in the name), and any temp
        file older than an hour; safe while other processes write. Returns how many."""
        tmp = self._existing_dir(tenant) / TMP_DIR
        cutoff = time.time() - STALE_TEMP_SECONDS
        removed = 0
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(tmp):
                with contextlib.suppress(FileNotFoundError):
                    if not _writer_alive(entry.name) or entry.stat().st_mtime <= cutoff:
                        os.unlink(entry.path)
                        removed += 1
        return removed

    def drop(self, tenant: str) -> None:
        """Remove every blob of the tenant. Idempotent."""
        directory = self._dir(tenant)
        try:
            shutil.rmtree(directory)
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StorageError(f"drop assets of {tenant}: {exc}") from exc
        with contextlib.suppress(OSError):
            directory.parent.rmdir()  # only if the metadata store left nothing there

    def put(self, tenant: str, chunks: Iterable[bytes]) -> BlobInfo:
        directory = self._existing_dir(tenant)
        try:
            fd, tmp_name = tempfile.mkstemp(dir=directory / TMP_DIR, prefix=f"put-{os.getpid()}-")
        except OSError as exc:
            raise StorageError(f"put into {tenant}: {exc}") from exc
        tmp = Path(tmp_name)
        try:
            digest = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    if not isinstance(chunk, bytes | bytearray | memoryview):
                        raise BadInput(f"asset chunks must be bytes, not {type(chunk).__name__}")
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest()
            target = directory / key[:2] / key
            # Same content already stored: the rename still happens, replacing it with an identical
            # file whose mtime is now. The caller is about to reference this key, and an old copy
            # could be an orphan the garbage collector is about to take; the fresh mtime puts it back
            # inside the grace period (keeping the old file would leave a window between this put
            # and the caller's commit in which the blob it relies on can vanish).
            target.parent.mkdir(exist_ok=True)
            os.replace(tmp, target)
            _fsync_dir(target.parent)
            return BlobInfo(key, size)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageError(f"put into {tenant}: {exc}") from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_bytes(self, tenant: str, data: bytes) -> BlobInfo:
        return self.put(tenant, [data])

    def stat(self, tenant: str, key: str) -> BlobInfo:
        path = self._blob(tenant, key)
        try:
            return BlobInfo(key, path.stat().st_size)
        except FileNotFoundError as exc:
            raise NotFound(f"asset {key} not found", key=key) from exc
        except OSError as exc:
            raise StorageError(f"stat {key}: {exc}") from exc

    def open(self, tenant: str, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes [start, end); errors are raised here, not at the first chunk."""
        if start < 0 or (end is not None and end < start):
            raise BadInput(f"invalid byte range {start}..{end}")
        size = self.stat(tenant, key).size
        if start > size:
            raise RangeNotSatisfiable(f"range starts at {start}, past the end ({size})", size=size)
        stop = size if end is None else min(end, size)
        # The file is opened inside the generator so an iterator that is never consumed holds no handle.
        return self._stream(self._blob(tenant, key), key, start, stop)

    @staticmethod
    def _stream(path: Path, key: str, start: int, stop: int) -> Iterator[bytes]:
        try:
            with path.open("rb") as blob:
                blob.seek(start)
                remaining = stop - start
                while remaining > 0:
                    chunk = blob.read(min(CHUNK_SIZE, remaining))
                    if not chunk:
                        return
                    remaining -= len(chunk)
                    yield chunk
        except FileNotFoundError as exc:
            raise NotFound(f"asset {key} not found", key=key) from exc
        except OSError as exc:
            raise StorageError(f"read {key}: {exc}") from exc

    def read_bytes(self, tenant: str, key: str) -> bytes:
        return b"".join(self.open(tenant, key))

    def delete(self, tenant: str, key: str, *, modified_before: float | None = None) -> bool:
        path = self._blob(tenant, key)
        try:
            if modified_before is None:
                path.unlink()
                return True
            return self._delete_if_old(path, key, modified_before)
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StorageError(f"delete {key}: {exc}") from exc

    def _delete_if_old(self, path: Path, key: str, modified_before: float) -> bool:
        """A stat then an unlink would race a put landing between the two (its fresh blob would go).
        Renaming first detaches exactly one file: a put after the rename creates a new one that this
        call never touches, and a put before it is seen in the detached file's mtime and restored."""
        detached = path.parent.parent / TMP_DIR / f"gc-{os.getpid()}-{key}-{uuid.uuid4().hex[:8]}"
        os.rename(path, detached)  # FileNotFoundError: gone already (another collector)
        if os.stat(detached).st_mtime >= modified_before:
            os.replace(detached, path)  # put again since: identical bytes, so overwriting is harmless
            return False
        os.unlink(detached)
        return True

    def list_blobs(self, tenant: str) -> Iterator[StoredBlob]:
        directory = self._existing_dir(tenant)
        return self._list(directory)

    @classmethod
    def _list(cls, directory: Path) -> Iterator[StoredBlob]:
        for key in cls._keys(directory):
            with contextlib.suppress(FileNotFoundError):  # deleted since it was listed
                stat = os.stat(directory / key[:2] / key)
                yield StoredBlob(key, stat.st_size, stat.st_mtime)

    def keys(self, tenant: str) -> Iterator[str]:
        directory = self._existing_dir(tenant)
        return self._keys(directory)

    @staticmethod
    def _keys(directory: Path) -> Iterator[str]:
        try:
            shards = sorted(e.name for e in os.scandir(directory) if e.is_dir() and len(e.name) == 2)
            for shard in shards:
                with contextlib.suppress(FileNotFoundError):
                    names = sorted(e.name for e in os.scandir(directory / shard))
                    yield from (name for name in names if KEY.fullmatch(name) and name[:2] == shard)
        except OSError as exc:
            raise StorageError(f"list assets: {exc}") from exc


def _writer_alive(name: str) -> bool:
    """Whether the process that named this temp file (`put-<pid>-...`) still runs."""
    parts = name.split("-")
    if len(parts) < 3 or not parts[1].isdigit():
        return True  # not ours to judge by pid; the age rule applies
    try:
        os.kill(int(parts[1]), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
