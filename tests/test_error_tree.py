"""Every error the platform raises for a bad request is declared in craftology.errors.

The retry policy of the workflows derives which errors not to retry from the error tree it sees when
it is imported (craftology.workflows.retry); a 4xx error class declared in another module would be
missing from it whenever that module happens to be imported later.
"""

from __future__ import annotations

import importlib
import pkgutil

import craftology
from craftology.errors import CraftologyError
from craftology.workflows.retry import NON_RETRYABLE_ERROR_TYPES


def _all_error_classes() -> list[type[CraftologyError]]:
    for module in pkgutil.walk_packages(craftology.__path__, "craftology."):
        if ".migrations" not in module.name:  # alembic's scripts run only inside alembic
            importlib.import_module(module.name)
    found: list[type[CraftologyError]] = []
    pending = list(CraftologyError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        found.append(cls)
    return found


def test_every_request_class_error_is_declared_with_the_error_tree() -> None:
    request_errors = [cls for cls in _all_error_classes() if 400 <= cls.status_code < 500]
    elsewhere = sorted(f"{cls.__module__}.{cls.__name__}" for cls in request_errors
                       if cls.__module__ != "craftology.errors")  # fmt: skip
    assert elsewhere == [], "declare these in craftology.errors"
    assert set(NON_RETRYABLE_ERROR_TYPES) == {cls.__name__ for cls in request_errors}
