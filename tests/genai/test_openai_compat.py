"""The OpenAI-compatible chat client against a local server following the Chat Completions API: what it
sends, what it reads back, and how it retries and fails."""

from __future__ import annotations

import json
import socket

import pytest

from craftology.ports.chat import (
    ChatMessage,
    ChatPort,
    ChatRequest,
    JsonSchemaFormat,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
    ToolSpec,
    Usage,
)
from tests.genai.conftest import API_KEY, MakeClient, RecordedSleep, run
from tests.openai_server import Fail, Raw, Reply, ScriptedChat, Slow

HELLO = ChatRequest(messages=(ChatMessage.system("Be brief."), ChatMessage.user("Hello")))
WEATHER = ToolSpec(
    "get_weather",
    "The weather in a city.",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def test_a_reply_with_its_usage_and_what_was_sent(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Reply(content="Hi there.", prompt_tokens=12, completion_tokens=3))
    client = make_client()
    assert isinstance(client, ChatPort)
    request = ChatRequest(
        messages=HELLO.messages,
        temperature=0.2,
        max_tokens=50,
        response_format=JsonSchemaFormat("greeting", {"type": "object"}),
    )
    answer = run(client.complete(request))
    assert answer.content == "Hi there."
    assert answer.tool_calls == ()
    assert answer.finish_reason == "stop"
    assert answer.usage == Usage(12, 3)
    assert answer.usage.total_tokens == 15
    (sent,) = chat.requests
    assert sent.headers["authorization"] == f"Bearer {API_KEY}"
    assert sent.body == {
        "model": "gpt-test",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hello"},
        ],
        "temperature": 0.2,
        "max_tokens": 50,
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "greeting", "schema": {"type": "object"}, "strict": False},
        },
    }


def test_tool_calls_go_out_and_come_back(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Reply(tool_calls=(("get_weather", '{"city": "Oslo"}'),)), Reply(content="Rainy in Oslo."))
    client = make_client()
    first = run(client.complete(ChatRequest(HELLO.messages, tools=(WEATHER,), tool_choice="get_weather")))
    assert first.finish_reason == "tool_calls"
    (call,) = first.tool_calls
    assert (call.name, json.loads(call.arguments)) == ("get_weather", {"city": "Oslo"})
    follow_up = (*HELLO.messages, first.as_message(), ChatMessage.tool(call.id, '{"sky": "rain"}'))
    second = run(client.complete(ChatRequest(follow_up, tools=(WEATHER,), tool_choice="auto", model="other")))
    assert second.content == "Rainy in Oslo."
    asked, answered = chat.requests
    assert asked.body["tools"] == [
        {
            "type": "function",
            "function": {"name": "get_weather", "description": WEATHER.description,
                         "parameters": WEATHER.parameters},
        }
    ]  # fmt: skip
    assert asked.body["tool_choice"] == {"type": "function", "function": {"name": "get_weather"}}
    assert answered.body["tool_choice"] == "auto"
    assert answered.body["model"] == "other"
    assert answered.body["messages"][2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": call.id, "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Oslo"}'}}
        ],
    }  # fmt: skip
    assert answered.body["messages"][3] == {
        "role": "tool",
        "content": '{"sky": "rain"}',
        "tool_call_id": call.id,
    }


def test_429_waits_as_long_as_retry_after_says(
    chat: ScriptedChat, make_client: MakeClient, sleep: RecordedSleep
) -> None:
    chat.push(Fail(429, "slow down", headers={"Retry-After": "7"}), Reply(content="ok"))
    assert run(make_client().complete(HELLO)).content == "ok"
    assert sleep.delays == [7.0]
    assert len(chat.requests) == 2


def test_a_retry_after_longer_than_we_wait_gives_up_at_once(
    chat: ScriptedChat, make_client: MakeClient, sleep: RecordedSleep
) -> None:
    chat.push(Fail(429, "quota exhausted for today", headers={"Retry-After": "3600"}))
    with pytest.raises(ProviderUnavailable) as raised:
        run(make_client().complete(HELLO))
    assert "429 quota exhausted for today" in raised.value.detail
    assert "retry after 3600 s" in raised.value.detail
    assert raised.value.extra["retry_after"] == 3600
    assert sleep.delays == []
    assert len(chat.requests) == 1


def test_server_errors_are_retried_with_backoff(
    chat: ScriptedChat, make_client: MakeClient, sleep: RecordedSleep
) -> None:
    chat.push(Fail(500), Fail(503, "overloaded"), Reply(content="back"))
    assert run(make_client().complete(HELLO)).content == "back"
    assert len(chat.requests) == 3
    first, second = sleep.delays
    assert 0.25 <= first <= 0.5  # half to all of the base delay
    assert 0.5 <= second <= 1.0  # doubled


def test_server_errors_that_persist_end_in_one_clear_error(
    chat: ScriptedChat, make_client: MakeClient, sleep: RecordedSleep
) -> None:
    chat.push(Fail(502, "bad gateway"), Fail(502, "bad gateway"), Fail(500, "model crashed"))
    with pytest.raises(ProviderUnavailable) as raised:
        run(make_client().complete(HELLO))
    detail = raised.value.detail
    assert detail.startswith("openai (127.0.0.1:")
    assert "model gpt-test) answered 500 model crashed (gave up after 3 attempts)" in detail
    assert "\n" not in detail
    assert raised.value.status_code == 503
    assert len(sleep.delays) == 2


def test_a_timeout_is_retried(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Slow(30.0), Reply(content="in time"))
    assert run(make_client(read_timeout=1.0).complete(HELLO)).content == "in time"
    assert len(chat.requests) == 2


def test_timeouts_that_persist_end_in_one_clear_error(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Slow(30.0), Slow(30.0))
    with pytest.raises(ProviderUnavailable) as raised:
        run(make_client(read_timeout=0.5, attempts=2).complete(HELLO))
    assert raised.value.detail.endswith("timed out (waiting for the answer) (gave up after 2 attempts)")


def test_nothing_listening_is_unavailable(make_client: MakeClient, sleep: RecordedSleep) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    with pytest.raises(ProviderUnavailable) as raised:
        run(make_client(base_url=closed).complete(HELLO))
    assert "cannot connect" in raised.value.detail
    assert len(sleep.delays) == 2


def test_a_wrong_key_is_refused_at_once_without_the_key_in_the_message(
    chat: ScriptedChat, make_client: MakeClient, sleep: RecordedSleep
) -> None:
    chat.push(Fail(401, f"Incorrect API key provided: {API_KEY}. Find yours in your account."))
    with pytest.raises(ProviderRejected) as raised:
        run(make_client().complete(HELLO))
    error = raised.value
    assert "refused the request: 401 Incorrect API key provided: ***. Find yours" in error.detail
    assert API_KEY not in error.detail
    assert API_KEY not in repr(error.extra)
    assert API_KEY not in str(error)
    assert API_KEY not in str(error.__context__)
    assert sleep.delays == []
    assert len(chat.requests) == 1


def test_other_client_errors_are_not_retried(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Fail(404, "The model `gpt-test` does not exist"))
    with pytest.raises(ProviderRejected, match="404 The model `gpt-test` does not exist"):
        run(make_client().complete(HELLO))
    assert len(chat.requests) == 1


def test_a_200_that_is_not_a_completion_is_an_error(chat: ScriptedChat, make_client: MakeClient) -> None:
    chat.push(Raw(200, "<html>captive portal</html>", "text/html"), Raw(200, '{"choices": []}'))
    with pytest.raises(ProviderError, match="not a chat completion"):
        run(make_client().complete(HELLO))
    with pytest.raises(ProviderError, match="no choices"):
        run(make_client().complete(HELLO))
