"""Measuring helpers shared by the benchmarks (run them as `python benchmarks/bench_X.py`)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time of `repeat` calls, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def vm_kib(field: str, pid: int | None = None) -> int:
    """A field of /proc/<pid>/status (VmRSS, VmHWM) in KiB, this process by default; 0 without /proc."""
    try:
        with open(f"/proc/{pid or 'self'}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0
