"""Where the browser may be sent after login: only a path on this site.

The return URL arrives from the browser (a query parameter), so it is attacker-controlled. Anything
that a browser could resolve to another origin is refused: absolute URLs, scheme-relative `//host`,
`/\\host` (browsers treat a backslash as a slash), control characters and whitespace (stripped by
browsers, so `/\\t/host` becomes `//host`), and the same tricks percent-encoded once or several times.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from craftology.errors import BadInput

MAX_LENGTH = 2048
# Each round of decoding undoes one layer of percent-encoding; more layers than this is not a real path.
DECODE_ROUNDS = 4


def safe_return_path(value: str | None) -> str:
    """`value` unchanged when it is a same-origin path; "/" when absent; BadInput otherwise."""
    if value is None or value == "":
        return "/"
    if len(value) > MAX_LENGTH:
        raise BadInput(f"return URL is longer than {MAX_LENGTH} characters")
    candidate = value
    for _round in range(DECODE_ROUNDS):
        _require_local_path(candidate, original=value)
        decoded = unquote(candidate)
        if decoded == candidate:
            return value
        candidate = decoded
    raise BadInput(f"return URL {value!r} is encoded too many times")


def _require_local_path(candidate: str, original: str) -> None:
    refused = BadInput(f"return URL {original!r} is not a path on this site")
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        raise refused
    if "\\" in candidate or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        raise refused
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc:
        raise refused
