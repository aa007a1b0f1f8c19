"""Frame timing shared by every face stage.

Frame i is at time i / fps seconds from the first audio sample. A clip of ``duration`` seconds has
``frame_count(duration, fps) = ceil(duration * fps) + 1`` frames, so the first frame is at 0 and the last
at or just after the end of the audio: the whole audio is covered and nothing is cut short.
Inside the models, a feature sequence has ``frames_started(duration, fps) = ceil(duration * fps)`` frames
(one per frame interval the audio reaches into). Every stage counts frames with these two.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import BadInput

# A product of duration and fps within this of a whole number counts as that number (float noise).
_EPS = 1e-6


def check_fps(fps: float) -> float:
    fps = float(fps)
    if not math.isfinite(fps) or fps <= 0:
        raise BadInput(f"fps must be a positive number, got {fps}")
    return fps


def frame_count(duration: float, fps: float) -> int:
    """Number of frames for a clip: ceil(duration * fps) + 1 (frame i at i / fps)."""
    fps = check_fps(fps)
    duration = max(0.0, float(duration))
    return math.ceil(duration * fps - _EPS) + 1


def frames_started(duration: float, fps: float) -> int:
    """Frame intervals a clip of `duration` seconds reaches into (at least one): a model's feature frames."""
    fps = check_fps(fps)
    return max(1, math.ceil(max(0.0, float(duration)) * fps - _EPS))


def frame_times(duration: float, fps: float) -> np.ndarray:
    """float64 [T] time of each frame in seconds."""
    return np.arange(frame_count(duration, fps), dtype=np.float64) / check_fps(fps)
