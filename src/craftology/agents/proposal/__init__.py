"""The project creation agent: a brief becomes a proposed project, edited and saved when approved."""
