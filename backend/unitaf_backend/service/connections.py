"""Connections that cannot lock the service out: uvicorn's HTTP/1.1 protocol with a header timeout and a
connection cap that makes room instead of refusing.

- A connection must finish a request's headers within `header_timeout_s` of opening (or of its previous
  answer): a client that sends nothing, or half its headers, is closed then (uvicorn alone waits forever).
- At most `max_connections` are open. When one more arrives, the oldest connection with no request in
  progress (idle, or still sending headers) is closed to make room, so idle sockets cannot lock anyone out,
  whoever holds them; only when every connection is busy with a request is the newcomer answered with a JSON
  503 (uvicorn's own limit answers in plain text, so it is not used).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol


def _busy_app(message: str):  # type: ignore[no-untyped-def]
    body = json.dumps({"error": message, "kind": "busy"}).encode()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 503, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
            (b"retry-after", b"1"), (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})

    return app


def guarded_protocol(header_timeout_s: float, max_connections: int) -> type[H11Protocol]:
    """An H11Protocol class with these limits, for `uvicorn.Config(http=...)`."""

    class GuardedH11(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.idle_since = time.monotonic()
            self.header_timer: asyncio.TimerHandle | None = None
            self._arm_header_timer()
            if len(self.connections) > max_connections and not self._make_room():
                self.app = _busy_app(f"the backend has {max_connections} connections busy with requests; "
                                     "try again shortly")

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.in_request():
                self._cancel_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self.idle_since = time.monotonic()
            if not self.in_request():
                self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

        def in_request(self) -> bool:
            return self.cycle is not None and not self.cycle.response_complete

        def _make_room(self) -> bool:
            idle = [c for c in self.connections if c is not self and isinstance(c, GuardedH11)
                    and not c.in_request() and not c.transport.is_closing()]
            if not idle:
                return False
            min(idle, key=lambda c: c.idle_since).transport.close()
            return True

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            self.header_timer = self.loop.call_later(header_timeout_s, self._header_timed_out)

        def _cancel_header_timer(self) -> None:
            timer = getattr(self, "header_timer", None)
            if timer is not None:
                timer.cancel()
                self.header_timer = None

        def _header_timed_out(self) -> None:
            self.header_timer = None
            if not self.in_request() and not self.transport.is_closing():
                self.transport.close()

    return GuardedH11
