#!/usr/bin/env bash
# The test command: installs everything the tests need (Python environment; PostgreSQL, Redis and
# Keycloak for the integration tests, which start them), then runs the linters, the type checker and
# the whole test suite from the locked .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash scripts/install-servers.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy --strict src
.venv/bin/pytest "$@"
