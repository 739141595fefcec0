"""Tenant metadata store adapters (craftology.ports.metadata.MetadataStore)."""
