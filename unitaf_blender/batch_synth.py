"""The batch's backend side: requests for dialogue lines, and a look-ahead pool of warm backends."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import queue
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

from .core import line_inputs
from .core.backend_api import (
    AnimateRequest,
    Backend,
    BackendError,
    CancelCheck,
    FaceResult,
    IdleRequest,
    IdleResult,
    Progress,
    SpeakRequest,
)
from .core.dialogue import DialogueError, DialogueLine

if TYPE_CHECKING:
    from .batch_runner import BatchOptions


def request_for(line: DialogueLine, fps: float, mode: str, seed: int,
                head_motion: bool = False) -> SpeakRequest | AnimateRequest:
    """The backend request for one dialogue line (reads the WAV for audio lines), checked as the panel
    checks its own (`core.line_inputs`)."""
    options = line_inputs.LineOptions(emotion=line.emotion, intensity=line.intensity, voice=line.voice,
                                      mode=mode, fps=fps)
    if line.audio is not None:
        with open(line.audio, "rb") as f:
            wav = f.read()
        return dataclasses.replace(line_inputs.animate_request(wav, line.transcript or "", options), seed=seed,
                                   head_motion=head_motion)
    return dataclasses.replace(line_inputs.speak_request(line.text or "", options), seed=seed,
                               head_motion=head_motion)


def run_request(backend: Backend, request: SpeakRequest | AnimateRequest) -> FaceResult:
    if isinstance(request, AnimateRequest):
        return backend.animate(request)
    return backend.speak(request)


class Synthesizer:
    """Asks the backend for lines ahead of the writer, with at most ``workers`` backends, all kept warm.

    ``results(lines)`` yields (line, FaceResult or the exception) in the lines' order, keeping up to
    ``workers + 1`` requests in flight so the next line is synthesised while the current one is written.
    With ``overlap=False`` every line is synthesised on the caller's thread right before it is written.
    A backend serves one request at a time and is reused for the next one; a second one is opened only when
    every open one is busy (so one worker means one backend, e.g. a single local service process).
    """

    def __init__(self, open_backend: Callable[[], Backend], workers: int = 1, overlap: bool = True):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._open = open_backend
        self._workers = workers
        self._overlap = overlap
        self._backends: list[Backend] = []
        self._idle: queue.Queue[Backend] = queue.Queue()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _acquire(self) -> Backend:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_open = len(self._backends) < self._workers
            if may_open:
                backend = self._open()
                self._backends.append(backend)
                return backend
        return self._idle.get()

    def warm_up(self) -> dict:
        """Open the first backend now, so 'no backend' stops the run before anything is written."""
        backend = self._acquire()
        try:
            return backend.info()
        finally:
            self._idle.put(backend)

    def idle(self, request: IdleRequest) -> IdleResult:
        """An idle clip from one of the warm backends (quick: no look-ahead)."""
        backend = self._acquire()
        try:
            return backend.idle(request)
        finally:
            self._idle.put(backend)

    def _one(self, request: Callable[[], SpeakRequest | AnimateRequest]) -> FaceResult:
        backend = self._acquire()
        try:
            return run_request(backend, request())
        finally:
            self._idle.put(backend)

    def results(self, lines: list[DialogueLine],
                make_request: Callable[[DialogueLine], SpeakRequest | AnimateRequest],
                ) -> Iterator[tuple[DialogueLine, FaceResult | BaseException]]:
        if not self._overlap:
            for line in lines:
                try:
                    yield line, self._one(functools.partial(make_request, line))
                except Exception as exc:  # noqa: BLE001 - any failure is this line's, reported by the caller
                    yield line, exc
            return
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="unitaf-batch")
        ahead = self._workers + 1
        pending: list[tuple[DialogueLine, Future[FaceResult]]] = []
        todo = iter(lines)
        try:
            while True:
                while len(pending) < ahead:
                    nxt = next(todo, None)
                    if nxt is None:
                        break
                    pending.append((nxt, self._pool.submit(self._one, functools.partial(make_request, nxt))))
                if not pending:
                    return
                line, fut = pending.pop(0)
                try:
                    yield line, fut.result()
                except Exception as exc:  # noqa: BLE001 - any failure is this line's, reported by the caller
                    yield line, exc
        finally:
            for _, fut in pending:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        with self._lock:
            backends, self._backends = self._backends, []
        for b in backends:
            try:
                b.close()
            except Exception as exc:  # noqa: BLE001 - closing must not hide the run's own outcome
                print(f"batch: closing the backend: {exc}", file=sys.stderr)


class CacheFirst:
    """A backend that answers from a line cache when it holds the line, and opens the real backend only
    for the first line it does not hold (so a run whose lines are all cached starts no backend)."""

    def __init__(self, cache_dir: str, open_backend: Callable[[], Backend]):
        from .core.line_cache import LineCacheReader
        self._cache = LineCacheReader(cache_dir)
        self._open = open_backend
        self._backend: Backend | None = None
        self.hits = 0

    def _real(self) -> Backend:
        if self._backend is None:
            self._backend = self._open()
        return self._backend

    def info(self) -> dict:
        if self._backend is None:
            return {"name": f"line cache {self._cache.root}"}
        return self._backend.info()

    def _cached(self, request: SpeakRequest | AnimateRequest) -> FaceResult | None:
        got = self._cache.get(request)
        if got is not None:
            self.hits += 1
        return got

    def speak(self, request: SpeakRequest, progress: Progress | None = None,
              cancel: CancelCheck | None = None) -> FaceResult:
        return self._cached(request) or self._real().speak(request, progress, cancel)

    def animate(self, request: AnimateRequest, progress: Progress | None = None,
                cancel: CancelCheck | None = None) -> FaceResult:
        return self._cached(request) or self._real().animate(request, progress, cancel)

    def idle(self, request: IdleRequest) -> IdleResult:
        return self._real().idle(request)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


def cache_first(cache_dir: str | None, open_backend: Callable[[], Backend]) -> Callable[[], Backend]:
    """The batch's opener, reading the line cache first when one is given."""
    if not cache_dir:
        return open_backend
    return lambda: CacheFirst(cache_dir, open_backend)


def backend_opener(opts: BatchOptions) -> Callable[[], Backend]:
    """How each worker opens its backend: in-process when possible, else the HTTP service."""
    from .blender import backend_factory
    opened = itertools.count()

    def open_one() -> Backend:
        # Worker i talks to the i-th service (round robin when there are more workers than URLs).
        url = opts.urls[next(opened) % len(opts.urls)] if opts.urls else None
        return backend_factory.make_backend(kind=opts.backend, url=url, token=opts.token,
                                            python=opts.backend_python)
    return open_one


def error_text(exc: BaseException) -> str:
    """One line for the log: our own errors as they are, anything else with its type."""
    if isinstance(exc, (BackendError, DialogueError, ValueError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"
