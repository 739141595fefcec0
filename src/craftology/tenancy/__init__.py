"""Tenants, their sandboxes (metadata store + asset storage) and their API tokens."""
