"""Agents: turn what people write into project data."""
