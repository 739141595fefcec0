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
    refused = BadInput(f"return URL {value!r} is not a path on this site")
    if len(value) > MAX_LENGTH:
        raise BadInput(f"return URL is longer than {MAX_LENGTH} characters")
    if "\\" in value or any(_invisible(ch) or ch == " " for ch in value):
        raise refused
    candidate = value
    for _round in range(DECODE_ROUNDS):
        # A decoded layer may hold spaces (`?q=a%20b`), but browsers drop tabs and newlines, so the
        # layer must not start like another origin with them removed either.
        if not _is_local(candidate) or not _is_local("".join(ch for ch in candidate if not _invisible(ch))):
            raise refused
        decoded = unquote(candidate)
        if decoded == candidate:
            return value
        candidate = decoded
    raise BadInput(f"return URL {value!r} is encoded too many times")


def _invisible(ch: str) -> bool:
    return ord(ch) < 0x20 or ord(ch) == 0x7F


def _is_local(candidate: str) -> bool:
    if not candidate.startswith("/") or candidate.startswith(("//", "/\\")):
        return False
    parts = urlsplit(candidate)
    return not parts.scheme and not parts.netloc
