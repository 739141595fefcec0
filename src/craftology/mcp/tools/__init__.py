"""The MCP tools, one module per area; importing this package registers them all."""

from craftology.mcp.tools import assets, generation, projects, shots, sync

__all__ = ["assets", "generation", "projects", "shots", "sync"]
