"""How a running job reports progress and learns that it should stop."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import Cancelled

Progress = Callable[[float, str], None]    # (fraction 0..1, stage name)
CancelCheck = Callable[[], bool]            # True when the caller wants to stop


def step(progress: Progress | None, cancel: CancelCheck | None, fraction: float, stage: str) -> None:
    """Between stages: stop if asked, else report where the job is."""
    if cancel is not None and cancel():
        raise Cancelled("cancelled")
    if progress is not None:
        progress(fraction, stage)
