"""Runs a backend call off Blender's main thread, so the UI never freezes.

The thread only talks to the backend and fills in progress/result/error; it never touches bpy. The
operator's modal handler polls the job on a timer and applies the result on the main thread. In
background mode (no timers, no events) the same job runs synchronously with `run_here`.
One job at a time: a second Generate waits for the first to finish or be cancelled.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from ..core.backend_api import BackendCancelled, CancelCheck, FaceResult, Progress

Work = Callable[[Progress, CancelCheck], FaceResult]


class Job:
    def __init__(self, work: Work, label: str = "") -> None:
        self.label = label
        self.progress = 0.0
        self.stage = "starting"
        self.result: FaceResult | None = None
        self.error: BaseException | None = None
        self._work = work
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    # -- called from the main thread
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="unitaf-job", daemon=True)
        self._thread.start()

    def run_here(self) -> FaceResult:
        """Run synchronously in the calling thread (as the current job, so Cancel reaches it);
        raises what the work raised."""
        global _current
        if current_job() is not None:
            raise RuntimeError("a UniTAF job is already running")
        _current = self
        try:
            self._run()
        finally:
            finish(self)
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    # -- the work
    def _report(self, fraction: float, stage: str) -> None:
        self.progress = min(max(float(fraction), 0.0), 1.0)
        self.stage = stage

    def _run(self) -> None:
        try:
            result = self._work(self._report, self._cancel.is_set)
            if self._cancel.is_set():
                raise BackendCancelled("cancelled")
            self.result = result
        except BaseException as exc:     # handed to the main thread, which reports it
            self.error = exc
        finally:
            self._done.set()


_current: Job | None = None


def current_job() -> Job | None:
    """The job that is running now (None when idle)."""
    return _current if _current is not None and not _current.done else None


def begin(job: Job) -> None:
    """Make `job` the current one and start its thread."""
    global _current
    if current_job() is not None:
        raise RuntimeError("a UniTAF job is already running")
    _current = job
    job.start()


def finish(job: Job) -> None:
    """Forget `job` once the operator has applied or reported it."""
    global _current
    if _current is job:
        _current = None


def cancel_current() -> bool:
    job = current_job()
    if job is None:
        return False
    job.cancel()
    return True
