"""SQL pieces of `find` for the SQLite metadata store: opaque cursors, JSON equality filters and
ordering by a data field."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

from craftology.errors import BadInput

# A field to order by is written into the SQL (an expression index only serves the very same text),
# so it must be a plain name: the rule of collection names.
ORDER_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
WHERE_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")  # safe inside a quoted JSON path


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        return base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise BadInput(f"invalid cursor {cursor!r}") from exc


Position = tuple[str | int | float, str]  # (a field's value, record id)


def order_value_sql(field: str) -> str:
    """The SQL expression of a field's value, spelled as the schema's expression indexes spell it."""
    if not isinstance(field, str) or not ORDER_FIELD.fullmatch(field):
        raise BadInput(f"invalid order field {field!r}")
    return f"json_extract(data, '$.{field}')"


def check_position(position: object, what: str) -> Position:
    if (
        isinstance(position, tuple | list)
        and len(position) == 2
        and isinstance(position[0], str | int | float)
        and not isinstance(position[0], bool)
        and isinstance(position[1], str)
    ):
        return (position[0], position[1])
    raise BadInput(f"{what}: expected a (value, id) position, got {position!r}")


def encode_position(position: Position) -> str:
    return encode_cursor(json.dumps(list(position), separators=(",", ":")))


def decode_position(cursor: str) -> Position:
    try:
        value = json.loads(decode_cursor(cursor))
    except ValueError as exc:
        raise BadInput(f"invalid cursor {cursor!r}") from exc
    return check_position(tuple(value) if isinstance(value, list) else value, f"cursor {cursor!r}")


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
