"""Adapters: one module per technology behind each port (`metadata.sqlite`, `assets.local`, ...).

Packages import nothing heavy on purpose: the composition root imports only the engine it chooses.
"""
