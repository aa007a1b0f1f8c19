"""A local backend this add-on runs: `python -m unitaf_backend.service` (the same as `unitaf serve`) with
the interpreter from the preferences, on a free loopback port, with a fresh random token.

- Start: the server prints `UNITAF_READY port=N ...` once it accepts requests (a handshake, not a sleep);
  then /v1/health is asked with the token to confirm.
- Reuse: one process serves every request of its client; `ensure_running()` is cheap when it is alive.
- Restart: a process that died is started again by the next `ensure_running()`.
- Stop: `stop()` (the add-on's unregister), at interpreter exit (atexit), and by the server itself when
  our end of its stdin closes, which also covers Blender crashing.
"""

from __future__ import annotations

import atexit
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
import time
import weakref
from pathlib import Path
from typing import IO

from .backend_api import BackendError
from .http_client import Endpoint, HttpBackend, TransportError, send

READY_PREFIX = "UNITAF_READY"
TOKEN_ENV = "UNITAF_TOKEN"
LOG_TAIL_LINES = 6

_running: weakref.WeakSet[BackendProcess] = weakref.WeakSet()


class BackendStartError(BackendError):
    """The local backend could not be started; the message says why and what to do."""


def find_interpreter(python: str) -> str | None:
    """The interpreter's full path, or None when there is no such executable."""
    expanded = os.path.expanduser(python.strip())
    if not expanded:
        return None
    if os.sep in expanded or (os.altsep and os.altsep in expanded):
        return expanded if os.path.isfile(expanded) and os.access(expanded, os.X_OK) else None
    return shutil.which(expanded)


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for another Python: ours, minus Blender's Python home (it would break that one)."""
    env = dict(os.environ if base is None else base)
    env.pop("PYTHONHOME", None)
    return env


class BackendProcess:
    def __init__(self, python: str, *, host: str = "127.0.0.1", port: int = 0, extra_args: tuple[str, ...] = (),
                 startup_timeout: float = 120.0, env: dict[str, str] | None = None) -> None:
        self.python = python
        self.host = host
        self.port = port
        self.extra_args = tuple(extra_args)
        self.startup_timeout = startup_timeout
        self.env = env
        self.starts = 0                         # how many times a process was started
        self.log_path: Path | None = None       # the server's stderr, kept when it crashed
        self._proc: subprocess.Popen[bytes] | None = None
        self._endpoint: Endpoint | None = None
        self._reader: threading.Thread | None = None
        self._stopped = False                   # stop() was called: never start again
        self._lock = threading.RLock()

    # ---- public ---------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None else None

    def alive(self) -> bool:
        proc = self._proc
        return proc is not None and proc.poll() is None

    def exited(self, within: float) -> bool:
        """True when the process has ended or ends within `within` seconds (a kill takes a moment to show)."""
        proc = self._proc
        if proc is None:
            return True
        try:
            proc.wait(timeout=within)
        except subprocess.TimeoutExpired:
            return False
        return True

    def ensure_running(self) -> Endpoint:
        """The endpoint of a running backend, starting (or restarting) it first when needed."""
        with self._lock:
            if self._stopped:
                raise BackendError("the local UniTAF backend was stopped (the add-on was disabled or Blender "
                                   "is quitting)")
            if self.alive() and self._endpoint is not None:
                return self._endpoint
            if self._proc is not None:       # it died: keep its log for the user, start a new one
                self._release(delete_log=False)
            return self._start()

    def failure_report(self) -> str:
        """How the process ended, with the last lines of its log."""
        proc = self._proc
        code = proc.poll() if proc is not None else None
        if code is None:
            how = "is not running"
        elif code < 0:
            how = f"was stopped by signal {-code}"
        else:
            how = f"exited with code {code}"
        tail = self._log_tail()
        return f"the local UniTAF backend {how}" + (f" (log {self.log_path}: {tail})" if tail else "")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the process for good: close its stdin (it exits by itself), then terminate, then kill."""
        self._stopped = True        # before the lock: a start in progress sees it and gives up at once
        with self._lock:
            proc = self._proc
            if proc is not None and proc.poll() is None:
                _close_quietly(proc.stdin)
                try:
                    proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.terminate()
                    try:
                        proc.wait(timeout=2.0)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait(timeout=2.0)
            clean = proc is None or proc.returncode in (0, None)
            self._release(delete_log=clean)
            _running.discard(self)

    # ---- starting -------------------------------------------------------------------------------

    def _start(self) -> Endpoint:
        python = find_interpreter(self.python)
        if python is None:
            raise BackendStartError(f"Python interpreter not found: {self.python!r}. Set 'Backend Python' in "
                                    "the UniTAF preferences to the python of a UniTAF install (e.g. .venv/bin/python)")
        token = secrets.token_urlsafe(24)
        env = child_env(self.env)
        env.update({TOKEN_ENV: token, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"})
        cmd = [python, "-m", "unitaf_backend.service", "--host", self.host, "--port", str(self.port),
               "--stop-on-stdin-eof", *self.extra_args]
        fd, log_name = tempfile.mkstemp(prefix="unitaf-backend-", suffix=".log")
        self.log_path = Path(log_name)
        with os.fdopen(fd, "wb") as log:
            try:
                self._proc = subprocess.Popen(
                    cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, close_fds=True,
                    start_new_session=os.name != "nt",
                    creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0) if os.name == "nt" else 0,
                )
            except OSError as err:
                raise BackendStartError(f"cannot run {python}: {err.strerror or err}") from None
        self.starts += 1
        _running.add(self)
        ready: queue.Queue[int | None] = queue.Queue()
        assert self._proc.stdout is not None
        self._reader = threading.Thread(target=_read_stdout, args=(self._proc.stdout, self.log_path, ready),
                                        name="unitaf-backend-stdout", daemon=True)
        self._reader.start()
        port = self._wait_ready(ready)
        url_host = f"[{self.host}]" if ":" in self.host else self.host
        endpoint = Endpoint(f"http://{url_host}:{port}", token)
        self._confirm_health(endpoint)
        self._endpoint = endpoint
        return endpoint

    def _wait_ready(self, ready: queue.Queue[int | None]) -> int:
        assert self._proc is not None
        give_up = time.monotonic() + self.startup_timeout
        while time.monotonic() < give_up and not self._stopped:
            try:
                port = ready.get(timeout=0.1)
            except queue.Empty:
                if self._proc.poll() is not None:
                    break
                continue
            if port is not None:
                return port
            break                            # stdout closed without the ready line: it is exiting
        exited_by_itself = not self._stopped and self.exited(within=5.0)
        self._give_up_start()
        if self._stopped:
            raise BackendStartError("the local UniTAF backend was stopped while it was starting")
        if exited_by_itself:
            raise BackendStartError(self._start_failure())
        raise BackendStartError(f"the local UniTAF backend did not become ready within "
                                f"{self.startup_timeout:g} s ({self.python}); log: {self.log_path}")

    def _confirm_health(self, endpoint: Endpoint) -> None:
        try:
            reply = send(endpoint, "GET", "/v1/health", timeout=10.0)
        except TransportError as err:
            self._give_up_start()
            raise BackendStartError(f"the local UniTAF backend started but does not answer: {err}") from None
        if reply.status != 200:
            self._give_up_start()
            raise BackendStartError(f"the local UniTAF backend started but its health check failed: "
                                    f"{reply.error_message()}")

    def _give_up_start(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5.0)
        if self._reader is not None:
            self._reader.join(timeout=2.0)

    def _start_failure(self) -> str:
        """Why the process exited while starting, in words the user can act on."""
        log = self._log_text()
        if "No module named unitaf_backend" in log or "No module named 'unitaf_backend'" in log:
            return (f"the UniTAF backend is not installed in {self.python}: choose the python of a UniTAF "
                    "install in the preferences, or install the backend there (pip install <UniTAF folder>)")
        if "already in use" in log:
            return f"port {self.port} on {self.host} is already in use: choose another port, or 0 for any free port"
        return self.failure_report() + " while starting"

    # ---- cleaning up ----------------------------------------------------------------------------

    def _release(self, delete_log: bool) -> None:
        proc, self._proc, self._endpoint = self._proc, None, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                _close_quietly(stream)
        if self._reader is not None:
            self._reader.join(timeout=2.0)
            self._reader = None
        if delete_log and self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None

    def _log_text(self) -> str:
        if self.log_path is None:
            return ""
        try:
            return self.log_path.read_bytes()[-20000:].decode("utf-8", "replace")
        except OSError:
            return ""

    def _log_tail(self) -> str:
        lines = [ln.strip() for ln in self._log_text().splitlines() if ln.strip()]
        return " | ".join(lines[-LOG_TAIL_LINES:])


def _read_stdout(stream: IO[bytes], log_path: Path, ready: queue.Queue[int | None]) -> None:
    """Find the ready line, then keep draining stdout into the log so the server never blocks on it."""
    announced = False
    try:
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").strip()
            if not announced and line.startswith(READY_PREFIX):
                fields = dict(f.split("=", 1) for f in line.split()[1:] if "=" in f)
                if fields.get("port", "").isdigit():
                    announced = True
                    ready.put(int(fields["port"]))
                    continue
            with open(log_path, "ab") as log:
                log.write(raw)
    except (OSError, ValueError):
        pass
    finally:
        if not announced:
            ready.put(None)


def _close_quietly(stream: IO[bytes] | None) -> None:
    if stream is not None:
        try:
            stream.close()
        except OSError:
            pass


def local_backend(python: str, **process_options: object) -> HttpBackend:
    """An HttpBackend over a new local backend process (started on first use; `close()` stops it)."""
    return HttpBackend(process=BackendProcess(python, **process_options))  # type: ignore[arg-type]


def stop() -> None:
    """Stop every local backend this add-on started (unregister and interpreter exit call this)."""
    for proc in list(_running):
        proc.stop()


atexit.register(stop)
