"""Measures of how an expression moves within a line (pure; used by the tests and tools/emotion_figures.py).

* ``expression_channels``: the channels a preset's expression drives (its pose and gestures), less the
  ones the life layer also drives (eyelids, eye direction), so blinks and glances do not count as motion
  of the expression. Neutral has no pose: its channels are the brows that rise on accents.
* ``variation``: per channel, the standard deviation over the line divided by the mean.
* ``accent_peaks``: local maxima of the summed upper-face expression channels (brows, lids, cheeks, nose:
  the mouth's expression channels give way to articulation on every syllable by design), how many fall
  within ACCENT_WINDOW_S of a pitch accent, and the chance rate (the share of speaking time within that
  window of an accent).
* ``onset_and_settle``: the expression's level at the clip's first frame, at the first phone, during the
  speech and at the last frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from ..channels import ARKIT_CHANNELS, CHANNEL_INDEX
from .dynamics import GESTURES
from .expression import EXPRESSIONS

ACCENT_WINDOW_S = 0.15
MIN_WEIGHT = 0.1
_LIFE_OWNED = ("eyeBlink", "eyeLook")
NEUTRAL_CHANNELS = ("browInnerUp", "browOuterUpLeft", "browOuterUpRight")


def expression_channels(preset: str, upper_face: bool = False) -> list[int]:
    """Channel indices of a preset's expression; ``upper_face`` leaves out the mouth's (unless that leaves
    none, as for calm, whose expression is a smile)."""
    if preset == "neutral":
        return [CHANNEL_INDEX[n] for n in NEUTRAL_CHANNELS]
    weights = dict(EXPRESSIONS[preset])
    for ch, v in GESTURES[preset][1].items():
        weights[ch] = weights.get(ch, 0.0) + v
    chosen = [ch for ch in ARKIT_CHANNELS if weights.get(ch, 0.0) >= MIN_WEIGHT and not ch.startswith(_LIFE_OWNED)]
    upper = [ch for ch in chosen if not ch.startswith("mouth")]
    return [CHANNEL_INDEX[ch] for ch in (upper if upper_face and upper else chosen)]


def variation(weights: np.ndarray, channels: list[int]) -> np.ndarray:
    """[len(channels)] std / mean of each channel over the clip (0 where the mean is 0)."""
    x = np.asarray(weights, dtype=np.float64)[:, channels]
    mean = x.mean(axis=0)
    return np.where(mean > 1e-9, x.std(axis=0) / np.maximum(mean, 1e-9), 0.0)


@dataclass(frozen=True)
class AccentPeaks:
    peaks: int
    near: int          # peaks within ACCENT_WINDOW_S of an accent
    chance: float      # share of speaking frames within ACCENT_WINDOW_S of an accent


def accent_peaks(level: np.ndarray, fps: float, accents: list[float] | tuple[float, ...],
                 span: tuple[float, float]) -> AccentPeaks:
    """Peaks of ``level`` [T] (prominence >= 10% of its range, >= 150 ms apart) inside the speech span."""
    level = np.asarray(level, dtype=np.float64)
    times = np.arange(len(level)) / fps
    spread = float(level.max() - level.min()) if len(level) else 0.0
    if spread <= 1e-9 or not accents:
        return AccentPeaks(0, 0, 0.0)
    idx, _ = signal.find_peaks(level, prominence=0.1 * spread, distance=max(1, round(ACCENT_WINDOW_S * fps)))
    idx = idx[(times[idx] >= span[0]) & (times[idx] <= span[1])]
    acc = np.asarray(accents, dtype=np.float64)
    near = int(sum(np.min(np.abs(acc - times[i])) <= ACCENT_WINDOW_S for i in idx))
    inside = (times >= span[0]) & (times <= span[1])
    close = np.min(np.abs(times[inside][:, None] - acc[None, :]), axis=1) <= ACCENT_WINDOW_S
    return AccentPeaks(len(idx), near, float(close.mean()) if close.size else 0.0)


@dataclass(frozen=True)
class OnsetSettle:
    first_frame: float
    at_first_phone: float
    speaking_mean: float
    last_frame: float


def onset_and_settle(level: np.ndarray, fps: float, span: tuple[float, float]) -> OnsetSettle:
    level = np.asarray(level, dtype=np.float64)
    times = np.arange(len(level)) / fps
    inside = (times >= span[0]) & (times <= span[1])
    first = min(len(level) - 1, int(np.ceil(span[0] * fps)))
    return OnsetSettle(float(level[0]), float(level[first]),
                       float(level[inside].mean()) if inside.any() else 0.0, float(level[-1]))
