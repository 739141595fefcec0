"""Event bus adapters (craftology.ports.events.EventBus) and the polling `follow` tail."""
