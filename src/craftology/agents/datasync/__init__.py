"""The data-sync agent: hears a project's edits, waits for a burst to end, plans, and starts the sync
(or asks for approval when it would cost more than the project allows), telling the project's
activity feed what it did and why.

Pieces: `consumer` reads every tenant's change feed from a position kept in the control plane and
signals (signal-with-start) one `ProjectSyncAgentWorkflow` per project; the workflow debounces and
runs the `decide` activity; `agent` holds the decision and the approval; `feed` stores the entries.
"""
