"""Craftology: multi-tenant AI content production with change-driven regeneration."""

__version__ = "0.1.0"
