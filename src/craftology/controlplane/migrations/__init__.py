"""Alembic migrations of the control-plane database (run by `craftology.controlplane.migrate`)."""
