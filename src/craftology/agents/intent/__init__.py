"""Intent detection: which of the platform's intents a message is, with its slots."""

from craftology.agents.intent.engine import EmbeddedIntentEngine

__all__ = ["EmbeddedIntentEngine"]
