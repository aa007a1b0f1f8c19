"""Who may use the service: loopback by default, a token for anything else, the token on every request."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest
from unitaf_backend.errors import BadInput
from unitaf_backend.service.security import check_bind, is_loopback, tokens_match

from .conftest import start_server


@pytest.mark.parametrize("host, loopback", [
    ("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.com", False), ("", False),
])
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_check_bind_needs_a_token_beyond_loopback():
    check_bind("127.0.0.1", None)
    check_bind("0.0.0.0", "tok")
    with pytest.raises(BadInput, match="without a token"):
        check_bind("0.0.0.0", None)
    with pytest.raises(BadInput):
        check_bind("192.168.1.20", "")


def test_tokens_match():
    assert tokens_match("abc", "abc") and not tokens_match("abd", "abc") and not tokens_match("", "abc")
    assert not tokens_match("abcd", "abc")


def serve_cli(*args: str, token: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("UNITAF_TOKEN", None)
    if token:
        env["UNITAF_TOKEN"] = token
    return subprocess.run([sys.executable, "-m", "unitaf_backend", "serve", *args], check=False, capture_output=True,
                          text=True,
                          env=env, timeout=60, stdin=subprocess.DEVNULL)


def test_non_loopback_bind_without_token_is_refused():
    run = serve_cli("--host", "0.0.0.0", "--port", "0")
    assert run.returncode == 2 and run.stdout == ""
    assert "refusing to listen on 0.0.0.0 without a token" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_busy_port_is_one_clear_line():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        run = serve_cli("--port", str(port))
    assert run.returncode == 2 and f"port {port} on 127.0.0.1 is already in use" in run.stderr


def test_non_loopback_bind_with_token_serves_only_with_the_token():
    served = start_server("--host", "0.0.0.0", "--no-warmup", token="net-token")
    try:
        with served.client(token="") as anonymous:
            assert anonymous.get("/v1/health").status_code == 401
        with served.client() as client:
            # any Host is fine beyond loopback (the token protects it), browsers included
            assert client.get("/v1/health", headers={"Host": "gpu-box.lan:1234"}).status_code == 200
    finally:
        served.stop()


def test_every_request_needs_the_token(token_server):
    with token_server.client(token="") as anonymous:
        for method, path in (("GET", "/v1/health"), ("GET", "/v1/info"), ("GET", "/v1/openapi.json"),
                             ("POST", "/v1/speak"), ("GET", "/v1/jobs/" + "0" * 32), ("GET", "/nowhere")):
            r = anonymous.request(method, path, json={"text": "hi"})
            assert r.status_code == 401 and "token" in r.json()["error"], (method, path)
            assert r.headers["www-authenticate"] == "Bearer"
    with token_server.client(token="s3cret-tokeN") as wrong:
        assert wrong.get("/v1/health").status_code == 401
    with token_server.client(token="") as anonymous:
        assert anonymous.get("/v1/health", headers={"Authorization": "Basic s3cret-token"}).status_code == 401
        assert anonymous.get("/v1/health", headers={"Authorization": "s3cret-token"}).status_code == 401
    with token_server.client() as client:
        assert client.get("/v1/health").json()["status"] == "ok"
        r = client.post("/v1/speak", json={"text": "hi", "emotion": "nope"})
        assert r.status_code == 400     # past the token, the request itself is judged
