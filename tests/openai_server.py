"""A local server following the OpenAI Chat Completions API, scripted by each test.

`chat_server` (session scope) serves `POST /v1/chat/completions` with uvicorn on a free 127.0.0.1 port.
`chat` (per test) empties its script and its record: a test pushes the answers the server gives, in
order (a reply with content and tool calls, an error status with headers, a slow answer, a raw body),
and reads the requests the server received (headers and JSON body). A request with nothing scripted
is answered 500 with a message saying so. Import both into a conftest.py:
``from tests.openai_server import chat, chat_server``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response


@dataclass(frozen=True)
class Reply:
    """A 200 chat completion: content and/or tool calls `(name, arguments JSON text)`."""

    content: str | None = None
    tool_calls: tuple[tuple[str, str], ...] = ()
    prompt_tokens: int = 11
    completion_tokens: int = 7
    finish_reason: str | None = None


@dataclass(frozen=True)
class Fail:
    """An error answer in OpenAI's shape: `{"error": {"message": ...}}`."""

    status: int
    message: str = "scripted failure"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Raw:
    """Any body, e.g. one that is not JSON."""

    status: int
    text: str
    content_type: str = "application/json"


@dataclass(frozen=True)
class Slow:
    """Answer `then` after `seconds`, or never if the client hangs up first."""

    seconds: float
    then: Reply | Fail | Raw = field(default_factory=Reply)


Answer = Reply | Fail | Raw | Slow


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: dict[str, Any]


class ScriptedChat:
    """The script and the record of one server; shared between the test and the server thread."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.script: deque[Answer] = deque()
        self.requests: list[Received] = []

    def push(self, *answers: Answer) -> None:
        self.script.extend(answers)

    def reset(self) -> None:
        self.script.clear()
        self.requests.clear()


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    calls = [
        {"id": f"call_{i}", "type": "function", "function": {"name": name, "arguments": arguments}}
        for i, (name, arguments) in enumerate(reply.tool_calls)
    ]
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if calls:
        message["tool_calls"] = calls
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": reply.prompt_tokens,
            "completion_tokens": reply.completion_tokens,
            "total_tokens": reply.prompt_tokens + reply.completion_tokens,
        },
    }


async def _answer(answer: Answer, request: Request, model: str) -> Response:
    if isinstance(answer, Slow):
        waited = 0.0
        while waited < answer.seconds:  # stop early when the client gave up: nothing lingers
            if await request.is_disconnected():
                return Response(status_code=499)
            await asyncio.sleep(0.05)
            waited += 0.05
        return await _answer(answer.then, request, model)
    if isinstance(answer, Reply):
        return JSONResponse(_completion(answer, model))
    if isinstance(answer, Fail):
        body = {"error": {"message": answer.message, "type": "test_error"}}
        return JSONResponse(body, status_code=answer.status, headers=answer.headers)
    return Response(answer.text, status_code=answer.status, media_type=answer.content_type)


def chat_app(state: ScriptedChat) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/chat/completions")
    async def completions(request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw)
        except ValueError:
            body = {"unparsed": raw.decode(errors="replace")}
        state.requests.append(Received(dict(request.headers), body))
        if not state.script:
            return JSONResponse({"error": {"message": "no scripted answer left"}}, status_code=500)
        return await _answer(state.script.popleft(), request, str(body.get("model", "")))

    return app


@pytest.fixture(scope="session")
def chat_server() -> Iterator[ScriptedChat]:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    state = ScriptedChat(f"http://127.0.0.1:{sock.getsockname()[1]}/v1")
    config = uvicorn.Config(chat_app(state), log_level="warning", lifespan="off", ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the chat test server did not start")
            threading.Event().wait(0.05)
        yield state
    finally:
        server.should_exit = True
        thread.join()
        sock.close()


@pytest.fixture
def chat(chat_server: ScriptedChat) -> Iterator[ScriptedChat]:
    """The session's server with an empty script and record; a test that left answers unused fails."""
    chat_server.reset()
    yield chat_server
    leftover = list(chat_server.script)
    chat_server.reset()
    assert not leftover, f"scripted answers never requested: {leftover}"
