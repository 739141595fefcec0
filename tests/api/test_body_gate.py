"""Authentication before any body byte is read, and body limits chosen by the route, not by the
Content-Type a client claims. The app runs behind a wrapper that counts the body bytes it pulls."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from craftology.api import ApiDeps, create_app
from craftology.projects.service import ProjectService
from tests.api.asgi_stream import Streamed, stream_to
from tests.api.conftest import MAX_BODY, A, TestClient, assert_problem, authenticate, extra
from tests.principals import default_policy


class BodyMeter:
    """ASGI wrapper recording how many body bytes the app read from the client."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.pulled = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def metered() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                self.pulled += len(message.get("body", b""))
            return message

        await self.app(scope, metered, send)


@pytest.fixture
def metered(store: SqliteMetadataStore) -> Iterator[tuple[TestClient, BodyMeter]]:
    deps = ApiDeps(
        projects=ProjectService(store, default_policy()),
        authenticate=authenticate,
        max_body_bytes=MAX_BODY,
        routers=[extra],
        max_upload_bytes=64 * MAX_BODY,
    )
    meter = BodyMeter(create_app(deps))
    with TestClient(meter, raise_server_exceptions=False) as client:
        yield client, meter


BIG = b"\x89PNG\r\n\x1a\n" + b"x" * (16 * MAX_BODY)


def pieces(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


@pytest.mark.parametrize("chunked", [False, True])
@pytest.mark.parametrize(
    ("method", "path"),
    [("POST", "/v1/projects"), ("PATCH", "/v1/projects/p"), ("PUT", "/v1/extra/upload")],
)
@pytest.mark.parametrize("authorization", [None, "Bearer nope", "Basic Zm9vOmJhcg=="])
def test_no_valid_token_is_401_with_the_body_unread(
    metered: tuple[TestClient, BodyMeter], method: str, path: str, authorization: str | None, chunked: bool
) -> None:
    client, meter = metered
    headers = {"Content-Type": "image/png"}
    if authorization:
        headers["Authorization"] = authorization
    content = pieces(BIG) if chunked else BIG
    response = client.request(method, path, content=content, headers=headers)
    assert_problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert meter.pulled == 0


@pytest.mark.parametrize("content_type", ["image/png", "application/octet-stream", "video/mp4"])
def test_a_json_route_keeps_its_limit_whatever_the_content_type(
    metered: tuple[TestClient, BodyMeter], store: SqliteMetadataStore, content_type: str
) -> None:
    client, meter = metered
    headers = {**A, "Content-Type": content_type}
    assert_problem(client.post("/v1/projects", content=BIG, headers=headers), 413)
    assert meter.pulled == 0  # the declared length was enough to refuse it
    # Without a declared length the body is counted as it comes in (the test client hands it over
    # in one message, so only the answer is checked here).
    assert_problem(client.post("/v1/projects", content=pieces(BIG), headers=headers), 413)
    assert list(store.scan("acme", "projects")) == []


def test_a_streamed_body_is_cut_off_once_it_passes_the_route_limit(
    metered: tuple[TestClient, BodyMeter],
) -> None:
    client, _ = metered
    app = client.app
    chunks = list(pieces(BIG))
    json_route = stream_to(app, "POST", "/v1/projects", {**A, "Content-Type": "image/png"}, chunks)
    assert json_route.status == 413
    assert json_route.pulled <= MAX_BODY // 1000 + 2
    upload_route = stream_to(app, "PUT", "/v1/extra/upload", {**A, "Content-Type": "image/png"}, chunks)
    assert upload_route == Streamed(200, len(chunks))
    forged = stream_to(app, "PUT", "/v1/extra/upload", {"Authorization": "Bearer nope"}, chunks)
    assert forged == Streamed(401, 0)


def test_only_the_route_that_declares_a_large_body_gets_the_upload_limit(
    metered: tuple[TestClient, BodyMeter],
) -> None:
    client, _ = metered
    headers = {**A, "Content-Type": "application/json"}
    fits = client.put("/v1/extra/upload", content=BIG, headers=headers)
    assert fits.status_code == 200, fits.text
    assert fits.json() == {"size": len(BIG)}
    assert_problem(client.put("/v1/extra/upload", content=BIG * 5, headers=headers), 413)


def test_an_authenticated_request_reaches_the_route_with_its_tenant(
    metered: tuple[TestClient, BodyMeter],
) -> None:
    client, meter = metered
    created = client.post("/v1/projects", json={"name": "Gate"}, headers=A)
    assert created.status_code == 201, created.text
    assert meter.pulled > 0
    assert client.get("/v1/projects", headers=A).json()["items"][0]["name"] == "Gate"
