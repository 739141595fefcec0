"""Policy-based access control with Cedar.

- `vocabulary`: the Cedar schema (principals, actions and their groups, resources) and the global
  default policies, both as files beside this module.
- `evaluate`: pure functions from (policies, principal, action, resource, grant) to a Decision.
- `center`: the PBAC center; versioned policy sets (global and per tenant) in the control plane.
- `grants`: B2B grants, one tenant letting another read a resource until a date.
- `agent`: the PolicyPort implementation every service asks; decides locally from the center's
  current version, with a decision cache and audit events.
"""
