"""Slow clients and idle sockets against a real `unitaf serve`: a connection that sends half its headers
is closed within the header timeout, and 130 idle sockets from one client do not lock out another."""

from __future__ import annotations

import socket
import time

import pytest

from .conftest import start_server

HEADER_TIMEOUT_S = 1.0


@pytest.fixture(scope="module")
def served():
    s = start_server("--no-warmup", "--header-timeout", str(HEADER_TIMEOUT_S))
    yield s
    s.stop()


def closed_by_server(sock: socket.socket, within_s: float) -> bool:
    """True when the server closes the connection (EOF or reset) before `within_s` passes (whatever it
    still sends first, e.g. the rest of an earlier answer, is read and ignored)."""
    end = time.monotonic() + within_s
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(4096) == b"":
                return True
        except ConnectionResetError:
            return True
        except TimeoutError:
            return False
    return False


def test_a_half_header_connection_is_closed_within_the_header_timeout(served):
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")     # never finished
        assert closed_by_server(sock, within_s=HEADER_TIMEOUT_S + 5.0)
    with socket.create_connection(("127.0.0.1", served.port)) as silent:   # sends nothing at all
        assert closed_by_server(silent, within_s=HEADER_TIMEOUT_S + 5.0)


def test_a_header_timeout_also_applies_after_a_keep_alive_answer(served):
    with socket.create_connection(("127.0.0.1", served.port)) as sock:
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        sock.settimeout(10)
        assert b"200 OK" in sock.recv(4096)
        sock.sendall(b"GET /v1/health HTTP/1.1\r\nHo")                       # the next request stalls
        assert closed_by_server(sock, within_s=HEADER_TIMEOUT_S + 5.0)


def test_130_idle_sockets_from_one_client_do_not_lock_out_a_second(served):
    idle = [socket.create_connection(("127.0.0.1", served.port)) for _ in range(130)]
    try:
        time.sleep(0.2)                        # let the server accept them all
        with served.client() as other:
            r = other.get("/v1/health")
            assert r.status_code == 200, r.text
            r = other.post("/v1/speak", json={"text": ""})
            assert r.headers["content-type"] == "application/json" and "error" in r.json()
    finally:
        for s in idle:
            s.close()


def test_a_dripping_body_is_stopped_by_the_body_deadline():
    s = start_server("--no-warmup")
    try:
        with socket.create_connection(("127.0.0.1", s.port)) as sock:
            sock.sendall(b"POST /v1/speak HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
            sock.settimeout(1.0)
            got = b""
            start = time.monotonic()
            while time.monotonic() - start < 60 and b"408" not in got:
                try:
                    sock.sendall(b" ")
                    got += sock.recv(4096)
                except TimeoutError:
                    continue
                except (BrokenPipeError, ConnectionResetError):
                    break
            while b"to arrive" not in got and time.monotonic() - start < 60:   # the body may come apart
                try:
                    chunk = sock.recv(4096)
                except TimeoutError:
                    continue
                except ConnectionResetError:
                    break
                if not chunk:
                    break
                got += chunk
            assert b"408" in got and b"to arrive" in got
    finally:
        s.stop()
