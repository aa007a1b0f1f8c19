"""An idle clip: what a face does while it is not speaking (blinks, gaze, breathing), for the gaps between
a character's lines.

The blinks and gaze are the life layer's own (`face.life`: the same blink shape and rate, the same gaze
holds and saccades), drawn from a seed so the same request gives the same clip. Breathing is a slow cycle
(about 15 breaths a minute, each a little different) that parts the lips slightly and flares the nose on
the in-breath. The clip is ARKit-52 weights [T, 52] in [0, 1], frame i at i / fps seconds, like a line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..channels import ARKIT_CHANNELS, CHANNEL_INDEX
from ..errors import BadInput
from . import life

BREATH_PERIOD_S = 4.0             # seconds per breath, on average
BREATH_JITTER = 0.15              # each breath's length varies by up to this fraction
BREATH_JAW = 0.025                # jawOpen at the top of an in-breath
BREATH_NOSE = 0.06                # noseSneer at the top of an in-breath
MAX_IDLE_SECONDS = 3600.0


class IdleError(BadInput):
    """The idle request cannot be made (a duration or frame rate out of range): one clear line."""


@dataclass(frozen=True)
class IdleRequest:
    duration: float               # seconds
    fps: float = 24.0
    seed: int = 0
    blinks: bool = True
    gaze: bool = True
    breathing: bool = True


def breathing_curve(times: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[T] 0..1, the in-breath's depth: one raised-cosine cycle per breath, breath lengths jittered."""
    out = np.zeros(len(times))
    if len(times) == 0:
        return out
    t = -float(rng.uniform(0.0, BREATH_PERIOD_S))          # start somewhere inside a breath
    end = float(times[-1])
    while t <= end:
        period = BREATH_PERIOD_S * float(rng.uniform(1.0 - BREATH_JITTER, 1.0 + BREATH_JITTER))
        depth = float(rng.uniform(0.7, 1.0))
        phase = (times - t) / period
        inside = (phase >= 0.0) & (phase < 1.0)
        out[inside] = depth * 0.5 * (1.0 - np.cos(2.0 * np.pi * phase[inside]))
        t += period
    return out


def idle_clip(request: IdleRequest) -> np.ndarray:
    """ARKit-52 weights [T, 52] float32 of an idle face over `request.duration` seconds."""
    if not (0.0 < request.duration <= MAX_IDLE_SECONDS):
        raise IdleError(f"idle duration must be between 0 and {MAX_IDLE_SECONDS:g} s, got {request.duration}")
    if not (1.0 <= request.fps <= 240.0):
        raise IdleError(f"idle fps must be between 1 and 240, got {request.fps}")
    n = int(np.floor(request.duration * request.fps + 1e-6)) + 1
    times = np.arange(n) / float(request.fps)
    streams = life.rngs(request.seed)
    breath_rng = np.random.default_rng(np.random.SeedSequence(int(request.seed) & 0xFFFFFFFF).spawn(4)[3])
    weights = np.zeros((n, len(ARKIT_CHANNELS)))
    blink = np.zeros(n)
    if request.blinks:
        peaks = _blink_peaks(request.duration, streams["blink"])
        blink = life.blink_curve(times, request.fps, peaks, streams["blink"])
    gaze = life.gaze_curve(times, streams["gaze"]) if request.gaze else np.zeros((n, 2))
    life.apply_life(weights, blink, gaze, np.zeros((n, 2)))
    if request.breathing:
        breath = breathing_curve(times, breath_rng)
        weights[:, CHANNEL_INDEX["jawOpen"]] += BREATH_JAW * breath
        weights[:, CHANNEL_INDEX["noseSneerLeft"]] += BREATH_NOSE * breath
        weights[:, CHANNEL_INDEX["noseSneerRight"]] += BREATH_NOSE * breath
    return np.clip(weights, 0.0, 1.0).astype(np.float32)


def _blink_peaks(duration: float, rng: np.random.Generator) -> list[float]:
    """Blink times at the life layer's resting rate (no sentence boundaries in an idle stretch)."""
    peaks, t = [], float(rng.uniform(0.3, 1.2 * life.BLINK_MEAN_S))
    while t < duration:
        peaks.append(t)
        t += max(life.BLINK_MIN_GAP_S, float(rng.gamma(4.0, life.BLINK_MEAN_S / 4.0)))
    return peaks
