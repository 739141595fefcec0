from __future__ import annotations

from collections.abc import Iterator

import pytest

from craftology.adapters.metadata.sqlite import SqliteMetadataStore
from tests.api.conftest import MAX_BODY, A, TestClient, assert_problem


def test_missing_or_unknown_token_is_401_with_challenge(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = client.get("/v1/projects", headers=headers)
        assert_problem(response, 401)
        assert response.headers["www-authenticate"] == "Bearer"
    assert client.get("/healthz").json() == {"status": "ok"}


def test_if_match_is_required_and_checked(client: TestClient, project: str) -> None:
    url = f"/v1/projects/{project}"
    assert_problem(client.patch(url, json={"name": "x"}, headers=A), 428)
    assert_problem(client.delete(url, headers=A), 428)
    stale = client.patch(url, json={"name": "x"}, headers={**A, "If-Match": '"7"'})
    assert assert_problem(stale, 412)["current_revision"] == 1
    assert_problem(client.patch(url, json={"name": "x"}, headers={**A, "If-Match": 'W/"1"'}), 412)
    assert client.patch(url, json={"name": "x"}, headers={**A, "If-Match": '"1"'}).status_code == 200
    assert_problem(client.delete(url, headers={**A, "If-Match": '"1"'}), 412)
    assert client.get(url, headers=A).json()["name"] == "x"


def test_malformed_json_is_400(client: TestClient, project: str) -> None:
    headers = {**A, "Content-Type": "application/json"}
    body = assert_problem(client.post("/v1/projects", content=b'{"name": ', headers=headers), 400)
    assert body["type"] == "/problems/malformed-json"
    patch = client.patch(f"/v1/projects/{project}", content=b"{oops", headers={**headers, "If-Match": "*"})
    assert_problem(patch, 400)
    assert_problem(client.patch(f"/v1/projects/{project}", json=[1], headers={**A, "If-Match": "*"}), 422)


def test_unknown_route_and_method(client: TestClient) -> None:
    assert_problem(client.get("/v2/nothing", headers=A), 404)
    wrong_method = client.put("/v1/projects", headers=A)
    assert_problem(wrong_method, 405)
    assert "POST" in wrong_method.headers["allow"]


def test_unexpected_errors_leak_nothing(client: TestClient) -> None:
    body = assert_problem(client.get("/v1/extra/boom", headers=A), 500)
    assert "secret" not in str(body)
    assert "Traceback" not in str(body)


def chunks(total: int) -> Iterator[bytes]:
    payload = b'{"name": "' + b"x" * total + b'"}'
    for start in range(0, len(payload), 1000):
        yield payload[start : start + 1000]


@pytest.mark.parametrize("chunked", [False, True])
def test_oversize_json_body_is_413(client: TestClient, store: SqliteMetadataStore, chunked: bool) -> None:
    headers = {**A, "Content-Type": "application/json"}
    content: bytes | Iterator[bytes] = chunks(MAX_BODY) if chunked else b"".join(chunks(MAX_BODY))
    response = client.post("/v1/projects", content=content, headers=headers)
    assert response.request.headers.get("transfer-encoding") == ("chunked" if chunked else None)
    assert_problem(response, 413)
    assert list(store.scan("acme", "projects")) == []
    small = client.post("/v1/projects", content=chunks(100), headers=headers)
    assert small.status_code == 201


def test_uploads_have_their_own_limit(client: TestClient) -> None:
    headers = {**A, "Content-Type": "application/octet-stream"}
    fits = client.put("/v1/extra/upload", content=iter([b"a" * MAX_BODY] * 3), headers=headers)
    assert fits.json() == {"size": 3 * MAX_BODY}
    assert_problem(client.put("/v1/extra/upload", content=iter([b"a" * MAX_BODY] * 5), headers=headers), 413)
    assert_problem(client.put("/v1/extra/upload", content=b"a" * 5 * MAX_BODY, headers=headers), 413)


def test_405_allows_every_method_of_the_path(client: TestClient, project: str) -> None:
    response = client.put(f"/v1/projects/{project}", headers=A)
    assert_problem(response, 405)
    assert response.headers["allow"] == "DELETE, GET, PATCH"
    assert client.put("/v1/projects", headers=A).headers["allow"] == "GET, POST"


def test_a_malformed_if_match_is_422(client: TestClient, project: str) -> None:
    url = f"/v1/projects/{project}"
    assert_problem(client.patch(url, json={"name": "x"}, headers={**A, "If-Match": "1"}), 422)
    assert_problem(client.patch(url, json={"name": "x"}, headers={**A, "If-Match": '"1", "2"'}), 422)
    assert client.get(url, headers=A).json()["revision"] == 1
