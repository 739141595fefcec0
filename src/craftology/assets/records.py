"""How target state and assets are kept in a tenant's metadata store.

`targets`: one record per target that has ever had an accepted asset or a pin (id = the target id):
{"target", "accepted_asset_id", "provenance", "pinned"}.
`assets`: one record per asset: {"target", "fingerprint", "blob_key", "size", "content_type",
"provenance", "source" ("generated" | "upload"), "metadata", "run_id", "created_at"}.
A generated asset's id derives from (target, fingerprint), so recording it twice records it once.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

TARGETS = "targets"
ASSETS = "assets"


def generated_asset_id(target: str, fingerprint: str) -> str:
    return "g" + hashlib.sha256(f"{target}\n{fingerprint}".encode()).hexdigest()[:31]


def uploaded_asset_id() -> str:
    return "u" + uuid.uuid4().hex[:31]


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def target_record(
    target: str, accepted_asset_id: str | None, provenance: dict[str, Any] | None, pinned: bool
) -> dict[str, Any]:
    return {
        "target": target,
        "accepted_asset_id": accepted_asset_id,
        "provenance": provenance,
        "pinned": pinned,
    }
