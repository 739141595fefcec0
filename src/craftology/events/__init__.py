"""Events as product facts: the catalogue of event types (with deterministic ids), the outbox that
writes an event in the same transaction as the change it describes, and the relay that publishes it."""
