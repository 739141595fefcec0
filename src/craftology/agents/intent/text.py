"""How the intent engine reads a message: one normal form shared by the classifier and the slot rules."""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "`": "'"})
_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


def plain(text: str) -> str:
    """Accents and curly quotes made plain, runs of white space made one space; case is kept, as
    names are read from this form."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_QUOTES))
    return " ".join("".join(ch for ch in decomposed if not unicodedata.combining(ch)).split())


def normal(text: str) -> str:
    """The plain form in lower case: what the classifier reads."""
    return plain(text).lower()


def words(text: str) -> list[str]:
    """The words of a normal-form message; "shot's" and "3.5" stay one word each."""
    return _WORD.findall(text)
