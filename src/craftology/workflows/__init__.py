"""Durable execution of sync plans on Temporal: the embedded dev server, the sync-run workflow, its
activities and worker helpers.

Kept import-free on purpose: the workflow sandbox re-imports workflow modules, and pulling the worker or
the activities in from here would drag non-deterministic code into it.
"""
