"""How the expression moves with the voice: a gain over time and emotion-specific gestures.

* ``gain`` [T] in [REST, 1]: the share of each emotion's pose shown at a frame. It rises before the first
  word (cues.speaking), swells on pitch accents, stressed vowels and loud stretches, relaxes in pauses and
  decays after the last word towards REST (the face keeps a trace of the feeling between lines).
* ``gestures`` [T, 52]: per emotion, extra channel movement timed to a prosodic cue (``GESTURES``):
  surprised lifts brows and lids on the accent, angry lowers the brows and wrinkles the nose on stressed
  consonants, sad raises the inner brows on falling pitch, happy lets cheeks and smile peak after phrase
  ends, and so on.

Both are linear in the emotion vector, so intensity scales all of it, and neither draws random numbers,
so the expression is the same for the same input (the seed only reaches the life layer).
"""

from __future__ import annotations

import numpy as np

from ..channels import CHANNEL_INDEX
from ..emotion import EMOTIONS
from .cues import Cues, smooth

REST = 0.2          # share of the pose before the onset and after the decay
SPEAKING = 0.25     # share while speaking, before any swell
PAUSE_RELAX = 0.6   # how much of the speaking share a pause takes away
STRESS_SHARE = 0.5  # a stressed vowel swells the face this much of what a pitch accent does
SMOOTH_S = 0.2      # faces ease in and out of a swell; nothing moves faster than muscles do

# emotion -> (cue name on Cues, {channel: weight at intensity 1 and cue 1})
GESTURES: dict[str, tuple[str, dict[str, float]]] = {
    "happy": ("phrase_ends", {"mouthSmileLeft": 0.25, "mouthSmileRight": 0.25,
                              "cheekSquintLeft": 0.3, "cheekSquintRight": 0.3}),
    "angry": ("stressed_onsets", {"browDownLeft": 0.3, "browDownRight": 0.3,
                                  "noseSneerLeft": 0.3, "noseSneerRight": 0.3}),
    "sad": ("falling", {"browInnerUp": 0.3, "mouthFrownLeft": 0.1, "mouthFrownRight": 0.1}),
    "afraid": ("accent", {"eyeWideLeft": 0.3, "eyeWideRight": 0.3, "browInnerUp": 0.2}),
    "disgusted": ("stressed_onsets", {"noseSneerLeft": 0.3, "noseSneerRight": 0.25,
                                      "mouthUpperUpLeft": 0.12, "mouthUpperUpRight": 0.12}),
    "melancholic": ("falling", {"browInnerUp": 0.25, "mouthFrownLeft": 0.08, "mouthFrownRight": 0.08}),
    "surprised": ("accent", {"browInnerUp": 0.25, "browOuterUpLeft": 0.3, "browOuterUpRight": 0.3,
                             "eyeWideLeft": 0.3, "eyeWideRight": 0.3}),
    "calm": ("phrase_ends", {"mouthSmileLeft": 0.1, "mouthSmileRight": 0.1}),
}
assert set(GESTURES) == set(EMOTIONS)

_GESTURE_POSES = np.zeros((len(EMOTIONS), 52))
for _k, _name in enumerate(EMOTIONS):
    for _ch, _v in GESTURES[_name][1].items():
        _GESTURE_POSES[_k, CHANNEL_INDEX[_ch]] = _v


def frames(cues: Cues, seconds: float) -> int:
    """How many frames of the cues' clock make ``seconds``."""
    fps = 1.0 / float(cues.times[1] - cues.times[0]) if len(cues.times) > 1 else 30.0
    return max(1, round(seconds * fps))


def swell(cues: Cues) -> np.ndarray:
    """[T] 0..1: how much the voice is pushing right now (accents, stress, loudness), eased."""
    push = cues.accent + STRESS_SHARE * cues.stress
    return smooth(np.clip(push * (0.4 + cues.loudness), 0.0, 1.0), frames(cues, SMOOTH_S))


def gain(cues: Cues) -> np.ndarray:
    """[T] in [REST, 1]: the share of the emotion's pose shown at each frame."""
    speaking = SPEAKING * (1.0 - PAUSE_RELAX * cues.pause) + (1.0 - SPEAKING) * swell(cues)
    return REST + (1.0 - REST) * cues.speaking * np.clip(speaking, 0.0, 1.0)


def gestures(emotions: np.ndarray, cues: Cues) -> np.ndarray:
    """[T, 52] extra expression: each emotion's gesture channels times its cue (zero outside the speech's
    onset-to-decay envelope)."""
    out = np.zeros((len(cues.times), 52))
    for k, name in enumerate(EMOTIONS):
        weight = emotions[:, k]
        if not weight.any():
            continue
        cue = getattr(cues, GESTURES[name][0]) * cues.speaking
        out += (weight * cue)[:, None] * _GESTURE_POSES[k][None, :]
    return smooth(out, frames(cues, 0.5 * SMOOTH_S))
