"""Targets that are not visemes: VRM expressions (blink, gaze, emotion presets) and unsided keys.

- VRM blink: `blink` closes both eyes; with `blinkLeft`/`blinkRight` beside it, `blink` takes what both
  eyes share and each side the rest, so the three add up to each eye's ARKit blink.
- VRM gaze: lookUp/Down the two eyes' mean; lookLeft is the character looking to its own left (left eye
  out, right eye in).
- VRM emotion presets follow the line's emotion (the backend's 8 emotions folded onto VRM's five).
- Unsided keys (`mouthSmile`, `eyeBlink`): the mean of both sides, the max for blink (one eye closing
  reads as a blink; half a blink on both does not).
Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..channels import ARKIT_CHANNELS
from .features import column

EMOTIONS: tuple[str, ...] = ("happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")

VRM_EXPRESSIONS: tuple[str, ...] = ("blink", "blinkLeft", "blinkRight", "lookUp", "lookDown", "lookLeft",
                                    "lookRight", "happy", "angry", "sad", "relaxed", "surprised")
VRM_EMOTIONS: tuple[str, ...] = ("happy", "angry", "sad", "relaxed", "surprised")

# VRM 1.0 preset -> key names on rigs (VRM 1.0, VRM 0.x blend-shape groups, VRoid's Fcl_ keys).
VRM_EXPRESSION_NAMES: dict[str, tuple[str, ...]] = {
    "blink": ("blink", "Blink", "Fcl_EYE_Close"),
    "blinkLeft": ("blinkLeft", "Blink_L", "Fcl_EYE_Close_L"),
    "blinkRight": ("blinkRight", "Blink_R", "Fcl_EYE_Close_R"),
    "lookUp": ("lookUp", "LookUp"),
    "lookDown": ("lookDown", "LookDown"),
    "lookLeft": ("lookLeft", "LookLeft"),
    "lookRight": ("lookRight", "LookRight"),
    "happy": ("happy", "Joy", "Fcl_ALL_Joy"),
    "angry": ("angry", "Angry", "Fcl_ALL_Angry"),
    "sad": ("sad", "Sorrow", "Fcl_ALL_Sorrow"),
    "relaxed": ("relaxed", "Fun", "Fcl_ALL_Fun"),
    "surprised": ("surprised", "Surprised", "Fcl_ALL_Surprised"),
}

# How the backend's emotions show on VRM's five presets: (preset, emotion, share).
_EMOTION_TO_VRM: tuple[tuple[str, str, float], ...] = (
    ("happy", "happy", 1.0), ("angry", "angry", 1.0), ("angry", "disgusted", 0.6),
    ("sad", "sad", 1.0), ("sad", "melancholic", 0.8), ("sad", "afraid", 0.5),
    ("relaxed", "calm", 1.0), ("surprised", "surprised", 1.0), ("surprised", "afraid", 0.6),
)

VRM_SOURCES: tuple[str, ...] = tuple(f"vrm.{e}" for e in VRM_EXPRESSIONS)

# Unsided ARKit names: 'mouthSmile' for mouthSmileLeft + mouthSmileRight (jawLeft/jawRight and
# mouthLeft/mouthRight are directions, not sides, so they have none).
UNSIDED: dict[str, tuple[str, str]] = {
    c[: -len("Left")]: (c, c[: -len("Left")] + "Right") for c in ARKIT_CHANNELS if c.endswith("Left")
    and c[: -len("Left")] + "Right" in ARKIT_CHANNELS and c not in ("jawLeft", "mouthLeft")
}
UNSIDED_MAX = frozenset({"eyeBlink"})
MOUTH_OPEN = "mouthOpen"      # a single "mouth open" key: the lips apart (jawOpen - mouthClose), so it
                              # rests at closures even where the jaw stays a little open


def parse_emotion(spec: object) -> np.ndarray:
    """The line's emotion as 8 values in [0, 1]: `happy`, `happy:0.8`, `happy:0.6+surprised:0.3`, or a
    list of 8 numbers; anything else (absent, 'neutral', malformed) is neutral."""
    vec = np.zeros(len(EMOTIONS), dtype=np.float32)
    if isinstance(spec, (list, tuple)) and len(spec) == len(EMOTIONS):
        try:
            return np.clip(np.asarray(spec, dtype=np.float32), 0.0, 1.0)
        except (TypeError, ValueError):
            return vec
    if not isinstance(spec, str):
        return vec
    for part in spec.split("+"):
        name, _, level = part.strip().partition(":")
        if name.lower() not in EMOTIONS:
            continue
        try:
            intensity = float(level) if level.strip() else 1.0
        except ValueError:
            continue
        vec[EMOTIONS.index(name.lower())] += intensity
    return np.clip(vec, 0.0, 1.0)


def vrm_emotion_levels(emotion: np.ndarray) -> dict[str, float]:
    """VRM preset -> level in [0, 1] for the line's 8-value emotion."""
    levels = dict.fromkeys(VRM_EMOTIONS, 0.0)
    for preset, name, share in _EMOTION_TO_VRM:
        levels[preset] = max(levels[preset], share * float(emotion[EMOTIONS.index(name)]))
    return levels


def vrm_expression_values(weights: np.ndarray, channels: Sequence[str], expression: str,
                          emotion: np.ndarray, has_split_blinks: bool) -> np.ndarray:
    """[T] values of one VRM expression; `has_split_blinks` = the rig also has blinkLeft/blinkRight."""
    def col(name: str) -> np.ndarray:
        return column(weights, channels, name)

    left, right = col("eyeBlinkLeft"), col("eyeBlinkRight")
    both = np.minimum(left, right) if has_split_blinks else np.maximum(left, right)
    if expression == "blink":
        return both
    if expression == "blinkLeft":
        return left - both if has_split_blinks else left
    if expression == "blinkRight":
        return right - both if has_split_blinks else right
    gaze = {
        "lookUp": ("eyeLookUpLeft", "eyeLookUpRight"),
        "lookDown": ("eyeLookDownLeft", "eyeLookDownRight"),
        "lookLeft": ("eyeLookOutLeft", "eyeLookInRight"),
        "lookRight": ("eyeLookInLeft", "eyeLookOutRight"),
    }
    if expression in gaze:
        a, b = gaze[expression]
        return (col(a) + col(b)) / 2.0
    if expression in VRM_EMOTIONS:
        return np.full(weights.shape[0], vrm_emotion_levels(emotion)[expression], dtype=np.float32)
    raise ValueError(f"unknown VRM expression {expression!r}")


def unsided_values(weights: np.ndarray, channels: Sequence[str], unsided: str) -> np.ndarray:
    if unsided == MOUTH_OPEN:
        return np.clip(column(weights, channels, "jawOpen") - column(weights, channels, "mouthClose"), 0.0, 1.0)
    left, right = (column(weights, channels, c) for c in UNSIDED[unsided])
    return np.maximum(left, right) if unsided in UNSIDED_MAX else (left + right) / 2.0
