"""How a line enters and leaves the face, and when a new line is a retake of an old one. Pure numpy, no bpy.

A line's keys are the backend's frames plus a short ease from the rest pose before its first frame and
back to rest after its last, so the line needs no neighbour to start or end on: outside every line the
face reads rest, and the NLA can hold a line's first or last key without holding a mouth shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EASE_SECONDS = 0.125          # ~3 frames at 24 fps: long enough not to pop, short enough not to blur
REST_VALUE = 0.0              # an ARKit blendshape at rest
RETAKE_OVERLAP = 0.5          # a new line covering half of an old one replaces it


@dataclass(frozen=True)
class Span:
    """Scene frames a line's audio plays in, both ends included."""
    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def overlap(self, other: Span) -> int:
        return max(0, min(self.end, other.end) - max(self.start, other.start) + 1)


def ease_frames(fps: float, seconds: float = EASE_SECONDS) -> int:
    """Frames of ease before and after a line at `fps` (at least 1)."""
    return max(1, round(float(seconds) * float(fps)))


def smoothstep(n: int) -> np.ndarray:
    """n values rising from just above 0 to just below 1 (the ends are the neighbours' keys)."""
    t = np.arange(1, n + 1, dtype=np.float32) / np.float32(n + 1)
    return t * t * (3.0 - 2.0 * t)


def with_ease(frames: np.ndarray, values: np.ndarray, ease: int,
              rest: float = REST_VALUE) -> tuple[np.ndarray, np.ndarray]:
    """Frames and values of one channel with `ease` keys each side: rest -> first value, last value -> rest.

    The rest keys themselves sit one frame before the first ease key and one after the last, so the
    curve starts and ends exactly at rest.
    """
    frames = np.asarray(frames, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    if frames.shape != values.shape or frames.ndim != 1 or len(frames) == 0:
        raise ValueError(f"frames {frames.shape} and values {values.shape} must be the same 1-D length")
    if ease <= 0:
        return frames, values
    up = smoothstep(ease)
    lead = rest + (values[0] - rest) * up
    tail = rest + (values[-1] - rest) * up[::-1]
    before = frames[0] - np.arange(ease + 1, 0, -1, dtype=np.float32)
    after = frames[-1] + np.arange(1, ease + 2, dtype=np.float32)
    out_frames = np.concatenate([before, frames, after])
    out_values = np.concatenate([[rest], lead, values, tail, [rest]]).astype(np.float32)
    return out_frames, out_values


def is_retake(old: Span, new: Span, share: float = RETAKE_OVERLAP) -> bool:
    """True when `new` covers at least `share` of `old`: the same line again. A short interjection inside a
    long line covers little of it, so it is kept beside it (on a track above)."""
    return old.length > 0 and old.overlap(new) >= share * old.length
