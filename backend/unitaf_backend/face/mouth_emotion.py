"""Emotion in the mouth: a post-stage on mouth weights from any source (rules, neural, audio).

It reads what the mouth is doing from the weights themselves (expression.articulation_demands) and the
voice from the cues, and changes how the mouth articulates, never whether it does:

* jaw range: the jaw's opening is scaled by the emotion (``JAW_RANGE``: wider when angry or surprised,
  narrower when sad, melancholic or calm) and by vocal effort (louder stretches open wider,
  ``EFFORT_GAIN`` per unit of cues.loudness above typical);
* lip shapes while speaking (``LIP_SHAPES``): happy spreads the lips on open vowels, angry presses and
  tenses them (press while they close, a stretch and a lifted upper lip while open), sad and melancholic
  lower the corners (more as the expression swells), disgusted lifts the upper lip on vowels;
* seals hold: where the lips are together (jawOpen - mouthClose small) the gap is never widened, so a
  bilabial that closed before still closes; channels that make rounding and tucks (pucker, funnel, roll,
  tongue) are left alone.

Linear in the emotion vector beyond the jaw's factor, deterministic, and a no-op for neutral at typical
loudness except for the effort scaling.
"""

from __future__ import annotations

import numpy as np

from ..channels import CHANNEL_INDEX
from ..emotion import EMOTIONS
from .cues import Cues, smooth
from .dynamics import frames as _frames
from .dynamics import gain
from .expression import articulation_demands

JAW_RANGE: dict[str, float] = {
    "happy": 1.1, "angry": 1.35, "sad": 0.55, "afraid": 1.05, "disgusted": 0.9, "melancholic": 0.6,
    "surprised": 1.2, "calm": 0.75,
}
assert set(JAW_RANGE) == set(EMOTIONS)
EFFORT_GAIN = 0.3            # jaw factor per unit of loudness above typical (cues.loudness 0.5) ...
EFFORT_SMOOTH_S = 0.4        # ... over a phrase-length window: effort is how hard the voice works, not
                             # each syllable's energy (which would pull the jaw early)
SHAPE_SMOOTH_S = 0.1         # lip shapes ease in and out rather than follow every frame of the jaw
JAW_FACTOR_LIMITS = (0.5, 1.6)
# The factor scales the opening beyond a knee: narrowing only takes from wide openings (an open vowel stays
# open), widening leaves a nearly closed jaw (rest, closures) alone.
NARROW_KNEE, WIDE_KNEE = 0.24, 0.05
SEAL_GAP = (0.12, 0.2)       # lip gap below which the lips count as together (fully at the first value)

# emotion -> {channel: (weight, what it follows)}: "open" = jaw openness without rounding, "closed" =
# lips together while speaking, "phrasing" = the expression's own swell over the speech (dynamics.gain).
LIP_SHAPES: dict[str, dict[str, tuple[float, str]]] = {
    "happy": {"mouthStretchLeft": (0.15, "open"), "mouthStretchRight": (0.15, "open"),
              "mouthSmileLeft": (0.1, "open"), "mouthSmileRight": (0.1, "open")},
    "angry": {"mouthPressLeft": (0.3, "closed"), "mouthPressRight": (0.3, "closed"),
              "mouthStretchLeft": (0.12, "open"), "mouthStretchRight": (0.12, "open"),
              "mouthUpperUpLeft": (0.12, "open"), "mouthUpperUpRight": (0.12, "open")},
    "sad": {"mouthFrownLeft": (0.15, "phrasing"), "mouthFrownRight": (0.15, "phrasing"),
            "mouthLowerDownLeft": (0.05, "open"), "mouthLowerDownRight": (0.05, "open")},
    "afraid": {"mouthStretchLeft": (0.12, "open"), "mouthStretchRight": (0.12, "open")},
    "disgusted": {"mouthUpperUpLeft": (0.15, "open"), "mouthUpperUpRight": (0.15, "open")},
    "melancholic": {"mouthFrownLeft": (0.1, "phrasing"), "mouthFrownRight": (0.1, "phrasing")},
    "surprised": {},
    "calm": {},
}
assert set(LIP_SHAPES) == set(EMOTIONS)

_JAW = np.array([JAW_RANGE[name] - 1.0 for name in EMOTIONS])
_C = CHANNEL_INDEX


def jaw_factor(emotions: np.ndarray, cues: Cues) -> np.ndarray:
    """[T] how much the jaw's opening is scaled at each frame."""
    emotional = 1.0 + emotions @ _JAW
    effort = 1.0 + EFFORT_GAIN * (smooth(cues.loudness, _frames(cues, EFFORT_SMOOTH_S)) - 0.5) * cues.speaking
    return np.clip(emotional * effort, *JAW_FACTOR_LIMITS)


def emotional_mouth(mouth: np.ndarray, emotions: np.ndarray, cues: Cues) -> np.ndarray:
    """Mouth weights [T, 52] with the emotion's jaw range and lip shapes; seals kept."""
    out = np.array(mouth, dtype=np.float64, copy=True)
    jaw = out[:, _C["jawOpen"]]
    close = np.minimum(out[:, _C["mouthClose"]], jaw)
    gap = jaw - close
    s = jaw_factor(emotions, cues)
    sealed = np.clip((SEAL_GAP[1] - gap) / (SEAL_GAP[1] - SEAL_GAP[0]), 0.0, 1.0)
    knee = np.where(s < 1.0, NARROW_KNEE, WIDE_KNEE)
    new_jaw = np.clip(jaw + (s - 1.0) * np.maximum(jaw - knee, 0.0), 0.0, 1.0)
    s = np.where(jaw > 1e-6, new_jaw / np.maximum(jaw, 1e-6), 1.0)      # the factor each frame really got
    new_gap = gap * (s * (1.0 - sealed) + np.minimum(s, 1.0) * sealed)
    out[:, _C["jawOpen"]] = new_jaw
    out[:, _C["mouthClose"]] = np.clip(new_jaw - new_gap, 0.0, new_jaw)
    for side in ("Left", "Right"):        # the lip opening follows the jaw
        ch = _C["mouthLowerDown" + side]
        out[:, ch] = np.clip(out[:, ch] * s, 0.0, 1.0)

    closure, rounding, _, openness = articulation_demands(mouth)
    follows = {"open": openness * (1.0 - rounding) * (1.0 - closure), "closed": closure * cues.speaking,
               "phrasing": gain(cues) * cues.speaking}
    ease = _frames(cues, SHAPE_SMOOTH_S)
    follows = {name: smooth(curve, ease) for name, curve in follows.items()}
    for k, name in enumerate(EMOTIONS):
        weight = emotions[:, k]
        if not weight.any():
            continue
        for ch, (amount, cue) in LIP_SHAPES[name].items():
            out[:, _C[ch]] += amount * weight * follows[cue]
    return np.clip(out, 0.0, 1.0)
