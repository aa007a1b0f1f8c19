"""The job manager on its own, with stand-in work: states, progress, cancel, timeouts, the bounded queue."""

from __future__ import annotations

import threading
import time

import pytest
from unitaf_backend.errors import BadInput, Cancelled, NotInstalled
from unitaf_backend.service.config import Limits
from unitaf_backend.service.jobs import JobManager, QueueFull, ShuttingDown


def wait_finished(jobs: JobManager, job_id: str, timeout: float = 5.0) -> dict:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        status = jobs.status(job_id)
        if status is not None and status["state"] in ("done", "failed", "cancelled"):
            return status
        time.sleep(0.005)
    raise AssertionError(f"job {job_id} did not finish: {jobs.status(job_id)}")


def stoppable(started: threading.Event | None = None):
    """Work that runs until cancelled, checking like the pipeline does between steps."""
    def work(progress, cancel):
        if started is not None:
            started.set()
        step = 0
        while True:
            if cancel():
                raise Cancelled("cancelled")
            progress(min(0.9, step / 100), "speech")
            step += 1
            time.sleep(0.005)
    return work


@pytest.fixture()
def jobs():
    manager = JobManager(Limits(max_running_jobs=1, max_queued_jobs=2, job_timeout_s=30.0))
    yield manager
    manager.shutdown()


def test_done_job_keeps_its_result_and_progress(jobs):
    def work(progress, cancel):
        progress(0.5, "face")
        return b"payload"
    job = jobs.submit("speak", work)
    status = wait_finished(jobs, job.id)
    assert status["state"] == "done" and status["progress"] == 1.0 and status["has_result"]
    assert jobs.get(job.id).result == b"payload"


@pytest.mark.parametrize("error, kind", [(BadInput("empty"), "bad_input"), (NotInstalled("no voice"), "not_installed"),
                                         (RuntimeError("boom"), "internal")])
def test_failures_become_job_states(jobs, error, kind):
    def work(progress, cancel):
        raise error
    status = wait_finished(jobs, jobs.submit("speak", work).id)
    assert status["state"] == "failed" and status["error_kind"] == kind and str(error) in status["error"]


def test_cancel_running_job_stops_the_work(jobs):
    started = threading.Event()
    job = jobs.submit("speak", stoppable(started))
    assert started.wait(5)
    jobs.cancel(job.id)
    assert wait_finished(jobs, job.id)["state"] == "cancelled"
    end = time.monotonic() + 5
    while jobs.get(job.id).worker_busy and time.monotonic() < end:   # the work function itself returned
        time.sleep(0.005)
    assert not jobs.get(job.id).worker_busy


def test_cancel_queued_job_is_immediate_and_it_never_runs(jobs):
    started = threading.Event()
    first = jobs.submit("speak", stoppable(started))
    ran = threading.Event()
    second = jobs.submit("speak", lambda p, c: ran.set() or b"")
    jobs.cancel(second.id)
    assert jobs.status(second.id)["state"] == "cancelled"
    jobs.cancel(first.id)
    wait_finished(jobs, first.id)
    time.sleep(0.05)
    assert not ran.is_set()


def test_queue_is_bounded(jobs):
    started = threading.Event()
    running = [jobs.submit("speak", stoppable(started)) for _ in range(3)]   # 1 running + 2 queued
    with pytest.raises(QueueFull):
        jobs.submit("speak", stoppable())
    for job in running:
        jobs.cancel(job.id)
    for job in running:
        wait_finished(jobs, job.id)
    time.sleep(0.05)
    jobs.cancel(jobs.submit("speak", stoppable()).id)     # room again


def test_timeout_stops_a_job():
    manager = JobManager(Limits(max_running_jobs=1, job_timeout_s=0.2))
    try:
        status = wait_finished(manager, manager.submit("speak", stoppable()).id)
        assert status["state"] == "failed" and status["error_kind"] == "timeout"
    finally:
        manager.shutdown()


def test_finished_jobs_are_dropped_after_ttl_and_count_limit():
    now = [0.0]
    manager = JobManager(Limits(max_kept_results=2, result_ttl_s=10.0), clock=lambda: now[0])
    try:
        ids = []
        for _ in range(3):
            job = manager.submit("speak", lambda p, c: b"x")
            wait_finished(manager, job.id)
            ids.append(job.id)
        assert manager.get(ids[0]) is None and manager.get(ids[2]) is not None
        now[0] = 11.0
        assert manager.get(ids[2]) is None
    finally:
        manager.shutdown()


def test_deleted_job_is_forgotten(jobs):
    job = jobs.submit("speak", lambda p, c: b"x")
    wait_finished(jobs, job.id)
    assert jobs.delete(job.id) and jobs.status(job.id) is None


def test_no_work_after_shutdown():
    manager = JobManager(Limits())
    manager.shutdown()
    with pytest.raises(ShuttingDown):
        manager.submit("speak", lambda p, c: b"")
