"""Frame timing: seconds to scene frames (fps / fps_base) and the backend's weights resampled to the scene.

Frame i of a FaceResult is at i / result.fps seconds from the first audio sample; a line placed at scene
frame `start` puts time t at frame start + t * scene_fps. Pure numpy, no bpy.
"""

from __future__ import annotations

import math

import numpy as np

FPS_TOLERANCE = 1e-6


def scene_fps(fps: float, fps_base: float = 1.0) -> float:
    """The scene's real frame rate: render.fps / render.fps_base (e.g. 30 / 1.001 = 29.97)."""
    if fps <= 0 or fps_base <= 0:
        raise ValueError(f"invalid frame rate {fps} / {fps_base}")
    return float(fps) / float(fps_base)


def seconds_to_frames(seconds: float, fps: float) -> float:
    return float(seconds) * float(fps)


# The one frame rule of the add-on: frame k of a line is at k / fps seconds from its first audio sample.
# A product of seconds and fps within this of a whole number counts as that number (float noise).
FRAME_EPS = 1e-6


def frame_count(duration: float, fps: float) -> int:
    """Frames whose time falls inside [0, duration] at fps, both ends included (the keys of a line)."""
    return max(0, math.floor(seconds_to_frames(duration, fps) + FRAME_EPS)) + 1


def audio_frames(duration: float, fps: float) -> int:
    """Scene frames a sound of `duration` seconds plays in (at least one): frames 0 .. audio_frames - 1."""
    return max(1, math.ceil(seconds_to_frames(duration, fps) - FRAME_EPS))


def end_frame(start_frame: int, duration: float, fps: float) -> int:
    """The last scene frame the line's audio plays in (inclusive): a sound strip of the same duration
    covers [start_frame, end_frame + 1)."""
    return int(start_frame) + audio_frames(duration, fps) - 1


def resample(weights: np.ndarray, src_fps: float, dst_fps: float, n_frames: int | None = None) -> np.ndarray:
    """Weights [T, C] sampled at src_fps, linearly re-sampled at dst_fps; clipped to [0, 1], float32.

    `n_frames` fixes the output length (frames past the source's end hold its last value);
    by default it covers the source's time span.
    """
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim != 2 or w.shape[0] == 0:
        raise ValueError(f"weights must be a non-empty [T, C] array, got shape {w.shape}")
    if src_fps <= 0 or dst_fps <= 0:
        raise ValueError(f"invalid fps {src_fps} -> {dst_fps}")
    span = (w.shape[0] - 1) / float(src_fps)
    n = frame_count(span, dst_fps) if n_frames is None else int(n_frames)
    if abs(src_fps - dst_fps) < FPS_TOLERANCE and n == w.shape[0]:
        return np.clip(w, 0.0, 1.0)
    src_pos = np.arange(n, dtype=np.float64) * (float(src_fps) / float(dst_fps))
    src_pos = np.minimum(src_pos, w.shape[0] - 1)
    lo = np.floor(src_pos).astype(np.int64)
    hi = np.minimum(lo + 1, w.shape[0] - 1)
    frac = (src_pos - lo).astype(np.float32)[:, None]
    out = w[lo] * (1.0 - frac) + w[hi] * frac
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def key_frames(start_frame: int, n_frames: int) -> np.ndarray:
    """Scene frame numbers of n_frames consecutive samples at the scene's fps, from start_frame."""
    return np.arange(n_frames, dtype=np.float32) + np.float32(start_frame)
