#!/usr/bin/env bash
# Installs what Craftology needs on a fresh machine: uv, then the locked environment.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_NATIVE_TLS=1 UV_SYSTEM_CERTS=1
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet uv
fi
uv sync --frozen --quiet
