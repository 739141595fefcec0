"""One typing.Protocol per swappable service. Adapters live in craftology.adapters.<port>."""
