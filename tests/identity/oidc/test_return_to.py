"""The return URL after login: same-site paths pass unchanged, every way off the site is refused."""

from __future__ import annotations

import pytest

from craftology.errors import BadInput
from craftology.identity.oidc import safe_return_path


@pytest.mark.parametrize(
    "path",
    ["/", "/projects", "/projects/p1?tab=clips&sort=-created", "/a/b#frag", "/search?q=a%20b", "/x%2Fy"],
)
def test_same_site_paths_pass_unchanged(path: str) -> None:
    assert safe_return_path(path) == path


@pytest.mark.parametrize("missing", [None, ""])
def test_no_return_url_means_home(missing: str | None) -> None:
    assert safe_return_path(missing) == "/"


@pytest.mark.parametrize(
    "hostile",
    [
        "https://evil.test/",
        "http:evil.test",
        "javascript:alert(1)",
        "//evil.test",
        "///evil.test",
        "/\\evil.test",
        "\\\\evil.test",
        "/\t/evil.test",
        "/\n/evil.test",
        " /evil",
        "evil.test/path",
        "%2F%2Fevil.test",
        "/%2F%2Fevil.test",
        "/%2fevil.test",
        "/%5Cevil.test",
        "/%252F%252Fevil.test",
        "/%09/evil.test",
        "/" + "a" * 3000,
    ],
)
def test_ways_off_the_site_are_refused(hostile: str) -> None:
    with pytest.raises(BadInput, match="return URL"):
        safe_return_path(hostile)
