"""Sync runs: the glue between the sync engine, the stores, the generators and Temporal."""
