"""Lips and lids that close: the gaps a pose leaves, and the correction that seals them.

A transferred mouthClose or eyeBlink can fall a little short on another face (the fit is never exact at
the slit). The gap is measured as on the reference head: the lowest point of the upper lip (lid) in
front of the mouth (pupil) minus the highest point of the lower one; <= 0 means they touch.
"""

from __future__ import annotations

import numpy as np

UP = 2   # canonical frame: Z up
SEAL_PASSES = 4


def vertical_gap(points: np.ndarray, upper: np.ndarray, lower: np.ndarray) -> float:
    if len(upper) == 0 or len(lower) == 0:
        return float("nan")
    return float(points[upper, UP].min() - points[lower, UP].max())


def seal(offsets: np.ndarray, rest: np.ndarray, open_keys: list[int], closing_key: int, upper: np.ndarray,
         lower: np.ndarray, upper_zone: np.ndarray, lower_zone: np.ndarray, target_gap: float,
         upper_share: float = 0.5) -> float:
    """Lower the gap of rest + sum(offsets[open_keys]) + offsets[closing_key] to `target_gap` by moving
    the closing key's upper zone down by `upper_share` of the difference and its lower zone up by the
    rest (weighted by each zone's weight in [0, 1]). Changes `offsets` in place; returns the correction
    (0 when none was needed)."""
    total = 0.0
    for _ in range(SEAL_PASSES):      # a zone's weight can be under 1 where the gap is: repeat
        pose = rest + (offsets[open_keys].sum(0) if open_keys else 0.0) + offsets[closing_key]
        gap = vertical_gap(pose, upper, lower)
        if not np.isfinite(gap) or gap <= target_gap + 1e-9:
            break
        shift = gap - target_gap
        offsets[closing_key][:, UP] -= upper_share * shift * upper_zone
        offsets[closing_key][:, UP] += (1.0 - upper_share) * shift * lower_zone
        total += shift
    return float(total)
