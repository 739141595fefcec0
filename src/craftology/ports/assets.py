"""Tenant asset store: content-addressed blobs per tenant.

A blob's key is the sha256 of its bytes, so storing the same content twice stores it once. Writes
are atomic: a reader never sees a partial blob. Reads and writes stream in chunks. The embedded
adapter is one directory per tenant; an S3 adapter maps a tenant to a bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class BlobInfo:
    key: str  # sha256 hex of the content
    size: int


@dataclass(frozen=True)
class StoredBlob:
    """A blob as listed for garbage collection."""

    key: str
    size: int
    modified: float  # Unix time of its last put (a put of content already stored refreshes it)


@runtime_checkable
class AssetStore(Protocol):
    def provision(self, tenant: str) -> None:
        """Create the tenant's storage. Idempotent."""

    def drop(self, tenant: str) -> None:
        """Remove the tenant's storage and every blob in it. Idempotent."""

    def put(self, tenant: str, chunks: Iterable[bytes]) -> BlobInfo:
        """Store a stream of bytes; returns its content key. Atomic and idempotent. Storing content
        that is already there refreshes its modification time: the writer is about to reference it,
        so the garbage collector's grace period must start again."""

    def put_bytes(self, tenant: str, data: bytes) -> BlobInfo:
        """Store a small blob held in memory."""

    def stat(self, tenant: str, key: str) -> BlobInfo:
        """Size of a stored blob; raises NotFound."""

    def open(self, tenant: str, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes [start, end) of a blob (end exclusive; None: to the end); raises NotFound."""

    def read_bytes(self, tenant: str, key: str) -> bytes:
        """The whole blob, for small blobs only."""

    def delete(self, tenant: str, key: str, *, modified_before: float | None = None) -> bool:
        """Remove a blob; returns whether this call removed it. Idempotent. With `modified_before`
        (Unix time) only a blob last put before then is removed, and a put racing the removal still
        ends with its blob stored: the garbage collector's guarantee to writers."""

    def keys(self, tenant: str) -> Iterator[str]:
        """Every stored key."""

    def list_blobs(self, tenant: str) -> Iterator[StoredBlob]:
        """Every stored blob with its size and modification time, in key order; raises NotFound
        for a tenant without storage."""

    def sweep_incomplete(self, tenant: str) -> int:
        """Remove what writers that died left half-written (never visible as blobs, but taking
        space); safe while other writers run. Returns how many were removed."""
