"""The guard middleware on its own: a stalled body, and too many requests at once."""

from __future__ import annotations

import asyncio
import json

import pytest
from unitaf_backend.service.security import BodyTimeout, BodyTooLarge, GuardMiddleware, _guarded_receive


def run(coro):
    return asyncio.run(coro)


def test_a_stalled_body_times_out_and_a_finished_one_does_not():
    async def stalls():
        await asyncio.sleep(3600)

    with pytest.raises(BodyTimeout):
        run(_guarded_receive(stalls, limit=100, timeout_s=0.05)())

    messages = [{"type": "http.request", "body": b"abc", "more_body": False}]

    async def then_waits():
        if messages:
            return messages.pop()
        await asyncio.sleep(0.2)       # after the body, receive() waits for a disconnect: no timeout then
        return {"type": "http.disconnect"}

    async def both():
        receive = _guarded_receive(then_waits, limit=100, timeout_s=0.05)
        return await receive(), await receive()

    first, second = run(both())
    assert first["body"] == b"abc" and second["type"] == "http.disconnect"


def test_a_body_over_the_limit_stops_while_streaming():
    chunks = [{"type": "http.request", "body": b"x" * 60, "more_body": True} for _ in range(2)]

    async def feed():
        return chunks.pop()

    async def read_all():
        receive = _guarded_receive(feed, limit=100, timeout_s=1)
        await receive()
        await receive()

    with pytest.raises(BodyTooLarge):
        run(read_all())


def test_requests_beyond_the_limit_get_a_json_503():
    async def scenario():
        gate = asyncio.Event()
        entered = asyncio.Event()

        async def app(scope, receive, send):
            entered.set()
            await gate.wait()

        guard = GuardMiddleware(app, token=None, loopback_only=True, max_json_bytes=100, max_upload_bytes=100,
                                max_in_flight=1, body_timeout_s=1)
        sent: list[dict] = []

        async def send(message):
            sent.append(message)

        async def receive():
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = {"type": "http", "path": "/v1/health", "headers": [(b"host", b"127.0.0.1:1")]}
        first = asyncio.create_task(guard(scope, receive, send))
        await entered.wait()
        await guard(scope, receive, send)             # the second one is refused at once
        gate.set()
        await first
        assert guard.in_flight == 0
        return sent

    sent = run(scenario())
    assert sent[0]["status"] == 503
    assert "requests already" in json.loads(sent[1]["body"])["error"]
