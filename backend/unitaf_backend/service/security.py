"""Who may talk to the service, and how much they may send.

- The service binds 127.0.0.1 by default; any other address needs a token (`check_bind`).
- With a token, every request must carry `Authorization: Bearer <token>`, compared in constant time.
- Bound to loopback, the Host header must name a loopback host and browser cross-origin requests
  (an `Origin` header) are refused: a web page the user visits cannot drive the local backend, not even
  through DNS rebinding.
- Request bodies are capped (by Content-Length up front, and by counting for chunked bodies).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import BadInput

LOOPBACK_NAMES = ("localhost",)
# A body refused by its Content-Length is read and dropped (up to these) before the 413 is sent: closing a
# connection with unread data resets it, and the client would lose the answer ("connection reset").
DRAIN_MAX_BYTES = 256 * 1024 * 1024
DRAIN_MAX_S = 10.0
ANIMATE_PATH = "/v1/animate"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and `localhost`; anything else (a name, 0.0.0.0, a LAN address) is not."""
    name = host.strip().strip("[]").lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token."""
    if not is_loopback(host) and not token:
        raise BadInput(
            f"refusing to listen on {host} without a token: anyone on the network could use this backend; "
            "pass --token (or set UNITAF_TOKEN), or bind 127.0.0.1"
        )


def tokens_match(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _host_name(host_header: str) -> str:
    """`127.0.0.1:8000` -> `127.0.0.1`, `[::1]:8000` -> `::1`, `localhost` -> `localhost`."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


class BodyTooLarge(HTTPException):
    """Raised while reading a body that grows past its limit; rendered as a 413 JSON error."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"request body is larger than the limit of {limit} bytes")


class BodyTimeout(HTTPException):
    """The client stopped sending its body part way; rendered as a 408 JSON error."""

    def __init__(self, seconds: float) -> None:
        super().__init__(status_code=408, detail=f"the request body took more than {seconds:g} s to arrive",
                         headers={"Connection": "close"})


class GuardMiddleware:
    """Pure ASGI middleware in front of every route: request count, token, host/origin, body size and
    body stall checks. Every refusal is a JSON error."""

    def __init__(self, app: ASGIApp, *, token: str | None, loopback_only: bool, max_json_bytes: int,
                 max_upload_bytes: int, max_in_flight: int, body_timeout_s: float) -> None:
        self.app = app
        self.token = token
        self.loopback_only = loopback_only
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.max_in_flight = max_in_flight
        self.body_timeout_s = body_timeout_s
        self.in_flight = 0              # one event loop: no lock needed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            await JSONResponse({"error": f"the backend is handling {self.in_flight} requests already; "
                                         "try again shortly", "kind": "busy"}, 503, headers={"Retry-After": "1"})(scope, receive, send)
            return
        self.in_flight += 1
        try:
            await self._guarded(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _guarded(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(headers)
        if refusal is not None:
            status, message, extra = refusal
            await JSONResponse({"error": message}, status_code=status, headers=extra)(scope, receive, send)
            return
        limit = self.max_upload_bytes if scope.get("path") == ANIMATE_PATH else self.max_json_bytes
        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                await JSONResponse({"error": "Content-Length is not a number"}, 400)(scope, receive, send)
                return
            if int(declared) > limit:
                await _drain(receive, DRAIN_MAX_BYTES, DRAIN_MAX_S)
                await JSONResponse({"error": BodyTooLarge(limit).detail}, 413,
                                   headers={"Connection": "close"})(scope, receive, send)
                return
        await self.app(scope, _guarded_receive(receive, limit, self.body_timeout_s), send)

    def _refusal(self, headers: dict[str, str]) -> tuple[int, str, dict[str, str]] | None:
        if self.loopback_only:
            host = headers.get("host", "")
            if host and not is_loopback(_host_name(host)):
                return 421, f"this backend only answers requests addressed to localhost, not {host!r}", {}
            if "origin" in headers:
                return 403, "requests from web pages (cross-origin) are not allowed", {}
        if self.token:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not tokens_match(given.strip(), self.token):
                return 401, "missing or wrong token: send 'Authorization: Bearer <token>'", {
                    "WWW-Authenticate": "Bearer"}
        return None


async def _drain(receive: Receive, max_bytes: int, max_s: float) -> None:
    """Read and drop the request body, up to `max_bytes` or `max_s` seconds, whichever comes first."""
    loop = asyncio.get_running_loop()
    end, dropped = loop.time() + max_s, 0
    while dropped <= max_bytes:
        try:
            message = await asyncio.wait_for(receive(), timeout=max(0.0, end - loop.time()))
        except TimeoutError:
            return
        if message["type"] != "http.request":
            return
        dropped += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _guarded_receive(receive: Receive, limit: int, timeout_s: float) -> Receive:
    """Counts the body against its limit, and gives up on a body not complete `timeout_s` after reading
    began, however it trickles (only while it is incomplete: afterwards `receive` just waits for a
    disconnect, which may take as long as it likes)."""
    received = 0
    complete = False
    deadline: float | None = None

    async def wrapped() -> Message:
        nonlocal received, complete, deadline
        if complete:
            return await receive()
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + timeout_s
        try:
            message = await asyncio.wait_for(receive(), timeout=max(0.0, deadline - loop.time()))
        except TimeoutError:
            raise BodyTimeout(timeout_s) from None
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
            complete = not message.get("more_body", False)
        else:
            complete = True
        return message

    return wrapped
