"""Control-plane database: tenants, users, tokens, the model registry, the projects index and runs.

SQLAlchemy Core tables on one `Engine`; SQLite by default, PostgreSQL when configured. One set of
Alembic migrations (in ``migrations/``) serves both engines.
"""
