"""Rate limiter adapters: `controlplane` (a table of the control-plane database) and `redis`."""
