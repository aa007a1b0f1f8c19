"""Lips and lids that close: the gaps a pose leaves, and the correction that seals them.

A transferred mouthClose or eyeBlink can fall a little short on another face (the fit is never exact at
the slit). The gap is measured as on the reference head: the lowest point of the upper lip (lid) in
front of the mouth (pupil) minus the highest point of the lower one; <= 0 means they touch.
"""

from __future__ import annotations

import numpy as np

UP = 2   # canonical frame: Z up


def vertical_gap(points: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> float:
    if len(upper) == 0 or len(lower) == 0:
        return float("nan")
    return float(points[upper, UP].min() - points[lower, UP].max())


def seal(offsets: np.ndarray, rest: np.ndarray, open_keys: list[int], closing_key: int, upper: np.ndarray,
         lower: np.ndarray, upper_zone: np.ndarray, lower_zone: np.ndarray, target_gap: float) -> float:
    """Lower the gap of rest + sum(offsets[open_keys]) + offsets[closing_key] to `target_gap` by moving
    the closing key's upper zone down and its lower zone up (each by half, weighted by the zone's
    weight in [0, 1]). Changes `offsets` in place; returns the correction (0 when none was needed)."""
    pose = rest + offsets[open_keys].sum(0) + offsets[closing_key]
    gap = vertical_gap(pose, upper, lower)
    if not np.isfinite(gap) or gap <= target_gap:
        return 0.0
    shift = gap - target_gap
    offsets[closing_key][:, UP] -= 0.5 * shift * upper_zone
    offsets[closing_key][:, UP] += 0.5 * shift * lower_zone
    return float(shift)
