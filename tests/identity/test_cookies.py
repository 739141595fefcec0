from __future__ import annotations

from datetime import timedelta

import pytest

from craftology.errors import Forbidden
from craftology.identity.cookies import (
    CSRF_HEADER,
    CookiePolicy,
    check_csrf,
    is_loopback,
    normalize_origin,
    own_origin,
)
from craftology.ports.sessions import csrf_token_for, new_session_id

SID = new_session_id()
TOKEN = csrf_token_for(SID)
APP = "https://app.example.com"


def attributes(header: str) -> list[str]:
    return [part.strip() for part in header.split(";")]


def test_secure_cookie_has_every_protective_attribute() -> None:
    header = CookiePolicy().set_cookie(SID, host="app.example.com", max_age=timedelta(hours=2))
    first, *rest = attributes(header)
    assert first == f"__Host-craftology_session={SID}"
    assert set(rest) == {"Path=/", "HttpOnly", "SameSite=Lax", "Secure", "Max-Age=7200"}
    assert not any(a.lower().startswith("domain") for a in rest)  # __Host- forbids a Domain


def test_browser_session_cookie_has_no_max_age() -> None:
    header = CookiePolicy().set_cookie(SID, host="app.example.com")
    assert not any(a.startswith("Max-Age") for a in attributes(header))


def test_insecure_cookie_only_for_loopback_development() -> None:
    policy = CookiePolicy(secure=False)
    header = policy.set_cookie(SID, host="localhost:8080")
    assert attributes(header)[0] == f"craftology_session={SID}"  # no __Host- without Secure
    assert "Secure" not in attributes(header)
    assert {"HttpOnly", "SameSite=Lax", "Path=/"} <= set(attributes(header))
    assert policy.set_cookie(SID, host="127.0.0.1:8080")
    with pytest.raises(Forbidden, match="serve over https"):
        policy.set_cookie(SID, host="app.example.com")
    with pytest.raises(Forbidden):
        policy.set_cookie(SID, host="192.168.1.20:8080")


def test_clear_cookie_expires_it_with_the_same_attributes() -> None:
    assert attributes(CookiePolicy().clear_cookie()) == [
        "__Host-craftology_session=",
        "Path=/",
        "HttpOnly",
        "SameSite=Lax",
        "Secure",
        "Max-Age=0",
    ]


def test_read_finds_our_cookie_among_sloppy_ones() -> None:
    policy = CookiePolicy()
    header = f'tracking="a b"; bad cookie; craftology_session=plain; __Host-craftology_session={SID}; x=1'
    assert policy.read(header) == SID
    assert CookiePolicy(secure=False).read(header) == "plain"
    assert policy.read("other=1") is None
    assert policy.read("__Host-craftology_session=") is None
    assert policy.read(None) is None


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("localhost", True),
        ("localhost:8080", True),
        ("dev.localhost", True),
        ("127.0.0.1:8080", True),
        ("127.9.9.9", True),
        ("[::1]:8080", True),
        ("example.com", False),
        ("localhost.example.com", False),
        ("10.0.0.1", False),
        ("", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_origin_normalisation() -> None:
    assert normalize_origin("HTTPS://App.Example.com:443") == APP
    assert normalize_origin("http://localhost:8080/") == "http://localhost:8080"
    assert own_origin("https", "app.example.com") == APP
    for bad in ["null", "", "https://a.com/path", "javascript:alert(1)", "https://a.com:99999"]:
        assert normalize_origin(bad) is None


def csrf(**overrides: object) -> None:
    request: dict[str, object] = {
        "method": "POST",
        "expected_token": TOKEN,
        "header_token": TOKEN,
        "origin": APP,
        "allowed_origins": [APP],
        "sec_fetch_site": "same-origin",
    }
    request.update(overrides)
    check_csrf(**request)  # type: ignore[arg-type]


def test_same_origin_write_with_the_token_passes() -> None:
    csrf()
    csrf(origin=None, sec_fetch_site=None)  # a non-browser client sending the token
    csrf(origin="https://APP.example.com:443")


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS", "get"])
def test_safe_methods_need_no_token(method: str) -> None:
    csrf(method=method, header_token=None, origin="https://evil.example")


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_unsafe_methods_need_the_token(method: str) -> None:
    with pytest.raises(Forbidden, match=f"missing {CSRF_HEADER}"):
        csrf(method=method, header_token=None)
    with pytest.raises(Forbidden, match="does not match"):
        csrf(method=method, header_token=csrf_token_for(new_session_id()))  # another session's token


@pytest.mark.parametrize("token", ["", "x", TOKEN[:-1], TOKEN + "0", "é" * 64, TOKEN.upper()])
def test_wrong_tokens_are_refused(token: str) -> None:
    with pytest.raises(Forbidden):
        csrf(header_token=token)


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://app.example.com", "garbage"])
def test_foreign_origins_are_refused_even_with_the_token(origin: str) -> None:
    with pytest.raises(Forbidden, match="origin"):
        csrf(origin=origin)


def test_a_browser_labelled_cross_site_request_is_refused() -> None:
    with pytest.raises(Forbidden, match="cross-site"):
        csrf(sec_fetch_site="cross-site", origin=None)
