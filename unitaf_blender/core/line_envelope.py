"""How a line enters and leaves the face, and when a new line is a retake of an old one. Pure numpy, no bpy.

A line's keys are the backend's frames (its body) with a ramp on each side:
- alone, it eases in from the rest pose before its audio starts (an onset of `ONSET_SECONDS`, so the
  expression is there before the first phone) and decays back to rest after its audio ends
  (`DECAY_SECONDS`);
- when the next line of the same character starts within `BRIDGE_SECONDS` of its end, the two lines share
  one smooth ramp across the gap, from the last frame of the first to the first frame of the second:
  the face goes from one expression to the next instead of dropping to rest and snapping back. The first
  line's keys carry the ramp's first half, the second's the other half.
Every line's Action also starts and ends with one key at rest (`assemble`), which the writer hides with a
one-frame strip blend, so that the lowest line, held over the frames no line covers, holds the rest pose.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ONSET_SECONDS = 0.3           # expression eases in over this before the audio (150-300 ms feels natural)
DECAY_SECONDS = 0.4           # and decays over this after it
BRIDGE_SECONDS = 1.0          # lines of one character closer than this blend into each other
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


@dataclass(frozen=True)
class Ramp:
    """Keys on one side of a line: frames (ascending) and values [len(frames), channels]."""
    frames: np.ndarray
    values: np.ndarray

    @staticmethod
    def none(channels: int) -> Ramp:
        return Ramp(np.zeros(0, np.float32), np.zeros((0, channels), np.float32))


def seconds_frames(seconds: float, fps: float) -> int:
    """Whole frames in `seconds` at `fps` (at least 1)."""
    return max(1, round(float(seconds) * float(fps)))


def smoothstep(n: int) -> np.ndarray:
    """n values rising from just above 0 to just below 1 (the ends are the neighbours' keys)."""
    t = np.arange(1, n + 1, dtype=np.float32) / np.float32(n + 1)
    return t * t * (3.0 - 2.0 * t)


def _ramp(frames: np.ndarray, a: np.ndarray, b: np.ndarray, t: np.ndarray) -> Ramp:
    values = a[None, :] + (b - a)[None, :] * t[:, None]
    return Ramp(frames.astype(np.float32), values.astype(np.float32))


def onset(first: np.ndarray, start: int, fps: float, rest: float = REST_VALUE) -> Ramp:
    """From rest to the line's first frame, over the onset before `start`."""
    n = seconds_frames(ONSET_SECONDS, fps)
    frames = np.arange(start - n, start, dtype=np.float32)
    return _ramp(frames, np.full_like(first, rest), first, smoothstep(n))


def decay(last: np.ndarray, end: int, fps: float, rest: float = REST_VALUE) -> Ramp:
    """From the line's last frame back to rest, over the decay after `end`."""
    n = seconds_frames(DECAY_SECONDS, fps)
    frames = np.arange(end + 1, end + n + 1, dtype=np.float32)
    return _ramp(frames, last, np.full_like(last, rest), smoothstep(n))


def held(values: np.ndarray, ramp: Ramp) -> Ramp:
    """The same frames as `ramp`, holding `values`: over idle motion the strip's own blend does the easing
    (one ramp, not a ramp of a ramp), so the line's keys just hold its first or last frame."""
    return Ramp(ramp.frames, np.tile(values.astype(np.float32), (len(ramp.frames), 1)))


def bridge(last: np.ndarray, end: int, first: np.ndarray, start: int) -> tuple[Ramp, Ramp]:
    """One ramp across the frames strictly between a line ending at `end` and the next starting at
    `start`, split in two: (the first line's tail, the next line's lead)."""
    gap = start - end - 1
    if gap < 0:
        raise ValueError(f"lines overlap (end {end}, next start {start}): nothing to bridge")
    frames = np.arange(end + 1, start, dtype=np.float32)
    whole = _ramp(frames, last, first, smoothstep(gap))
    half = gap // 2
    return (Ramp(whole.frames[:half], whole.values[:half]), Ramp(whole.frames[half:], whole.values[half:]))


def bridged(end: int, next_start: int, fps: float) -> bool:
    """Whether a line ending at `end` and the next one of its character starting at `next_start` share a
    ramp (they do not overlap, and the gap is short)."""
    gap = next_start - end - 1
    return 0 <= gap <= seconds_frames(BRIDGE_SECONDS, fps)


def assemble(lead: Ramp, frames: np.ndarray, values: np.ndarray, tail: Ramp,
             rest: float = REST_VALUE) -> tuple[np.ndarray, np.ndarray]:
    """All of a line's keys: a rest key, the lead, the body, the tail, a rest key. values: [n, channels]."""
    frames = np.asarray(frames, dtype=np.float32)
    values = np.asarray(values, dtype=np.float32)
    if values.ndim != 2 or values.shape[0] != len(frames) or len(frames) == 0:
        raise ValueError(f"body frames {frames.shape} and values {values.shape} do not match")
    first = (lead.frames[0] if len(lead.frames) else frames[0]) - 1
    last = (tail.frames[-1] if len(tail.frames) else frames[-1]) + 1
    rest_row = np.full((1, values.shape[1]), rest, np.float32)
    out_frames = np.concatenate([[first], lead.frames, frames, tail.frames, [last]]).astype(np.float32)
    out_values = np.concatenate([rest_row, lead.values, values, tail.values, rest_row]).astype(np.float32)
    return out_frames, out_values


def is_retake(old: Span, new: Span, share: float = RETAKE_OVERLAP) -> bool:
    """True when `new` covers at least `share` of `old`: the same line again. A short interjection inside a
    long line covers little of it, so it is kept beside it (on a track above)."""
    return old.length > 0 and old.overlap(new) >= share * old.length
