"""Chat adapters (the OpenAI Chat Completions API and its compatibles) and structured output."""
