"""The OpenAPI document of the whole API (core and sync routes) states what the handlers do."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from craftology.api.params import ID
from craftology.projects.models import Id
from tests.api.fuzz_app import openapi_document

DOCUMENT = openapi_document()


def operation(method: str, path: str) -> dict[str, Any]:
    found: dict[str, Any] = DOCUMENT["paths"][path][method]
    return found


def _constrained(schema: dict[str, Any]) -> bool:
    """A pattern, or an enumeration (an enum's schema is a reference to its component)."""
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return bool(schema.get("pattern") or schema.get("enum"))


def test_every_path_parameter_has_a_pattern() -> None:
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            for parameter in op.get("parameters", []):
                if parameter["in"] == "path":
                    assert _constrained(parameter["schema"]), (method, path, parameter["name"])
    assert TypeAdapter(Id).json_schema()["pattern"] == f"^{ID}$"


def test_edits_require_if_match_and_document_412_and_428() -> None:
    edits = [
        (method, path)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in ("patch", "delete")
    ]
    assert edits
    for method, path in edits:
        op = operation(method, path)
        (if_match,) = [p for p in op["parameters"] if p["name"].lower() == "if-match"]
        assert if_match["required"] is True
        assert if_match["schema"]["pattern"]
        assert {"412", "428", "401", "404", "413"} <= set(op["responses"]), (method, path)


def test_statuses_of_runs_uploads_and_downloads_are_documented() -> None:
    assert "409" in operation("post", "/v1/projects/{project_id}/runs")["responses"]
    upload = operation("put", "/v1/projects/{project_id}/targets/{target}/upload")
    assert set(upload["requestBody"]["content"]) == {"image/png", "image/jpeg", "image/webp", "video/mp4"}
    assert {"413", "422"} <= set(upload["responses"])
    download = operation("get", "/v1/assets/{asset_id}/content")
    assert {"200", "206", "416"} <= set(download["responses"])
    assert download["responses"]["200"]["headers"]["X-Content-Type-Options"]["required"] is True
    assert "range" in {p["name"].lower() for p in download["parameters"]}
