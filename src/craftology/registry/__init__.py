"""Model registry: metadata of the generation models (never weights), their cost and which one serves
each target kind."""
