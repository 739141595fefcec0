"""The `craftology` command line."""

from __future__ import annotations

from craftology.cli.app import app


def main() -> None:
    app()
