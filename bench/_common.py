"""Shared helpers for benchmarks: argument parsing and output (one JSON object with --json)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# A script's own folder comes first on sys.path, and bench/mcp.py shares its name with the `mcp`
# package the API imports: move the folder last, so the bench's modules stay importable and
# installed packages win. Every bench script imports this module before Craftology's.
_HERE = Path(__file__).resolve().parent
if sys.path and sys.path[0] and Path(sys.path[0]).resolve() == _HERE:
    sys.path.append(sys.path.pop(0))


def parse_args(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser.parse_args()


def emit(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result) + "\n")
        return
    width = max(len(key) for key in result)
    for key, value in result.items():
        sys.stdout.write(f"{key:<{width}}  {value}\n")
