"""Event bus adapters (craftology.ports.events) and the polling `follow` tail."""
