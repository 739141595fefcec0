"""Noun phrases out of prose: which lexicon nouns a text mentions, with the words around each that
describe it ("an OLD lighthouse keeper WITH A GREY BEARD", "a GINGER cat", "a red umbrella").

Rules only: tokens, the longest lexicon phrase at each place, modifiers read backwards up to a stop
word, and attachments ("with ...", "wearing ...", "in ...") read forwards clause by clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from craftology.agents.proposal.lexicon import ATTACH, BODY, CLOTHES, NOUNS, STOP, Noun
from craftology.projects.models import CardKind

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[.,;:!?()\n\"]", re.IGNORECASE)
_LONGEST = max(len(phrase.split()) for phrase in NOUNS)
_MAX_MODIFIERS = 4
_MAX_ATTACHED = 12
_CLAUSE_END = frozenset({"and", ",", "who", "that", "which", "while", "as"})


@dataclass(frozen=True)
class Token:
    text: str  # lower case
    start: int  # span in the original text
    end: int


@dataclass
class Mention:
    """One place a text names a lexicon noun."""

    phrase: str  # the lexicon phrase
    noun: Noun
    first: int  # token indices [first, last)
    last: int
    modifiers: list[str] = field(default_factory=list)  # words before it that describe it
    attached: list[list[str]] = field(default_factory=list)  # "with a grey beard" -> ["grey", "beard"]
    given_name: str | None = None  # "a girl named Mia"
    source: str = ""  # the words of the phrase as written
    worn: bool = False  # named inside another's description ("a keeper in a yellow COAT")
    qualifier: str | None = None  # a place naming the kind of thing ("TRAIL shoes", "KITCHEN knife")


def tokenize(text: str) -> list[Token]:
    return [Token(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def _singular(word: str) -> str:
    if word in NOUNS:
        return word
    for suffix, replacement in (("ies", "y"), ("es", ""), ("s", "")):
        if word.endswith(suffix) and word[: -len(suffix)] + replacement in NOUNS:
            return word[: -len(suffix)] + replacement
    return word


def _match_at(tokens: list[Token], index: int) -> tuple[str, int] | None:
    """The longest lexicon phrase starting at `index`, with its length in tokens."""
    for length in range(min(_LONGEST, len(tokens) - index), 0, -1):
        words = [t.text for t in tokens[index : index + length]]
        words[-1] = _singular(words[-1])
        phrase = " ".join(words)
        if phrase in NOUNS:
            return phrase, length
    return None


def _is_word(token: Token) -> bool:
    return token.text[0].isalnum()


def _modifiers(tokens: list[Token], first: int, taken: set[int], own: int) -> list[str]:
    """The describing words before token `first`; tokens from `own` on are the mention's own (the
    "desert" of "desert planet"), other mentions' tokens end the run."""
    words: list[str] = []
    index = first - 1
    while index >= 0 and len(words) < _MAX_MODIFIERS:
        token = tokens[index]
        if (
            (index in taken and index < own)
            or not _is_word(token)
            or token.text in STOP
            or token.text.isdigit()
        ):
            break
        words.insert(0, token.text)
        index -= 1
    return words


def _attached(tokens: list[Token], last: int, taken: set[int]) -> tuple[list[list[str]], int]:
    """Clauses after the noun that describe its body or clothes ("with a grey beard and a yellow
    oilskin", "wearing a red coat"), and the index of the last token they use. Stops at the first
    clause that is about something else."""
    if last >= len(tokens) or tokens[last].text not in ATTACH:
        return [], last - 1
    clauses: list[list[str]] = []
    clause: list[str] = []
    end = last - 1
    for index in range(last + 1, min(len(tokens), last + 1 + _MAX_ATTACHED) + 1):
        token = tokens[index] if index < len(tokens) else Token(",", 0, 0)
        boundary = token.text in _CLAUSE_END or not _is_word(token)
        if boundary or index == last + _MAX_ATTACHED or (index in taken and token.text not in CLOTHES):
            if not _describes_looks(clause):
                break
            clauses.append(clause)
            clause, end = [], index - 1
            if token.text not in ("and", ","):
                break
            continue
        if token.text not in STOP and token.text not in ATTACH:
            clause.append(token.text)
    return clauses, end


def _describes_looks(words: list[str]) -> bool:
    return any(word in BODY or word in CLOTHES for word in words)


def _given_name(text: str, tokens: list[Token], last: int) -> str | None:
    if last + 1 < len(tokens) and tokens[last].text in ("named", "called"):
        token = tokens[last + 1]
        written = text[token.start : token.end]
        if written[:1].isupper() and written.isalpha():
            return written
    return None


def mentions(text: str) -> list[Mention]:
    """Every lexicon noun the text names, in order, each with what describes it."""
    tokens = tokenize(text)
    found: list[Mention] = []
    index = 0
    while index < len(tokens):
        match = _match_at(tokens, index)
        if match is None:
            index += 1
            continue
        phrase, length = match
        previous = found[-1] if found else None
        if previous is not None and previous.last == index and previous.noun.kind is NOUNS[phrase].kind:
            # Two places or two things in a row are one ("a desert planet", "a coffee cup"): the
            # first describes the second.
            found.pop()
            index = previous.first
            length += previous.last - previous.first
        mention = Mention(phrase, NOUNS[phrase], index, index + length)
        if previous is not None and previous.last == index and mention.noun.kind is CardKind.PROP:
            mention.qualifier = previous.phrase  # the place stays a place too
        found.append(mention)
        index += length
    taken = {i for m in found for i in range(m.first, m.last)}
    for number, mention in enumerate(found):
        head = len(mention.phrase.split())
        mention.modifiers = _modifiers(tokens, mention.last - head, taken, mention.first)
        mention.attached, end = _attached(tokens, mention.last, taken)
        for other in found[number + 1 :]:  # mentions are in text order
            if other.first > end:
                break
            other.worn = True
        mention.given_name = _given_name(text, tokens, mention.last)
        start = mention.last - head - len(mention.modifiers)
        mention.source = text[tokens[start].start : tokens[end].end]
    return found
