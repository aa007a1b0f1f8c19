"""Expression layer: the emotion vector on the upper face and the mouth corners, moving with the voice.

Each emotion has a pose (``EXPRESSIONS``: ARKit channel -> weight at intensity 1). The pose of a frame is
the sum of the poses weighted by that frame's emotion vector, so intensity scales it and mixes add up.
Every sentence carries its own emotion; the per-frame emotion is a step per sentence, smoothed over
``CROSSFADE_S`` so the face changes gently at sentence joins. Given the voice's cues (cues.py), the pose
is not held: dynamics.py sets how much of it shows at each frame (onset, swells, pauses, decay) and adds
each emotion's gestures timed to the prosody.

The expression never fights articulation:

* it never writes the channels that make speech (jawOpen, mouthClose, mouthPucker, mouthFunnel,
  mouthRollLower/Upper, tongueOut), so a smile cannot stop a bilabial from closing;
* horizontal lip pulls (smile, stretch, dimple) give way while the lips round;
* lip raisers (mouthUpperUp, mouthLowerDown) give way while the lips are closed or tucked;
* lip presses give way while the jaw is open.

Each emotion also has ``MOVES``: the upper-face channels it is documented (and tested) to move, and which
way, compared with neutral.
"""

from __future__ import annotations

import numpy as np

from ..channels import CHANNEL_INDEX
from ..emotion import EMOTIONS
from ..speech.timeline import Timeline
from . import dynamics
from .cues import Cues

CROSSFADE_S = 0.4


def _both(name: str, value: float) -> dict[str, float]:
    return {name + "Left": value, name + "Right": value}


EXPRESSIONS: dict[str, dict[str, float]] = {
    "happy": {**_both("mouthSmile", 0.55), **_both("cheekSquint", 0.4), **_both("eyeSquint", 0.25),
              **_both("mouthDimple", 0.1), **_both("browOuterUp", 0.08)},
    "angry": {**_both("browDown", 0.65), **_both("noseSneer", 0.3), **_both("eyeSquint", 0.3),
              **_both("mouthPress", 0.25), **_both("mouthFrown", 0.15), **_both("eyeWide", 0.1)},
    "sad": {"browInnerUp": 0.6, **_both("browDown", 0.12), **_both("mouthFrown", 0.45),
            "mouthShrugLower": 0.15, **_both("eyeBlink", 0.15), **_both("eyeLookDown", 0.1)},
    "afraid": {"browInnerUp": 0.65, **_both("browOuterUp", 0.4), **_both("eyeWide", 0.55),
               **_both("mouthStretch", 0.3), **_both("mouthFrown", 0.1)},
    "disgusted": {"noseSneerLeft": 0.6, "noseSneerRight": 0.5, **_both("mouthUpperUp", 0.3),
                  **_both("browDown", 0.35), **_both("eyeSquint", 0.3), **_both("cheekSquint", 0.2),
                  **_both("mouthFrown", 0.2)},
    "melancholic": {"browInnerUp": 0.4, **_both("eyeBlink", 0.25), **_both("mouthFrown", 0.25),
                    **_both("eyeLookDown", 0.15), **_both("mouthPress", 0.1)},
    "surprised": {"browInnerUp": 0.7, **_both("browOuterUp", 0.75), **_both("eyeWide", 0.7),
                  **_both("mouthUpperUp", 0.08)},
    "calm": {**_both("eyeBlink", 0.12), **_both("mouthSmile", 0.15), **_both("cheekSquint", 0.05)},
}
assert set(EXPRESSIONS) == set(EMOTIONS)

# What each preset does to the upper face compared with neutral: +1 up, -1 down (channel groups average
# the left and right channels). The emotion tests hold the layer to this table.
MOVES: dict[str, dict[str, int]] = {
    "happy": {"mouthSmile": +1, "cheekSquint": +1, "eyeSquint": +1},
    "angry": {"browDown": +1, "noseSneer": +1, "eyeSquint": +1},
    "sad": {"browInnerUp": +1, "mouthFrown": +1, "browOuterUp": -1},
    "afraid": {"browInnerUp": +1, "browOuterUp": +1, "eyeWide": +1},
    "disgusted": {"noseSneer": +1, "browDown": +1, "browInnerUp": -1},
    "melancholic": {"browInnerUp": +1, "eyeBlink": +1, "mouthFrown": +1},
    "surprised": {"browInnerUp": +1, "browOuterUp": +1, "eyeWide": +1},
    "calm": {"eyeBlink": +1, "mouthSmile": +1, "browInnerUp": -1},
}
assert set(MOVES) == set(EMOTIONS)

# Channels the expression must leave to articulation.
ARTICULATION_ONLY: tuple[str, ...] = (
    "jawOpen", "mouthClose", "mouthPucker", "mouthFunnel", "mouthRollLower", "mouthRollUpper", "tongueOut",
)
for _pose in EXPRESSIONS.values():
    assert not set(_pose) & set(ARTICULATION_ONLY)

_POSES = np.zeros((len(EMOTIONS), 52), dtype=np.float64)
for _k, _name in enumerate(EMOTIONS):
    for _ch, _v in EXPRESSIONS[_name].items():
        _POSES[_k, CHANNEL_INDEX[_ch]] = _v


def emotion_curve(timeline: Timeline, times: np.ndarray) -> np.ndarray:
    """float64 [T, 8]: each sentence's emotion over its span, smoothed across sentence joins."""
    out = np.zeros((len(times), len(EMOTIONS)))
    sentences = timeline.sentences
    if not sentences or len(times) == 0:
        return out
    mids = np.array([0.5 * (s.start + s.end) for s in sentences])
    vecs = np.array([s.emotion for s in sentences], dtype=np.float64).reshape(len(sentences), -1)
    if vecs.shape[1] != len(EMOTIONS):
        vecs = np.zeros((len(sentences), len(EMOTIONS)))
    vecs = np.clip(np.nan_to_num(vecs), 0.0, 1.0)
    # Each frame takes the sentence it falls in, or the nearest one in a gap between sentences.
    starts = np.array([s.start for s in sentences])
    ends = np.array([s.end for s in sentences])
    idx = np.clip(np.searchsorted(starts, times, side="right") - 1, 0, len(sentences) - 1)
    outside = (times < starts[idx]) | (times > ends[idx])
    nearest = np.abs(times[:, None] - mids[None, :]).argmin(axis=1)
    idx = np.where(outside, nearest, idx)
    out = vecs[idx]
    if len(sentences) > 1 and len(times) > 2:
        fps = 1.0 / max(1e-9, float(times[1] - times[0]))
        half = max(1, round(0.5 * CROSSFADE_S * fps))
        kernel = np.hanning(2 * half + 3)[1:-1]
        kernel /= kernel.sum()
        padded = np.pad(out, ((half, half), (0, 0)), mode="edge")
        out = np.stack([np.convolve(padded[:, j], kernel, mode="valid") for j in range(out.shape[1])], axis=1)
    return out


def articulation_demands(mouth: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-frame (closure, rounding, tuck, openness) in [0, 1], read from any mouth weights."""
    c = CHANNEL_INDEX
    jaw = mouth[:, c["jawOpen"]]
    closure = np.clip(mouth[:, c["mouthClose"]] / np.maximum(jaw, 0.05), 0.0, 1.0)
    rounding = np.clip(np.maximum(mouth[:, c["mouthPucker"]], mouth[:, c["mouthFunnel"]]) / 0.4, 0.0, 1.0)
    tuck = np.clip(mouth[:, c["mouthRollLower"]] / 0.3, 0.0, 1.0)
    openness = np.clip(jaw / 0.4, 0.0, 1.0)
    return closure, rounding, tuck, openness


_PULLS = [CHANNEL_INDEX[n] for side in ("Left", "Right") for n in
          ("mouthSmile" + side, "mouthStretch" + side, "mouthDimple" + side)]
_RAISERS = [CHANNEL_INDEX[n] for side in ("Left", "Right") for n in ("mouthUpperUp" + side, "mouthLowerDown" + side)]
_PRESSES = [CHANNEL_INDEX["mouthPressLeft"], CHANNEL_INDEX["mouthPressRight"]]


def expression_pose(emotions: np.ndarray, mouth: np.ndarray, cues: Cues | None = None) -> np.ndarray:
    """The expression's weights [T, 52] for per-frame emotions [T, 8], yielding to the mouth's demands.

    Without cues the pose is held at full strength; with them it moves with the voice (dynamics.py)."""
    if cues is None:
        pose = emotions @ _POSES
    else:
        pose = (emotions * dynamics.gain(cues)[:, None]) @ _POSES + dynamics.gestures(emotions, cues)
    closure, rounding, tuck, openness = articulation_demands(mouth)
    pose[:, _PULLS] *= (1.0 - 0.7 * rounding)[:, None]
    pose[:, _RAISERS] *= ((1.0 - closure) * (1.0 - tuck))[:, None]
    pose[:, _PRESSES] *= (1.0 - 0.8 * openness)[:, None]
    return pose
