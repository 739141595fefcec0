"""Shared helpers for benchmarks: argument parsing and output (one JSON object with --json)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


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
