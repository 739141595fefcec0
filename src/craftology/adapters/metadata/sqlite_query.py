"""SQL pieces of `find` for the SQLite metadata store: opaque cursors and JSON equality filters."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from craftology.errors import BadInput

WHERE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # safe inside a quoted JSON path


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise BadInput(f"invalid cursor {cursor!r}") from exc


def where_sql(where: dict[str, Any]) -> tuple[list[str], list[Any]]:
    """JSON equality per key: the JSON type must match too, so 1 matches neither "1" nor true."""
    clauses: list[str] = []
    params: list[Any] = []
    for key, value in where.items():
        if not isinstance(key, str) or not WHERE_KEY.fullmatch(key):
            raise BadInput(f"invalid filter field {key!r}")
        path = f'$."{key}"'
        if value is None:
            clauses.append("json_type(data, ?) = 'null'")
            params.append(path)
        elif isinstance(value, bool):
            clauses.append("json_type(data, ?) = ?")
            params += [path, "true" if value else "false"]
        elif isinstance(value, int | float):
            clauses.append("json_type(data, ?) IN ('integer', 'real') AND json_extract(data, ?) = ?")
            params += [path, path, value]
        elif isinstance(value, str):
            clauses.append("json_type(data, ?) = 'text' AND json_extract(data, ?) = ?")
            params += [path, path, value]
        else:
            raise BadInput(f"filter on {key!r}: only strings, numbers, booleans and null are supported")
    return clauses, params
