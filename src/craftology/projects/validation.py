"""Turning client input into domain records: pydantic errors as BadInput, merge patches, new ids."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from craftology.errors import BadInput

M = TypeVar("M", bound=BaseModel)

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_MAX = 40  # leaves room for the suffix inside the 64-character Id pattern


def describe(error: ValidationError) -> list[dict[str, str]]:
    """Field paths and messages of a pydantic error, as plain JSON."""
    return [
        {"loc": ".".join(str(part) for part in item["loc"]) or "(body)", "msg": item["msg"]}
        for item in error.errors()
    ]


def validate(model: type[M], data: Any) -> M:
    """Validate `data` as `model`; failures become one BadInput listing every field and message."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        errors = describe(error)
        detail = "; ".join(f"{item['loc']}: {item['msg']}" for item in errors)
        raise BadInput(detail, errors=errors) from None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: objects merge recursively, null removes a member, anything else
    replaces. Returns a new value; neither argument is modified."""
    if not isinstance(patch, Mapping):
        return patch
    merged: dict[str, Any] = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def new_id(label: str, fallback: str) -> str:
    """A readable, unguessable id: a slug of `label` plus a random suffix (matches the Id pattern)."""
    slug = _NOT_SLUG.sub("-", label.lower()).strip("-")[:_SLUG_MAX].strip("-") or fallback
    return f"{slug}-{secrets.token_hex(3)}"
