"""The session's Temporal dev server and a fresh task queue per test, as tests/workflows has them."""

from tests.workflows.conftest import task_queue, temporal_server

__all__ = ["task_queue", "temporal_server"]
