"""The chat agent: a person's message becomes an intent, the intent becomes MCP tool calls made as
that person, and anything that spends or deletes waits for their explicit confirmation."""
