"""The OIDC routes exist only when OIDC is configured, and their OpenAPI description is precise (the
fuzz app configures no OIDC, so these routes are not fuzzed; these checks stand in for it)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from craftology.cli.serve import build_api
from craftology.config import Settings
from craftology.container import build_container
from tests.identity.oidc.conftest import oidc_settings

ROUTES = {
    ("get", "/auth/oidc/login"),
    ("get", "/auth/callback"),
    ("post", "/auth/oidc/logout"),
    ("post", "/auth/backchannel-logout"),
}


def _document(settings: Settings) -> dict[str, Any]:
    container = build_container(settings)
    try:
        document: dict[str, Any] = build_api(container).openapi()
        return document
    finally:
        container.close()


def _operations(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(method, path) for path, item in document["paths"].items() for method in item}


def _nobody_listens() -> str:
    with socket.socket() as sock:  # building the app must not need the provider to answer
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/realms/none"


def test_oidc_routes_are_mounted_only_when_configured(tmp_path: Path) -> None:
    assert not ROUTES & _operations(_document(Settings(data_dir=tmp_path / "off")))
    configured = Settings(data_dir=tmp_path / "on", oidc=oidc_settings(_nobody_listens()))
    assert _operations(_document(configured)) >= ROUTES


def test_oidc_routes_are_described_precisely(tmp_path: Path) -> None:
    document = _document(Settings(data_dir=tmp_path, oidc=oidc_settings(_nobody_listens())))
    paths = document["paths"]
    for method, path in ROUTES:
        operation = paths[path][method]
        assert operation["description"] or operation["summary"], (method, path)
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            text = next((s for s in schema.get("anyOf", [schema]) if s.get("type") == "string"), None)
            assert text is not None, (method, path, parameter["name"])
            assert text.get("maxLength"), (method, path, parameter["name"])

    login, callback = paths["/auth/oidc/login"]["get"], paths["/auth/callback"]["get"]
    for operation in (login, callback):
        assert "Location" in operation["responses"]["302"]["headers"]
        assert "503" in operation["responses"]
    assert {"401", "403", "409", "422"} <= set(callback["responses"])
    assert "303" in paths["/auth/oidc/logout"]["post"]["responses"]

    backchannel = paths["/auth/backchannel-logout"]["post"]
    assert {"200", "400"} <= set(backchannel["responses"])
    form = backchannel["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    schemas = document["components"]["schemas"]
    fields = schemas[form["$ref"].rsplit("/", 1)[-1]]["properties"] if "$ref" in form else form["properties"]
    assert fields["logout_token"]["maxLength"]
