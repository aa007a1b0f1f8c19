"""A script's rows into the line cache: what is cached already is skipped, the rest is computed by an
executor (this process, or a Ray actor pool) and stored as each row finishes, so an interrupted run
resumes where it stopped. Progress on a stream: lines per minute and the time left."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol, TextIO

from ..cache.key import line_key
from ..cache.rows import LineJob, Script
from ..cache.store import CachedLine, LineCache
from ..errors import UnitafError


@dataclass(frozen=True)
class RowFailure:
    """A row that failed for its own reason (bad input): reported, never retried."""
    message: str


class Executor(Protocol):
    retries: int        # rows sent again after a worker died

    def run(self, jobs: list[LineJob]) -> Iterator[tuple[LineJob, CachedLine | RowFailure]]: ...


class InProcess:
    """Every row in this process, one after the other (the models load once, on the first row)."""
    retries = 0

    def run(self, jobs: list[LineJob]) -> Iterator[tuple[LineJob, CachedLine | RowFailure]]:
        from .compute import compute_line, read_audio
        for job in jobs:
            try:
                yield job, compute_line(job.recipe, read_audio(job.audio_path))
            except (UnitafError, OSError) as err:
                yield job, RowFailure(str(err))


@dataclass
class RenderSummary:
    rows: int = 0
    cached: int = 0                 # already in the cache before this run
    computed: int = 0
    failed: list[tuple[int, str, str]] = field(default_factory=list)     # (row, name, message)
    retries: int = 0
    wall_s: float = 0.0

    @property
    def lines_per_minute(self) -> float:
        return 60.0 * self.computed / self.wall_s if self.wall_s > 0 else 0.0

    def text(self) -> str:
        if self.computed == 0 and not self.failed:
            return f"nothing to compute: all {self.cached} rows are in the cache"
        if self.computed == 0 and not self.retries:
            return "\n".join([f"nothing computed: {self.cached} rows are in the cache, {len(self.failed)} failed",
                              *self._failures()])
        parts = [(f"{self.rows} rows: {self.computed} computed, {self.cached} already cached, "
                  f"{len(self.failed)} failed"), f"{self.lines_per_minute:.1f} lines/min in {self.wall_s:.1f} s"]
        if self.retries:
            parts.append(f"{self.retries} row(s) retried after a worker died")
        return "\n".join(["; ".join(parts), *self._failures()])

    def _failures(self) -> list[str]:
        return [f"  failed row {row} ({name}): {msg}" for row, name, msg in self.failed]


def _clock(seconds: float) -> str:
    s = round(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def render_script(script: Script, cache: LineCache, version: str, executor: Executor,
                  stream: TextIO | None = None) -> RenderSummary:
    t0 = time.perf_counter()
    summary = RenderSummary(rows=len(script.jobs) + len(script.issues))
    summary.failed = [(i.row, f"row {i.row}", i.message) for i in script.issues]
    keyed: dict[str, list[LineJob]] = {}
    for job in script.jobs:
        key = line_key(job.recipe, version)
        if key in keyed:
            keyed[key].append(job)          # the same line twice: computed once
        elif cache.get(key) is not None:
            summary.cached += 1
        else:
            keyed[key] = [job]
    todo = [jobs[0] for jobs in keyed.values()]
    key_of = {id(jobs[0]): key for key, jobs in keyed.items()}
    for done, (job, got) in enumerate(executor.run(todo) if todo else iter(()), start=1):
        key = key_of[id(job)]
        same = keyed[key]
        if isinstance(got, RowFailure):
            summary.failed += [(j.row, j.name, got.message) for j in same]
            status = f"failed: {got.message}"
        else:
            cache.put(key, job.recipe, version, got)
            summary.computed += len(same)
            status = "computed"
        if stream is not None:
            elapsed = time.perf_counter() - t0
            rate = 60.0 * done / elapsed if elapsed > 0 else 0.0
            eta = (len(todo) - done) * elapsed / done
            print(f"[{done}/{len(todo)}] row {job.row} ({job.name}) {status}  "
                  f"{rate:.1f} lines/min, ETA {_clock(eta)}", file=stream, flush=True)
    summary.retries = executor.retries
    summary.failed.sort()
    summary.wall_s = time.perf_counter() - t0
    return summary
