#!/usr/bin/env bash
# Installs what Craftology needs on a fresh machine: uv, then the locked environment (.venv).
# uv is called as `python3 -m uv` so a freshly pip-installed uv works before any shell rehash.
set -euo pipefail
cd "$(dirname "$0")/.."
export UV_NATIVE_TLS=1 UV_SYSTEM_CERTS=1
if ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
python3 -m uv sync --frozen --quiet
