"""Real `unitaf serve` processes on 127.0.0.1 with port 0, for the service and client tests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

READY = "UNITAF_READY"


@dataclass
class Served:
    proc: subprocess.Popen
    port: int
    token: str | None
    ready_line: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def client(self, token: str | None = None, timeout: float = 30.0) -> httpx.Client:
        tok = self.token if token is None else token
        headers = {"Authorization": f"Bearer {tok}"} if tok else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr, self.proc.stdin):
            if stream is not None:
                stream.close()


def start_server(*args: str, token: str | None = None) -> Served:
    """Start `python -m unitaf_backend serve --port 0 ARGS` and wait for its ready line."""
    env = dict(os.environ)
    env.pop("UNITAF_TOKEN", None)
    if token:
        env["UNITAF_TOKEN"] = token
    proc = subprocess.Popen(
        [sys.executable, "-m", "unitaf_backend", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env, text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()          # the first stdout line is the handshake
    if not line.startswith(READY):
        proc.kill()
        raise RuntimeError(f"no ready line: {line!r}; stderr: {proc.stderr.read() if proc.stderr else ''}")
    fields = dict(f.split("=", 1) for f in line.split()[1:])
    served = Served(proc, int(fields["port"]), token, line.strip())
    # drain stderr so the server never blocks on a full pipe
    threading.Thread(target=lambda: proc.stderr and proc.stderr.read(), daemon=True).start()
    return served


@pytest.fixture(scope="session")
def server() -> Iterator[Served]:
    served = start_server("--max-queued", "4")
    yield served
    served.stop()


@pytest.fixture(scope="session")
def token_server() -> Iterator[Served]:
    served = start_server("--no-warmup", token="s3cret-token")
    yield served
    served.stop()


def pipeline_ready() -> bool:
    """The speech and face stages the speak pipeline needs have landed (other issues build them)."""
    try:
        from unitaf_backend.face import articulation, layers  # noqa: F401
        from unitaf_backend.speech import list_voices, synthesize  # noqa: F401
    except ImportError:
        return False
    return True


needs_pipeline = pytest.mark.skipif(not pipeline_ready(), reason="speech/face stages not built yet")
