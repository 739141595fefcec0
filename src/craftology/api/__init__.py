"""REST API: app factory, problem+json errors, auth, pagination and byte-range helpers."""

from craftology.api.app import create_app
from craftology.api.deps import ApiDeps, Authenticate, Tenant, current_tenant

__all__ = ["ApiDeps", "Authenticate", "Tenant", "create_app", "current_tenant"]
