"""Tenant asset store adapters (craftology.ports.assets.AssetStore)."""
