"""The HTTP client of the backend: a remote or local `unitaf serve` behind the add-on's Backend interface.

Stdlib and numpy only (this runs in Blender's Python). Every call has a timeout; a backend that cannot be
reached, or that drops the connection mid-request, gives one clear BackendError. Long work runs as a job
on the server: the client long-polls it, reports progress, and cancels it when `cancel()` turns true.
With a local `BackendProcess`, a backend that died is started again on the next request.
"""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from . import wire
from .backend_api import (
    AnimateRequest,
    BackendCancelled,
    BackendError,
    CancelCheck,
    FaceResult,
    IdleRequest,
    IdleResult,
    Progress,
    SpeakRequest,
)
from .version import ADDON_VERSION, API_VERSION, versions_compatible

if TYPE_CHECKING:
    from .backend_process import BackendProcess

USER_AGENT = f"unitaf-blender/{ADDON_VERSION}"


@dataclass(frozen=True)
class Endpoint:
    url: str                  # e.g. http://127.0.0.1:8765 (a path prefix is allowed)
    token: str | None = None


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        try:
            value = json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise BackendError(f"the backend sent an answer that is not JSON (HTTP {self.status})") from None
        if not isinstance(value, dict):
            raise BackendError("the backend sent an unexpected answer")
        return value

    def error_message(self) -> str:
        try:
            message = json.loads(self.body.decode("utf-8")).get("error")
        except (UnicodeDecodeError, ValueError, AttributeError):
            message = None
        return str(message) if message else f"HTTP {self.status}: {self.body[:200].decode('utf-8', 'replace')}"


class BackendBusy(BackendError):
    """The backend is running but has no room for this request now (429, or a JSON 503 marked busy):
    retrying later helps. `retry_after` is the wait in seconds the server asked for."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class BackendGone(BackendError):
    """No answer at all (refused, reset, timed out): the backend is not running there, or it stopped."""


class TransportError(BackendError):
    """The request did not get an answer: refused, dropped, timed out. `kind` says which."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind      # refused | dropped | timeout | network | protocol


def send(endpoint: Endpoint, method: str, path: str, *, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 30.0) -> Reply:
    """One HTTP request on a fresh connection (a restarted backend never meets a stale keep-alive)."""
    parts = urllib.parse.urlsplit(endpoint.url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise BackendError(f"backend URL {endpoint.url!r} is not an http:// or https:// address")
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json, application/x-unitaf-face"}
    if endpoint.token:
        all_headers["Authorization"] = f"Bearer {endpoint.token}"
    all_headers.update(headers or {})
    where = endpoint.url
    try:
        try:
            conn.request(method, parts.path.rstrip("/") + path, body=body, headers=all_headers)
        except (ConnectionResetError, BrokenPipeError):
            if body is None:
                raise
            # the server stopped reading the body part way: it may have answered why (413) before closing
        response = conn.getresponse()
        data = response.read()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, data)
    except ConnectionRefusedError:
        raise TransportError(f"cannot reach the UniTAF backend at {where} (connection refused)", "refused") from None
    except (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected,
            http.client.IncompleteRead):
        raise TransportError(f"the UniTAF backend at {where} closed the connection in the middle of a "
                             "request (did it stop or crash?)", "dropped") from None
    except TimeoutError:
        raise TransportError(f"the UniTAF backend at {where} did not answer within {timeout:g} s",
                             "timeout") from None
    except ssl.SSLError as err:
        raise TransportError(f"secure connection to {where} failed: {err.reason or err}", "network") from None
    except OSError as err:
        raise TransportError(f"cannot reach the UniTAF backend at {where}: {err.strerror or err}",
                             "network") from None
    except http.client.HTTPException as err:
        raise TransportError(f"the UniTAF backend at {where} sent a malformed answer ({type(err).__name__})",
                             "protocol") from None
    finally:
        conn.close()


def _multipart(parts: list[tuple[str, str | None, str, bytes]]) -> tuple[bytes, str]:
    """(field name, file name or None, content type, bytes) -> (body, Content-Type header)."""
    boundary = "unitaf-" + secrets.token_hex(16)
    chunks: list[bytes] = []
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
                      f"Content-Type: {content_type}\r\n\r\n".encode("ascii"))
        chunks += [data, b"\r\n"]
    chunks.append(f"--{boundary}--\r\n".encode("ascii"))
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


FINISHED = ("done", "failed", "cancelled")


class HttpBackend:
    """A `unitaf serve` at a URL (`HttpBackend(url, token=...)`), or a local one this add-on runs
    (`HttpBackend(process=BackendProcess(python))`, see backend_process.local_backend)."""

    def __init__(self, url: str | None = None, token: str | None = None, *,
                 process: BackendProcess | None = None, timeout: float = 30.0, job_timeout: float = 1800.0,
                 poll_wait: float = 0.25, busy_wait: float = 120.0, cancel_wait: float = 1.0) -> None:
        if (url is None) == (process is None):
            raise ValueError("give either a URL or a local BackendProcess")
        self._fixed = Endpoint(url.rstrip("/"), token or None) if url is not None else None
        self.process = process
        self.timeout = timeout              # one request without long work
        self.job_timeout = job_timeout      # one whole job
        self.poll_wait = poll_wait          # long-poll length: also the cancel reaction time
        self.busy_wait = busy_wait          # how long to keep retrying a busy (429/503) backend
        self.cancel_wait = cancel_wait      # how long to wait for a cancelled job to confirm (UI stays snappy)
        self._checked: Endpoint | None = None
        self._lock = threading.Lock()
        self._audio_limits: dict[Endpoint, int | None] = {}

    # ---- the Backend interface ------------------------------------------------------------------

    def health(self) -> dict:
        endpoint = self._endpoint()
        return self._json(endpoint, "GET", "/v1/health")

    def info(self) -> dict:
        endpoint = self._endpoint()
        return self._json(endpoint, "GET", "/v1/info")

    def speak(self, request: SpeakRequest, progress: Progress | None = None,
              cancel: CancelCheck | None = None) -> FaceResult:
        body = json.dumps({
            "text": request.text, "emotion": request.emotion, "intensity": float(request.intensity),
            "voice": request.voice or None, "fps": float(request.fps), "mode": request.mode, "seed": int(request.seed),
            "head_motion": bool(request.head_motion),
        }).encode("utf-8")
        return self._run_job("/v1/speak", body, {"Content-Type": "application/json"}, progress, cancel)

    def animate(self, request: AnimateRequest, progress: Progress | None = None,
                cancel: CancelCheck | None = None) -> FaceResult:
        if not request.wav_bytes:
            raise BackendError("the recording is empty")
        limit = self._audio_limit()
        if limit is not None and len(request.wav_bytes) > limit:
            raise BackendError(f"the recording is {len(request.wav_bytes) / 2**20:.0f} MB; this backend accepts "
                               f"recordings up to {limit / 2**20:.0f} MB")
        options = json.dumps({
            "transcript": request.transcript, "emotion": request.emotion, "intensity": float(request.intensity),
            "fps": float(request.fps), "mode": request.mode, "seed": int(request.seed),
            "head_motion": bool(request.head_motion),
        }).encode("utf-8")
        body, content_type = _multipart([("audio", "recording.wav", "audio/wav", request.wav_bytes),
                                         ("options", None, "application/json", options)])
        return self._run_job("/v1/animate", body, {"Content-Type": content_type}, progress, cancel)

    def idle(self, request: IdleRequest) -> IdleResult:
        body = json.dumps({"duration": float(request.duration), "fps": float(request.fps),
                           "seed": int(request.seed), "blinks": bool(request.blinks), "gaze": bool(request.gaze),
                           "breathing": bool(request.breathing)}).encode("utf-8")
        endpoint = self._endpoint()
        reply = self._send(endpoint, "POST", "/v1/idle", body=body, headers={"Content-Type": "application/json"})
        _raise_for_status(reply)
        return wire.idle_result(reply.body)

    def close(self) -> None:
        """Stops the local backend this client started (a remote one is left alone)."""
        if self.process is not None:
            self.process.stop()

    # ---- plumbing -------------------------------------------------------------------------------

    def _audio_limit(self) -> int | None:
        """The largest recording the backend takes, as its /v1/info reports it (asked once per endpoint,
        so a file it would refuse is never uploaded); None when it does not say."""
        endpoint = self._endpoint()
        with self._lock:
            if endpoint in self._audio_limits:
                return self._audio_limits[endpoint]
        reported = self.info().get("limits", {}).get("max_audio_bytes")
        limit = int(reported) if isinstance(reported, (int, float)) and reported > 0 else None
        with self._lock:
            self._audio_limits[endpoint] = limit
        return limit

    def _endpoint(self) -> Endpoint:
        """Where to send the next request; a local backend is (re)started here, and checked once."""
        endpoint = self._fixed if self._fixed is not None else self._local_endpoint()
        with self._lock:
            if endpoint == self._checked:
                return endpoint
        health = self._json(endpoint, "GET", "/v1/health")
        self._check_versions(endpoint, health)
        with self._lock:
            self._checked = endpoint
        return endpoint

    def _local_endpoint(self) -> Endpoint:
        assert self.process is not None
        return self.process.ensure_running()

    def _check_versions(self, endpoint: Endpoint, health: dict) -> None:
        api, version = health.get("api_version"), str(health.get("version", "?"))
        if api != API_VERSION:
            raise BackendError(f"the backend at {endpoint.url} speaks API version {api}, this add-on speaks "
                               f"{API_VERSION}: install matching versions (add-on {ADDON_VERSION}, backend {version})")
        if not versions_compatible(ADDON_VERSION, version):
            raise BackendError(f"version mismatch: the add-on is {ADDON_VERSION} but the backend at "
                               f"{endpoint.url} is {version}; install the same major.minor version of both")

    def _send(self, endpoint: Endpoint, method: str, path: str, *, body: bytes | None = None,
              headers: dict[str, str] | None = None, timeout: float | None = None) -> Reply:
        try:
            return send(endpoint, method, path, body=body, headers=headers,
                        timeout=self.timeout if timeout is None else timeout)
        except TransportError as err:
            raise self._explain(err) from None

    def _explain(self, err: TransportError) -> BackendError:
        """A transport failure, said in the user's terms: the backend is not running or stopped (a local
        backend that died says how it died, and is started again on the next request)."""
        if self.process is not None and err.kind in ("refused", "dropped") and self.process.exited(within=1.0):
            return BackendGone(self.process.failure_report() + "; it will be started again on the next request")
        if err.kind in ("refused", "dropped", "timeout"):
            hint = ": is `unitaf serve` running there?" if err.kind == "refused" and self.process is None else ""
            return BackendGone(f"the backend is not running or stopped: {err}{hint}")
        return BackendError(str(err))

    def _json(self, endpoint: Endpoint, method: str, path: str, **kwargs: object) -> dict:
        reply = self._send(endpoint, method, path, **kwargs)  # type: ignore[arg-type]
        _raise_for_status(reply)
        return reply.json()

    def _run_job(self, path: str, body: bytes, headers: dict[str, str], progress: Progress | None,
                 cancel: CancelCheck | None) -> FaceResult:
        endpoint = self._endpoint()
        status = self._submit(endpoint, path, body, headers, cancel)
        job_id = str(status["id"])
        try:
            self._follow(endpoint, job_id, status, progress, cancel)
            reply = self._send(endpoint, "GET", f"/v1/jobs/{job_id}/result")
            _raise_for_status(reply)
            return wire.face_result(reply.body)
        finally:
            self._forget(endpoint, job_id)

    def _submit(self, endpoint: Endpoint, path: str, body: bytes, headers: dict[str, str],
                cancel: CancelCheck | None) -> dict:
        """POST the work; a busy backend (429, or 503 from a full server) is retried for `busy_wait` s."""
        give_up = time.monotonic() + self.busy_wait
        while True:
            reply = self._send(endpoint, "POST", path, body=body, headers=headers)
            if not _is_busy(reply):
                _raise_for_status(reply)
                status = reply.json()
                if not isinstance(status.get("id"), str):
                    raise BackendError("the backend accepted the work but sent no job id")
                return status
            if time.monotonic() >= give_up:
                _raise_for_status(reply)
            _sleep_unless_cancelled(min(5.0, _retry_after(reply)), cancel)

    def _follow(self, endpoint: Endpoint, job_id: str, status: dict, progress: Progress | None,
                cancel: CancelCheck | None) -> None:
        """Long-poll the job until it finishes, reporting progress; cancel it when asked."""
        give_up = time.monotonic() + self.job_timeout
        reported = None
        while True:
            if progress is not None and status.get("version") != reported:
                reported = status.get("version")
                progress(float(status.get("progress", 0.0)), str(status.get("stage", "")))
            state = status.get("state")
            if state == "done":
                return
            if state == "failed":
                raise BackendError(str(status.get("error") or "the backend could not do this job"))
            if state == "cancelled":
                raise BackendCancelled("cancelled")
            if cancel is not None and cancel():
                self._cancel(endpoint, job_id)
                raise BackendCancelled("cancelled")
            if time.monotonic() > give_up:
                self._cancel(endpoint, job_id)
                raise BackendError(f"the backend did not finish within {self.job_timeout:g} s; the job was stopped")
            reply = self._send(endpoint, "GET", f"/v1/jobs/{job_id}?wait={self.poll_wait:g}"
                               f"&since={int(status.get('version', -1))}", timeout=self.timeout + self.poll_wait)
            if reply.status == 404:
                raise BackendError(f"the backend at {endpoint.url} no longer knows this job (it was restarted, "
                                   "or the job was removed); try again")
            if _is_busy(reply):              # too many requests at this moment: ask again shortly
                _sleep_unless_cancelled(min(5.0, _retry_after(reply)), cancel)
                continue
            _raise_for_status(reply)
            status = reply.json()

    def _cancel(self, endpoint: Endpoint, job_id: str) -> None:
        """Ask the job to stop and wait (briefly) until it has; a backend that is gone needs no cancel."""
        try:
            status = self._json(endpoint, "POST", f"/v1/jobs/{job_id}/cancel")
            give_up = time.monotonic() + self.cancel_wait
            while status.get("state") not in FINISHED and time.monotonic() < give_up:
                since = int(status.get("version", -1))
                status = self._json(endpoint, "GET", f"/v1/jobs/{job_id}?wait=0.5&since={since}",
                                    timeout=self.timeout + 0.5)
        except BackendError:
            pass

    def _forget(self, endpoint: Endpoint, job_id: str) -> None:
        """Free the job's result on the server; best effort (the server also drops old results itself)."""
        try:
            send(endpoint, "DELETE", f"/v1/jobs/{job_id}", timeout=min(self.timeout, 5.0))
        except BackendError:
            pass


def _raise_for_status(reply: Reply) -> None:
    if reply.status < 400:
        return
    if reply.status == 401:
        raise BackendError("the backend refused the token (401): check the token in the UniTAF preferences")
    if _is_busy(reply):
        wait = _retry_after(reply)
        raise BackendBusy(f"the backend is busy ({reply.error_message()}); retry in {wait:g} s", wait)
    raise BackendError(reply.error_message())


def _is_busy(reply: Reply) -> bool:
    """429, or a 503 that the server marked busy (a JSON `kind: busy`, or a Retry-After): running but full.
    A 503 without either (a proxy in front of a stopped backend) is not worth retrying."""
    if reply.status == 429:
        return True
    if reply.status != 503:
        return False
    if "retry-after" in reply.headers:
        return True
    try:
        return json.loads(reply.body.decode("utf-8")).get("kind") == "busy"
    except (UnicodeDecodeError, ValueError, AttributeError):
        return False


def _retry_after(reply: Reply) -> float:
    """The server's Retry-After in seconds (at least 0.1; 1 when it sends none or an HTTP date)."""
    try:
        return max(0.1, float(reply.headers.get("retry-after", "1")))
    except ValueError:
        return 1.0


def _sleep_unless_cancelled(seconds: float, cancel: Callable[[], bool] | None) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cancel is not None and cancel():
            raise BackendCancelled("cancelled")
        time.sleep(min(0.1, max(0.0, end - time.monotonic())))
