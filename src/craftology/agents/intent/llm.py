"""The LLM intent engine: the IntentEngine port through the chat port, with tool calling.

The model answers by calling `record_intent` (craftology.agents.intent.llm_schema); an answer whose
arguments do not validate is sent back with the errors, a bounded number of times, and then the
detection fails with InvalidModelOutput. A provider that times out or fails ends in ProviderUnavailable
or ProviderRejected after the chat client's own retries. Either way the caller gets a whole, valid
IntentResult or a craftology error, never part of an answer.
"""

from __future__ import annotations

from craftology.agents.blocking import run_to_end
from craftology.agents.intent.engine import MAX_MESSAGE_CHARS
from craftology.agents.intent.llm_prompt import conversation
from craftology.agents.intent.llm_schema import TOOL_NAME, IntentCall
from craftology.agents.intent.resolve import resolve
from craftology.agents.intent.text import plain
from craftology.errors import BadInput
from craftology.genai.chat.structured import structured_output
from craftology.ports.chat import ChatPort
from craftology.ports.intent import IntentResult, ProjectContext, SlotValue

DEFAULT_ATTEMPTS = 3


class LlmIntentEngine:
    def __init__(self, chat: ChatPort, max_attempts: int = DEFAULT_ATTEMPTS) -> None:
        self._chat = chat
        self._attempts = max_attempts

    def detect(self, text: str, context: ProjectContext | None = None) -> IntentResult:
        return run_to_end(self.detect_async(text, context))

    async def detect_async(self, text: str, context: ProjectContext | None = None) -> IntentResult:
        message = plain(text)
        if not message:
            raise BadInput("the message is empty")
        if len(message) > MAX_MESSAGE_CHARS:
            raise BadInput(f"the message is {len(message)} characters; the limit is {MAX_MESSAGE_CHARS}")
        answer = await structured_output(
            self._chat,
            conversation(message, context),
            IntentCall,
            name=TOOL_NAME,
            description="Record the intent of the message and its slots.",
            max_attempts=self._attempts,
            temperature=0.0,
            context=context,
        )
        call = answer.value
        slots = call.slot_values()
        if context is not None:
            slots = _resolved(call, slots, context)
        return IntentResult(call.intent, slots, round(call.confidence, 3))


def _resolved(call: IntentCall, slots: dict[str, SlotValue], context: ProjectContext) -> dict[str, SlotValue]:
    """Words and numbers the model kept as said resolve like the embedded engine's; the project's own
    ids (checked by IntentCall) stay exactly as given."""
    ids = {s.id for s in context.shots} | {c.id for c in context.cards}

    def is_id(value: SlotValue) -> bool:
        if not isinstance(value, str):
            return False
        return value in ids or any(part in ids for part in value.split("/")[1:2])

    said = {name: value for name, value in slots.items() if not is_id(value)}
    return {**slots, **resolve(call.intent, said, context)}
