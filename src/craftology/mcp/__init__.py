"""MCP servers over a tenant's projects, assets and generation: the same services and policy as the
REST API, served over streamable HTTP at `/mcp` (bearer API tokens) and over stdio (`craftology mcp`).
"""
