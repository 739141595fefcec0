"""Tenants' provider keys, stored encrypted in the control plane under a master key."""
