"""Generation models behind the Generator port (craftology.ports.generator)."""
