#!/usr/bin/env bash
# The test command: installs everything the tests need (Python environment, PostgreSQL server
# binaries), then runs the linters, the type checker and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/install-servers.sh
uv run --frozen ruff check src tests bench
uv run --frozen ruff format --check src tests bench
uv run --frozen mypy --strict src
uv run --frozen pytest "$@"
