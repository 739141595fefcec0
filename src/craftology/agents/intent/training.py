"""The training set that ships with the package (training.tsv beside this file)."""

from __future__ import annotations

from importlib import resources

from craftology.ports.intent import Intent


def training_set() -> list[tuple[str, Intent]]:
    """(message, intent) pairs, in file order."""
    text = resources.files(__package__).joinpath("training.tsv").read_text(encoding="utf-8")
    pairs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        intent, sep, message = line.partition("\t")
        if not sep or not message.strip():
            raise ValueError(f"training.tsv line {number}: expected 'intent<TAB>message'")
        pairs.append((message.strip(), Intent(intent)))
    return pairs
