"""The add-on's HTTP client, local backend process and startup check against real servers."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from unitaf_blender.core import backend_process
from unitaf_blender.core.backend_api import AnimateRequest, BackendError, SpeakRequest
from unitaf_blender.core.backend_process import BackendProcess, BackendStartError
from unitaf_blender.core.http_client import BackendBusy, BackendGone, HttpBackend, Reply, _is_busy, _retry_after
from unitaf_blender.core.startup_check import check_local, check_remote, port_is_free
from unitaf_blender.core.version import ADDON_VERSION, versions_compatible

from .conftest import needs_pipeline, start_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class FakeBackend:
    """A stand-in server that answers /v1/health with chosen versions (a different backend release)."""

    def __init__(self, version: str, api_version: int = 1) -> None:
        body = json.dumps({"status": "ok", "version": version, "api_version": api_version}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_versions_compatible():
    assert versions_compatible("0.1.0", "0.1.7") and not versions_compatible("0.1.0", "0.2.0")
    assert not versions_compatible("1.1.0", "0.1.0")


def test_info_and_bad_input_through_the_client(server):
    backend = HttpBackend(server.url, timeout=10)
    info = backend.info()
    assert info["version"] and "happy" in info["emotion"]["presets"]
    with pytest.raises(BackendError, match="unknown emotion 'grumpy'"):
        backend.speak(SpeakRequest(text="hi", emotion="grumpy"))
    with pytest.raises(BackendError, match="text is empty"):
        backend.speak(SpeakRequest(text="  ", voice=""))       # an empty voice field means the default
    with pytest.raises(BackendError, match="not a voice name"):
        backend.speak(SpeakRequest(text="hi", voice="voices/../x.onnx"))


def test_unreachable_backend_is_one_clear_error():
    backend = HttpBackend(f"http://127.0.0.1:{free_port()}", timeout=5)
    with pytest.raises(BackendError, match=r"not running or stopped.*connection refused.*unitaf serve"):
        backend.info()
    with pytest.raises(BackendError, match="not an http"):
        HttpBackend("ftp://example.com").info()


def test_wrong_token_is_named(token_server):
    with pytest.raises(BackendError, match="refused the token"):
        HttpBackend(token_server.url, token="wrong").info()
    assert HttpBackend(token_server.url, token="s3cret-token").health()["status"] == "ok"


def test_version_mismatch_is_refused_by_client_and_startup_check():
    fake = FakeBackend("9.4.0")
    try:
        with pytest.raises(BackendError, match=rf"add-on is {ADDON_VERSION} but the backend .* is 9.4.0"):
            HttpBackend(fake.url).info()
        report = check_remote(fake.url)
        assert report.codes() == ("version_mismatch",) and "9.4.0" in report.summary()
    finally:
        fake.close()
    fake = FakeBackend(ADDON_VERSION, api_version=7)
    try:
        with pytest.raises(BackendError, match="API version 7"):
            HttpBackend(fake.url).info()
    finally:
        fake.close()


def test_check_remote(server, token_server):
    assert check_remote(server.url).ok
    assert check_remote(token_server.url, "s3cret-token").ok
    assert check_remote(token_server.url, "nope").codes() == ("unauthorized",)
    assert check_remote(f"http://127.0.0.1:{free_port()}").codes() == ("unreachable",)


@pytest.mark.slow
def test_local_backend_starts_is_reused_restarts_after_dying_and_stops():
    process = BackendProcess(sys.executable, extra_args=("--no-warmup",))
    backend = HttpBackend(process=process, timeout=10)
    try:
        assert backend.info()["version"]                     # started on first use (handshake, then health)
        first_pid, first = process.pid, process.ensure_running()
        assert first.url.startswith("http://127.0.0.1:") and first.token
        backend.health()
        assert process.pid == first_pid and process.starts == 1           # reused
        # the token is random per start and required
        with pytest.raises(BackendError, match="token"):
            HttpBackend(first.url, token="guess").health()
        os.kill(first_pid, signal.SIGKILL)
        process._proc.wait(timeout=10)
        assert backend.health()["status"] == "ok"            # the next request starts a new one
        assert process.starts == 2 and process.pid != first_pid
        assert process.ensure_running() != first
        log = process.log_path
        assert log is not None and log.exists()
    finally:
        backend_process.stop()          # what unregister and interpreter exit call: stops every local backend
    assert not process.alive() and process.pid is None
    assert not log.exists()             # a clean stop leaves no log behind
    backend.close()                     # closing again is harmless
    with pytest.raises(BackendError, match="was stopped"):
        backend.info()                  # a stopped backend does not come back by itself


def test_local_backend_stops_when_its_parent_goes_away(tmp_path):
    """Blender crashing closes the server's stdin, and the server exits by itself."""
    process = BackendProcess(sys.executable, extra_args=("--no-warmup",))
    process.ensure_running()
    proc = process._proc
    proc.stdin.close()
    assert proc.wait(timeout=20) == 0
    assert not process.alive() and "exited with code 0" in process.failure_report()
    process.stop()


def test_local_backend_explains_what_is_missing(tmp_path):
    with pytest.raises(BackendStartError, match="interpreter not found"):
        BackendProcess(str(tmp_path / "no-python")).ensure_running()
    with pytest.raises(BackendStartError, match="not installed in"):
        BackendProcess("/usr/bin/python3", env={"PATH": "/usr/bin"}).ensure_running()


def fake_backend_python(tmp_path: Path, version: str) -> str:
    """An interpreter whose `unitaf_backend` is another release (shadowing the real one)."""
    package = tmp_path / "fake" / "unitaf_backend"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(f'__version__ = "{version}"\n')
    script = tmp_path / "python"
    script.write_text(f'#!/bin/sh\nPYTHONPATH="{package.parent}" exec "{sys.executable}" "$@"\n')
    script.chmod(0o755)
    return str(script)


def test_startup_check_says_exactly_what_is_missing(tmp_path):
    ok = check_local(sys.executable)
    assert ok.ok and ok.backend_version and "ready" in ok.summary()
    missing = check_local(str(tmp_path / "bin" / "python"))
    assert missing.codes() == ("interpreter_not_found",) and "not found" in missing.summary()
    assert check_local("no-such-python-anywhere").codes() == ("interpreter_not_found",)
    not_installed = check_local("/usr/bin/python3")
    assert not_installed.codes() == ("backend_not_installed",) and "/usr/bin/python3" in not_installed.summary()
    mismatch = check_local(fake_backend_python(tmp_path, "3.0.0"))
    assert "version_mismatch" in mismatch.codes() and "3.0.0" in mismatch.summary()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        port = sock.getsockname()[1]
        assert not port_is_free(port)
        busy = check_local(sys.executable, port=port)
        assert busy.codes() == ("port_busy",) and str(port) in busy.summary()
    not_python = tmp_path / "not-python"
    not_python.write_text("#!/bin/sh\necho hello\n")
    not_python.chmod(0o755)
    assert check_local(str(not_python)).codes() == ("interpreter_failed",)


def test_addon_and_backend_versions_are_released_together():
    import tomllib

    import unitaf_backend
    manifest = tomllib.loads((Path(__file__).resolve().parents[2] / "blender_manifest.toml").read_text())
    assert ADDON_VERSION == manifest["version"] == unitaf_backend.__version__


def test_a_job_the_backend_forgot_is_a_clear_error(server):
    """A backend restarted between two polls no longer knows the job."""
    submitted: list[str] = []

    class Recording(HttpBackend):
        def _submit(self, *args, **kwargs):          # remember the job id the server gave
            status = super()._submit(*args, **kwargs)
            submitted.append(status["id"])
            return status

    def forget(fraction: float, stage: str) -> None:
        with server.client() as api:
            api.delete(f"/v1/jobs/{submitted[-1]}")

    with pytest.raises(BackendError, match="no longer knows this job"):
        Recording(server.url, timeout=10).speak(SpeakRequest(text="Hello there."), progress=forget)


def test_stop_during_a_start_returns_at_once():
    process = BackendProcess(sys.executable, extra_args=("--no-warmup",))
    errors: list[Exception] = []

    def start() -> None:
        try:
            process.ensure_running()
        except BackendError as err:
            errors.append(err)

    starter = threading.Thread(target=start)
    starter.start()
    while process.pid is None and starter.is_alive():
        threading.Event().wait(0.01)
    process.stop()
    starter.join(timeout=30)
    assert not starter.is_alive() and not process.alive()
    assert errors and "stopped" in str(errors[0])


def test_a_recording_over_the_backends_reported_limit_is_refused_before_upload(server):
    from unitaf_backend.audio import LIMITS

    backend = HttpBackend(server.url, timeout=10)
    assert backend.info()["limits"]["max_audio_bytes"] == LIMITS.max_bytes
    too_big = b"RIFF" + bytes(LIMITS.max_bytes)
    with pytest.raises(BackendError, match=r"this backend accepts recordings up to 128 MB"):
        backend.animate(AnimateRequest(wav_bytes=too_big))


def test_an_upload_over_the_servers_limit_shows_the_limit_message_not_a_crash(server):
    """A client that does not know the limit (an older server's info, a proxy's lower cap) uploads 130 MB:
    the server reads and drops the body, answers 413, and the client shows that message."""
    from unitaf_backend.service.config import Limits

    backend = HttpBackend(server.url, timeout=60)
    backend._audio_limit = lambda: None                        # as if /v1/info said nothing about it
    too_big = b"RIFF" + bytes(130 * 1024 * 1024)
    with pytest.raises(BackendError, match=f"request body is larger than the limit of {Limits().max_upload_bytes}"):
        backend.animate(AnimateRequest(wav_bytes=too_big))


def test_a_raw_json_post_over_the_limit_reads_its_413_before_the_close(server):
    body = b'{"text": "' + b"a" * 300_000 + b'"}'
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/speak HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        sock.settimeout(30)
        answer = b""
        while True:
            chunk = sock.recv(65536)              # a reset here (unread body) would raise ConnectionResetError
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413") and b"larger than the limit" in answer


@needs_pipeline
def test_a_full_backend_is_busy_and_a_killed_one_is_not_running():
    """Busy (running, no room: retry after the server's Retry-After) and dead (killed: not running) are
    two different errors, both from a real server process."""
    served = start_server("--max-running", "1", "--max-queued", "0", "--no-warmup")
    try:
        with served.client(timeout=30) as api:
            # one long line fills the only worker (the job cap is 1)
            first = api.post("/v1/speak", json={"text": "This line keeps the only worker busy for a while. " * 25})
            assert first.status_code == 202, first.text
            backend = HttpBackend(served.url, timeout=10, busy_wait=0)
            with pytest.raises(BackendBusy, match=r"the backend is busy \(.*\); retry in 1 s") as busy:
                backend.speak(SpeakRequest(text="Hello."))
            assert busy.value.retry_after == 1.0
            state = api.get(f"/v1/jobs/{first.json()['id']}").json()["state"]
            assert state in ("queued", "running"), "the first job ended before the second was refused"
            api.post(f"/v1/jobs/{first.json()['id']}/cancel")
        assert backend.health()["status"] == "ok"          # busy is not dead: the server still answers
        served.proc.kill()
        served.proc.wait(timeout=10)
        with pytest.raises(BackendGone, match=r"the backend is not running or stopped: .*connection refused"):
            backend.health()
    finally:
        served.stop()


def test_busy_is_told_from_the_reply_not_from_the_status_alone():
    busy_json = json.dumps({"error": "full", "kind": "busy"}).encode()
    assert _is_busy(Reply(429, {}, b"{}")) and _is_busy(Reply(503, {}, busy_json))
    assert _is_busy(Reply(503, {"retry-after": "7"}, b""))
    assert not _is_busy(Reply(503, {}, b"Service Unavailable"))      # a proxy before a stopped backend
    assert not _is_busy(Reply(500, {"retry-after": "1"}, busy_json))
    assert _retry_after(Reply(429, {"retry-after": "7"}, b"")) == 7.0
    assert _retry_after(Reply(429, {"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, b"")) == 1.0
