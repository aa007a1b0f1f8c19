"""A recording's mouth from two sources: the neural decoder's timing fused with the articulation model's
phonetic targets on the aligned transcript.

The decoder hears the recording, so its timing and its mouth between the phonetic landmarks are the
recording's own; the rules know which phones were said, so they are strong exactly where the decoder is
weak: lip closures, the lower-lip tuck of f and v, rounding, and the open vowels.

The timing is the decoder's: the alignment runs a little late or early on a voice, so the rules' mouth is
first moved in time onto the decoder's (the shift, within MAX_SHIFT_S, that best correlates the two jaws).
Then, per channel:

- shape channels the rules drive only on their phones (pucker, funnel, lip rolls): the larger of the two,
  so a gesture either source makes is kept and nothing else moves;
- jawOpen: the larger of the two while the aligned timeline says speech, the smaller in its pauses
  (cross-faded over PAUSE_EASE_S), so vowels open fully and the mouth still rests in pauses;
- mouthClose: the lip gap (jawOpen - mouthClose) is the smaller of the two sources', so either source's
  closure seals the lips on the fused jaw;
- every other channel: the decoder's.
Pure numpy; deterministic.
"""

from __future__ import annotations

import numpy as np

from ..channels import CHANNEL_INDEX
from ..speech.timeline import Timeline
from . import visemes as V

MAX_CHANNELS = ("mouthPucker", "mouthFunnel", "mouthRollLower", "mouthRollUpper")
PAUSE_EASE_S = 0.06
PAUSE_MIN_S = 0.10     # shorter silences are part of the speech (stop gaps), the jaw is not asked to rest
MAX_SHIFT_S = 0.08
SHIFT_GRID_HZ = 500.0


def timing_shift(neural_jaw: np.ndarray, rules_jaw: np.ndarray, fps: float) -> float:
    """Seconds by which the rules' jaw runs late against the decoder's (negative: early), within MAX_SHIFT_S."""
    n = len(neural_jaw)
    grid = np.arange(0.0, (n - 1) / fps, 1.0 / SHIFT_GRID_HZ)
    if len(grid) < 8:
        return 0.0
    frames = np.arange(n) / fps
    a = np.interp(grid, frames, neural_jaw)
    b = np.interp(grid, frames, rules_jaw)
    a, b = a - a.mean(), b - b.mean()
    if a.std() < 1e-9 or b.std() < 1e-9:
        return 0.0
    max_lag = int(MAX_SHIFT_S * SHIFT_GRID_HZ)
    best, best_lag = -np.inf, 0
    for lag in range(-max_lag, max_lag + 1):     # b[t + lag] against a[t]
        x, y = (a[: len(a) - lag], b[lag:]) if lag >= 0 else (a[-lag:], b[: len(b) + lag])
        score = float(np.dot(x, y))
        if score > best:
            best, best_lag = score, lag
    return best_lag / SHIFT_GRID_HZ


def shifted(weights: np.ndarray, shift_s: float, fps: float) -> np.ndarray:
    """weights [T, C] moved earlier in time by shift_s seconds (later when negative), edges held."""
    if shift_s == 0.0:
        return weights
    frames = np.arange(len(weights)) / fps
    return np.stack([np.interp(frames + shift_s, frames, weights[:, k]) for k in range(weights.shape[1])], axis=1)


def speech_presence(timeline: Timeline, fps: float, n: int) -> np.ndarray:
    """float [n] in [0, 1]: 1 while the timeline speaks, 0 inside its pauses, eased at their edges."""
    times = np.arange(n) / fps
    rest = np.zeros(n)
    for seg in V.segments(timeline):
        if not V.is_pause(seg) or seg.duration < PAUSE_MIN_S:
            continue
        rise = np.clip((times - seg.start) / PAUSE_EASE_S, 0.0, 1.0)
        fall = np.clip((seg.end - times) / PAUSE_EASE_S, 0.0, 1.0)
        rest = np.maximum(rest, np.minimum(rise, fall))
    return 1.0 - rest


def fuse_mouths(neural: np.ndarray, rules: np.ndarray, timeline: Timeline, fps: float) -> np.ndarray:
    """Mouth weights float32 [T, 52]: the decoder's, with the rules' phonetic targets where they are strong."""
    n_w = np.asarray(neural, dtype=np.float64)
    r_w = np.asarray(rules, dtype=np.float64)
    if n_w.shape != r_w.shape:
        raise ValueError(f"the two mouths differ in shape: {n_w.shape} vs {r_w.shape}")
    c = CHANNEL_INDEX
    shift = timing_shift(n_w[:, c["jawOpen"]], r_w[:, c["jawOpen"]], fps)
    r_w = shifted(r_w, shift, fps)
    out = n_w.copy()
    for name in MAX_CHANNELS:
        out[:, c[name]] = np.maximum(n_w[:, c[name]], r_w[:, c[name]])
    jaw, close = c["jawOpen"], c["mouthClose"]
    speaking = shifted(speech_presence(timeline, fps, len(out))[:, None], shift, fps)[:, 0]
    hi = np.maximum(n_w[:, jaw], r_w[:, jaw])
    lo = np.minimum(n_w[:, jaw], r_w[:, jaw])
    out[:, jaw] = speaking * hi + (1.0 - speaking) * lo
    gap = np.minimum(n_w[:, jaw] - n_w[:, close], r_w[:, jaw] - r_w[:, close])
    out[:, close] = np.clip(out[:, jaw] - np.maximum(gap, 0.0), 0.0, out[:, jaw])
    return np.clip(out, 0.0, 1.0).astype(np.float32)
