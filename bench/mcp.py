"""MCP tool calls against the REST API doing the same work, in the same run.

    python bench/mcp.py --json

The API as `craftology up` builds it (embedded engines, rate limits off) is served by uvicorn on a
loopback port. One unit of work reads a project and the first page (20) of its shots; it is done
alternately through REST (`GET /v1/projects/{id}`, `GET /v1/projects/{id}/shots?limit=20`, one
keep-alive connection) and through MCP over streamable HTTP (tools `get_project` and `list_shots`, one
client session of the SDK), so both see the same machine state. Each side reports calls per second
and the p50 latency of one call; the ratios are MCP over REST.

The measuring code is in bench/_mcp_calls.py: this file is named like the MCP SDK's package, and a
script's own directory comes first on the import path, so it moves that directory last first.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [entry for entry in sys.path if entry not in ("", _HERE)] + [_HERE]

from _mcp_calls import main  # noqa: E402

if __name__ == "__main__":
    main(__doc__ or "")
