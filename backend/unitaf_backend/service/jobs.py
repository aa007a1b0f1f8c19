"""Background jobs: long work runs on a small worker pool, reports progress, can be cancelled.

A job is queued, then running, then one of done / failed / cancelled. At most
`max_running_jobs + max_queued_jobs` jobs are unfinished at any time; beyond that `submit` raises
`QueueFull` (the API answers 429). A running job is cancelled once it passes `job_timeout_s`; the work
sees that through its cancel check (the pipeline checks between stages, the TTS between sentences).
Finished jobs keep their result for `result_ttl_s` and at most `max_kept_results` of them are kept.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..errors import BadInput, Cancelled, NotInstalled, UnitafError
from ..memory import release_freed_memory
from .config import Limits

log = logging.getLogger("unitaf.service")

Progress = Callable[[float, str], None]
CancelCheck = Callable[[], bool]
Work = Callable[[Progress, CancelCheck], bytes]   # returns the encoded result

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = (DONE, FAILED, CANCELLED)


class QueueFull(Exception):
    """Too many unfinished jobs; the caller should retry later."""


class ShuttingDown(Exception):
    """The service is stopping and takes no new work."""


@dataclass
class Job:
    id: str
    kind: str
    created: float
    state: str = QUEUED
    progress: float = 0.0
    stage: str = "queued"
    error: str | None = None
    error_kind: str | None = None    # bad_input | not_installed | timeout | error | internal
    result: bytes | None = None
    started: float | None = None
    finished: float | None = None
    version: int = 0                 # bumped on every change, for long polls
    worker_busy: bool = True         # the work function has not returned yet (it holds a worker)
    deleted: bool = False            # the client dropped it; forget it once the worker lets go
    cancel_requested: threading.Event = field(default_factory=threading.Event)
    speech_seconds: float = 0.0      # predicted seconds of speech the job makes (0 for a recording)

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED

    def status(self, now: float) -> dict:
        end = self.finished if self.finished is not None else now
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "progress": round(self.progress, 4),
            "stage": self.stage,
            "error": self.error,
            "error_kind": self.error_kind,
            "version": self.version,
            "elapsed_s": round(end - self.created, 3),
            "has_result": self.result is not None,
        }


class JobManager:
    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=limits.max_running_jobs, thread_name_prefix="unitaf-job")
        self.on_change: Callable[[], None] | None = None   # called (from any thread) after every job change

    # ---- the API's side -------------------------------------------------------------------------

    def submit(self, kind: str, work: Work, speech_seconds: float = 0.0) -> Job:
        with self._lock:
            if self._closed:
                raise ShuttingDown("the backend is shutting down")
            self._purge_locked()
            busy = [j for j in self._jobs.values() if j.worker_busy]
            capacity = self.limits.max_running_jobs + self.limits.max_queued_jobs
            if len(busy) >= capacity:
                raise QueueFull(f"the backend is busy with {len(busy)} jobs (limit {capacity}); try again shortly")
            pending = sum(j.speech_seconds for j in busy)
            if busy and pending + speech_seconds > self.limits.max_pending_speech_seconds:
                raise QueueFull(f"the backend has {pending:.0f} s of speech to make already (limit "
                                f"{self.limits.max_pending_speech_seconds:g} s); try again shortly")
            job = Job(id=uuid.uuid4().hex, kind=kind, created=self.clock(), speech_seconds=speech_seconds)
            self._jobs[job.id] = job
        self._pool.submit(self._run, job, work)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            self._purge_locked()
            job = self._visible_locked(job_id)
            if job is not None:
                self._enforce_timeout_locked(job)
            return job

    def status(self, job_id: str) -> dict | None:
        with self._lock:
            job = self._visible_locked(job_id)
            if job is None:
                return None
            self._enforce_timeout_locked(job)
            return job.status(self.clock())

    def cancel(self, job_id: str) -> Job | None:
        with self._lock:
            job = self._visible_locked(job_id)
            if job is None:
                return None
            if not job.is_finished:
                job.cancel_requested.set()
                if job.state == QUEUED:     # never started: it is cancelled now, the worker will skip it
                    self._finish_locked(job, CANCELLED, stage="cancelled")
            return job

    def delete(self, job_id: str) -> bool:
        with self._lock:
            job = self._visible_locked(job_id)
            if job is None:
                return False
            job.cancel_requested.set()
            if not job.is_finished:
                self._finish_locked(job, CANCELLED, stage="cancelled")
            job.deleted = True
            if not job.worker_busy:
                del self._jobs[job_id]
                job.result = None
        release_freed_memory()          # its result (megabytes for a long line) is garbage now
        return True

    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {s: 0 for s in (QUEUED, RUNNING, DONE, FAILED, CANCELLED)}
            for job in self._jobs.values():
                if not job.deleted:
                    out[job.state] += 1
            return out

    def run_in_background(self, fn: Callable[[], None]) -> None:
        """Run fn on the job workers, in turn with jobs (the warm-up), outside the job table."""
        self._pool.submit(fn)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            for job in self._jobs.values():
                job.cancel_requested.set()
        self._pool.shutdown(wait=False, cancel_futures=True)

    # ---- the worker's side ----------------------------------------------------------------------

    def _run(self, job: Job, work: Work) -> None:
        try:
            with self._lock:
                if job.cancel_requested.is_set() or job.is_finished:
                    if not job.is_finished:
                        self._finish_locked(job, CANCELLED, stage="cancelled")
                    return
                job.state, job.stage, job.started = RUNNING, "starting", self.clock()
                self._changed_locked(job)
            deadline = job.started + self.limits.job_timeout_s

            def progress(fraction: float, stage: str) -> None:
                with self._lock:
                    if job.is_finished:
                        return
                    job.progress = max(job.progress, min(1.0, max(0.0, float(fraction))))
                    job.stage = str(stage)[:64]
                    self._changed_locked(job)

            def cancelled() -> bool:
                return job.cancel_requested.is_set() or self.clock() > deadline

            self._complete(job, work, progress, cancelled, deadline)
        finally:
            with self._lock:
                job.worker_busy = False
                self._changed_locked(job)
                if job.deleted:
                    self._jobs.pop(job.id, None)
            release_freed_memory()      # the job's buffers are garbage now: the RSS comes back down

    def _complete(self, job: Job, work: Work, progress: Progress, cancelled: CancelCheck, deadline: float) -> None:
        try:
            result = work(progress, cancelled)
        except Cancelled:
            with self._lock:
                if job.is_finished:
                    return
                if self.clock() > deadline and not job.cancel_requested.is_set():
                    self._fail_timeout_locked(job)
                else:
                    self._finish_locked(job, CANCELLED, stage="cancelled")
            return
        except BadInput as err:
            self._fail(job, "bad_input", str(err))
            return
        except NotInstalled as err:
            self._fail(job, "not_installed", str(err))
            return
        except UnitafError as err:
            self._fail(job, "error", str(err))
            return
        except Exception as err:
            log.exception("job %s failed", job.id)
            self._fail(job, "internal", f"internal error in the backend: {type(err).__name__}: {err}")
            return
        with self._lock:
            if job.is_finished:          # timed out or cancelled while the last stage ran
                return
            job.result = result
            job.progress = 1.0
            self._finish_locked(job, DONE, stage="done")

    def _fail(self, job: Job, kind: str, message: str) -> None:
        with self._lock:
            if not job.is_finished:
                job.error, job.error_kind = message, kind
                self._finish_locked(job, FAILED, stage="failed")

    def _fail_timeout_locked(self, job: Job) -> None:
        job.error = f"the job took longer than the limit of {self.limits.job_timeout_s:g} s and was stopped"
        job.error_kind = "timeout"
        self._finish_locked(job, FAILED, stage="failed")

    def _visible_locked(self, job_id: str) -> Job | None:
        """A deleted job is gone for clients, though it holds its worker until its work returns."""
        job = self._jobs.get(job_id)
        return None if job is None or job.deleted else job

    def _enforce_timeout_locked(self, job: Job) -> None:
        """A stage that never reaches a cancel check still shows as timed out to the client."""
        if (job.state == RUNNING and job.started is not None
                and self.clock() > job.started + self.limits.job_timeout_s):
            job.cancel_requested.set()
            self._fail_timeout_locked(job)

    def _changed_locked(self, job: Job) -> None:
        job.version += 1
        if self.on_change is not None:
            self.on_change()

    def _finish_locked(self, job: Job, state: str, stage: str) -> None:
        job.state, job.stage, job.finished = state, stage, self.clock()
        self._changed_locked(job)

    def _purge_locked(self) -> None:
        now = self.clock()
        finished = [j for j in self._jobs.values() if j.is_finished and not j.worker_busy]
        for job in finished:
            if job.finished is not None and now - job.finished > self.limits.result_ttl_s:
                del self._jobs[job.id]
        finished = sorted((j for j in self._jobs.values() if j.is_finished and not j.worker_busy),
                          key=lambda j: j.finished or 0.0)
        for job in finished[: max(0, len(finished) - self.limits.max_kept_results)]:
            del self._jobs[job.id]
