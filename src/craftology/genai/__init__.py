"""The Gen AI service: calls to third-party model APIs with each tenant's own provider keys."""
