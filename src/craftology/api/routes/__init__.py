"""Routers of the core API; each is mounted under /v1 behind bearer authentication."""
