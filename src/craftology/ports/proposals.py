"""Proposal engines: a brief (and its source documents) in, a proposed project out.

The embedded engine (craftology.agents.proposal.engine) is rules and lexicons, deterministic and
offline; an LLM engine plugs in behind the same Protocol and must return a Proposal that validates
(the service re-validates whatever an engine returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from craftology.agents.proposal.draft import Proposal, SourceDocument


@runtime_checkable
class ProposalEngine(Protocol):
    def propose(self, brief: str, documents: Sequence[SourceDocument], shot_count: int | None) -> Proposal:
        """The project the brief describes: settings, cards with attributes read from the brief and
        documents, and `shot_count` shots (when None, as many as the brief asks for or its length
        suggests). Raises craftology.errors.BadInput for a brief it cannot use."""
