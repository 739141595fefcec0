"""Registry tests run on both control-plane engines, like tests/controlplane."""

from __future__ import annotations

from tests.controlplane.conftest import db_url, engine  # noqa: F401
from tests.pg_server import fresh_postgres_db, postgres_url  # noqa: F401
