"""Structured output through the chat client and the local server: invalid answers are sent back with
their validation errors and asked again, a bounded number of times, then a clear error."""

from __future__ import annotations

from typing import Literal

import pytest
from pydantic import BaseModel, Field

from craftology.genai.chat.structured import structured_output
from craftology.ports.chat import ChatMessage, InvalidModelOutput, ProviderRejected, Usage
from tests.genai.conftest import MakeClient, run
from tests.openai_server import Fail, Reply, ScriptedChat

ASK = (ChatMessage.system("You plan storyboards."), ChatMessage.user("One wide shot of a lighthouse."))
VALID = '{"camera": "wide", "duration_seconds": 4.5, "cards": ["lighthouse"]}'


class ShotPlan(BaseModel):
    camera: Literal["wide", "medium", "close"]
    duration_seconds: float = Field(gt=0, le=60)
    cards: list[str] = Field(default_factory=list)


def call(arguments: str) -> Reply:
    return Reply(tool_calls=(("ShotPlan", arguments),))


def test_a_valid_answer_first_time(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(call(VALID))
    got = run(structured_output(make_client(), ASK, ShotPlan, description="Record the shot."))
    assert got.value == ShotPlan(camera="wide", duration_seconds=4.5, cards=["lighthouse"])
    assert got.attempts == 1
    (sent,) = chat.requests
    assert sent.body["tool_choice"] == {"type": "function", "function": {"name": "ShotPlan"}}
    (tool,) = sent.body["tools"]
    assert tool["function"]["parameters"] == ShotPlan.model_json_schema()
    assert tool["function"]["description"] == "Record the shot."


def test_invalid_arguments_are_fed_back_until_valid(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(
        call('{"camera": "wide", "duration_sec'),  # cut off: not JSON
        call('{"camera": "drone", "duration_seconds": -1}'),  # JSON, but breaks the schema
        call(VALID),
    )
    got = run(structured_output(make_client(), ASK, ShotPlan))
    assert got.value.camera == "wide"
    assert got.attempts == 3
    assert got.usage == Usage(3 * 11, 3 * 7)
    first, second, third = (sent.body["messages"] for sent in chat.requests)
    assert len(first) == 2
    assistant, tool = second[2:]
    assert assistant["tool_calls"][0]["function"]["arguments"] == '{"camera": "wide", "duration_sec'
    assert tool["role"] == "tool"
    assert tool["tool_call_id"] == assistant["tool_calls"][0]["id"]
    assert tool["content"].startswith("Invalid arguments: (object): Invalid JSON")
    fed_back = third[5]["content"]
    assert "camera: Input should be 'wide', 'medium' or 'close'" in fed_back
    assert "duration_seconds: Input should be greater than 0" in fed_back
    assert third[:4] == second  # the whole conversation goes back each time


def test_gives_up_after_the_bounded_attempts(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(call('{"camera": "wide"}'), call('{"camera": "wide", "duration_seconds": 0}'))
    with pytest.raises(InvalidModelOutput) as raised:
        run(structured_output(make_client(), ASK, ShotPlan, max_attempts=2))
    assert raised.value.detail == (
        "the model gave no valid ShotPlan in 2 attempts; last problem: "
        "invalid arguments: duration_seconds: Input should be greater than 0"
    )
    assert raised.value.status_code == 502
    assert raised.value.extra["completion_tokens"] == 14
    assert len(chat.requests) == 2


def test_an_answer_without_the_tool_call_is_asked_again(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Reply(content="Sure! A wide shot."), call(VALID))
    got = run(structured_output(make_client(), ASK, ShotPlan))
    assert got.attempts == 2
    nudge = chat.requests[1].body["messages"][-1]
    assert nudge == {"role": "user", "content": "Answer by calling the tool `ShotPlan` with its arguments."}


def test_through_response_format(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Reply(content="Here it is: {camera: wide}"), Reply(content=VALID))
    got = run(structured_output(make_client(), ASK, ShotPlan, via="json_schema", name="shot_plan"))
    assert got.value.duration_seconds == 4.5
    first, second = chat.requests
    assert "tools" not in first.body
    assert first.body["response_format"]["json_schema"]["name"] == "shot_plan"
    assert first.body["response_format"]["json_schema"]["schema"] == ShotPlan.model_json_schema()
    assistant, retry = second.body["messages"][2:]
    assert assistant == {"role": "assistant", "content": "Here it is: {camera: wide}"}
    assert retry["content"].startswith("That answer is invalid: (object): Invalid JSON")


def test_provider_errors_are_not_retried_as_invalid_output(
    chat: ScriptedChat, make_client: MakeClient
) -> None:
    chat.push(Fail(401, "bad key"))
    with pytest.raises(ProviderRejected):
        run(structured_output(make_client(), ASK, ShotPlan))
    assert len(chat.requests) == 1
