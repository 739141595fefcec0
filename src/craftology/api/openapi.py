"""What FastAPI cannot derive from the code, added to the OpenAPI document in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from craftology.api.preconditions import IF_MATCH_PATTERN


def _require_if_match(document: dict[str, Any]) -> None:
    """If-Match is optional to FastAPI only so that its absence can be a 428 rather than a schema
    error; to a client it is required, with the shape of an entity tag."""
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
                    parameter["required"] = True
                    parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN, "title": "If-Match"}


def install_openapi(app: FastAPI) -> None:
    generate = app.openapi

    def document() -> dict[str, Any]:
        built = generate()  # FastAPI caches it: the changes below are made once and stay
        _require_if_match(built)
        return built

    app.openapi = document  # type: ignore[method-assign]
