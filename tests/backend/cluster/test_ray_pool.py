"""render-lines on a real local Ray cluster (2 workers, started once for the module): a 40-row script
lands in the cache equal to the single-process result, a worker killed by its PID mid-run costs a retry,
a re-run computes nothing, two edited rows recompute two, an unreachable address is one clear line."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from unitaf_backend.cache import LineCache, line_key
from unitaf_backend.cache.rows import RenderSettings, read_script
from unitaf_backend.cache.version import pipeline_version
from unitaf_backend.cluster.ray_pool import IN_FLIGHT, RayPool
from unitaf_backend.cluster.render import InProcess, render_script

pytestmark = pytest.mark.slow
EMOTIONS = ["", "happy", "sad", "angry", "calm"]
SETTINGS = RenderSettings(fps=24.0, mode="rules")


def _write_script(path, n=40, edits=None):
    edits = edits or {}
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "object", "text", "emotion", "intensity"])
        for i in range(1, n + 1):
            w.writerow([f"r{i}", "Head", edits.get(i, f"Line {i}, short."), EMOTIONS[i % 5], "0.7" if i % 4 else ""])
    return path


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, logging_level="WARNING", log_to_driver=False,
             object_store_memory=150 * 1024 * 1024)
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def single_process(tmp_path_factory):
    """The same 40 rows computed in this process, without Ray: the reference."""
    d = tmp_path_factory.mktemp("single")
    cache = LineCache(d / "cache")
    version = pipeline_version()
    cache.prepare(version)
    script = read_script(_write_script(d / "script.csv"), SETTINGS)
    assert render_script(script, cache, version, InProcess()).computed == 40
    return cache


def _assert_same(a: LineCache, b: LineCache, script) -> None:
    version = pipeline_version()
    for job in script.jobs:
        key = line_key(job.recipe, version)
        x, y = a.get(key), b.get(key)
        assert x is not None and y is not None, job.row
        assert x.audio_wav == y.audio_wav, f"row {job.row}: audio differs"
        assert x.weights.shape == y.weights.shape
        assert float(np.abs(x.weights - y.weights).max()) <= 1e-6, job.row
        assert x.timeline == y.timeline and x.fps == y.fps and x.duration == y.duration


def test_forty_rows_land_equal_to_the_single_process_run_and_a_rerun_computes_nothing(
        cluster, single_process, tmp_path, capsys):
    path = _write_script(tmp_path / "script.csv")
    cache = LineCache(tmp_path / "cache")
    version = pipeline_version()
    cache.prepare(version)
    script = read_script(path, SETTINGS)
    with RayPool(workers=2) as pool:
        assert len(set(pool.worker_pids()) | {os.getpid()}) == 3      # two worker processes, not this one
        summary = render_script(script, cache, version, pool, sys.stderr)
        assert summary.computed == 40 and not summary.failed and summary.retries == 0
        err = capsys.readouterr().err
        assert "[40/40]" in err and "lines/min" in err and "ETA" in err
        _assert_same(cache, single_process, script)
        again = render_script(script, cache, version, pool)
        assert again.computed == 0 and again.cached == 40
        assert again.text() == "nothing to compute: all 40 rows are in the cache"
        edited = read_script(_write_script(tmp_path / "script.csv", edits={7: "Seven, edited.", 31: "Another."}),
                             SETTINGS)
        third = render_script(edited, cache, version, pool)
        assert (third.computed, third.cached) == (2, 38)


class _KillOneWorker:
    """Passes the pool's results through and kills one worker process (SIGKILL by PID) after the 5th."""

    def __init__(self, pool: RayPool):
        self.pool = pool
        self.killed: int | None = None

    @property
    def retries(self) -> int:
        return self.pool.retries

    def run(self, jobs):
        for n, item in enumerate(self.pool.run(jobs), start=1):
            if n == 5:
                self.killed = self.pool.worker_pids()[0]
                os.kill(self.killed, signal.SIGKILL)
            yield item


def test_a_worker_killed_mid_run_costs_only_a_retry(cluster, single_process, tmp_path):
    script = read_script(_write_script(tmp_path / "script.csv"), SETTINGS)
    cache = LineCache(tmp_path / "cache")
    version = pipeline_version()
    cache.prepare(version)
    with RayPool(workers=2) as pool:
        killer = _KillOneWorker(pool)
        summary = render_script(script, cache, version, killer)
        assert killer.killed is not None and killer.killed not in pool.worker_pids()
        assert len(pool.worker_pids()) == 2                  # a fresh worker took the dead one's place
    assert summary.computed == 40 and not summary.failed
    assert 1 <= summary.retries <= IN_FLIGHT                 # only the rows the dead worker held
    assert "retried after a worker died" in summary.text()
    _assert_same(cache, single_process, script)


def test_a_bad_row_is_reported_and_skipped_on_the_pool(cluster, tmp_path):
    p = tmp_path / "s.csv"
    p.write_text("text,voice\nHello.,\nHi there.,no-such-voice\nBye.,\n", encoding="utf-8")
    cache = LineCache(tmp_path / "cache")
    version = pipeline_version()
    cache.prepare(version)
    with RayPool(workers=2) as pool:
        summary = render_script(read_script(p, SETTINGS), cache, version, pool)
    assert summary.computed == 2 and summary.retries == 0
    assert [(row, "no-such-voice" in msg) for row, _, msg in summary.failed] == [(2, True)]


@pytest.mark.parametrize("address", ["127.0.0.1:1", "ray://127.0.0.1:1", "no-port"])
def test_an_unreachable_address_is_one_clear_line(tmp_path, address):
    script = _write_script(tmp_path / "script.csv", n=2)
    env = {k: v for k, v in os.environ.items() if k != "RAY_ADDRESS"}
    done = subprocess.run([sys.executable, "-m", "unitaf_backend", "render-lines", str(script), "--out",
                           str(tmp_path / "cache"), "--mode", "rules", "--address", address],
                          capture_output=True, text=True, timeout=30, env=env, check=False)
    assert done.returncode == 2
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("unitaf render-lines: error: ") and ("cannot reach" in last or "--address must" in last), last
    assert not list((tmp_path / "cache").rglob("entry.json"))
