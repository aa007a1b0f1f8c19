"""The ARKit mouth seen as a few articulatory features, the space every viseme signature lives in.

Sided ARKit channels are averaged (a viseme has no side). Two features are derived: `aperture`, how far
the lips are apart (jawOpen - mouthClose, since mouthClose is "lips together while the jaw is open"), and
`seal`, lips together during speech (small aperture or pressed lips, within a short window of speech),
which is what a closed-lips viseme stands for and rest is not. Pure numpy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

FEATURES: tuple[str, ...] = (
    "aperture", "jawOpen", "seal", "funnel", "pucker", "smile", "stretch", "press",
    "rollLower", "rollUpper", "upperUp", "lowerDown", "shrugLower", "shrugUpper", "tongueOut", "dimple",
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURES)}

# How much each feature counts in the fit: the seal must win (a closure is the one thing a viewer never
# forgives), the lip aperture next; smile is mostly emotion, so it steers the choice of viseme less.
# The jaw counts little: behind closed lips it does not show.
_WEIGHT = {"aperture": 2.0, "seal": 6.0, "smile": 0.5}
FEATURE_WEIGHTS = np.array([_WEIGHT.get(f, 1.0) for f in FEATURES], dtype=np.float32)

# ARKit channels behind each plain feature (sided pairs are averaged).
_SOURCES: dict[str, tuple[str, ...]] = {
    "jawOpen": ("jawOpen",),
    "funnel": ("mouthFunnel",),
    "pucker": ("mouthPucker",),
    "smile": ("mouthSmileLeft", "mouthSmileRight"),
    "stretch": ("mouthStretchLeft", "mouthStretchRight"),
    "press": ("mouthPressLeft", "mouthPressRight"),
    "rollLower": ("mouthRollLower",),
    "rollUpper": ("mouthRollUpper",),
    "upperUp": ("mouthUpperUpLeft", "mouthUpperUpRight"),
    "lowerDown": ("mouthLowerDownLeft", "mouthLowerDownRight"),
    "shrugLower": ("mouthShrugLower",),
    "shrugUpper": ("mouthShrugUpper",),
    "tongueOut": ("tongueOut",),
    "dimple": ("mouthDimpleLeft", "mouthDimpleRight"),
}

CLOSED_APERTURE = 0.025     # lips this close count as together ...
OPEN_APERTURE = 0.06        # ... and this far apart as open (a narrow band: f, v and s are nearly closed but not sealed)
PRESSED = (0.04, 0.12)      # mouthPress from which lips count as pressed, and fully so
SPEECH_WINDOW_S = 0.3       # a closure this close to an opening is a consonant, not rest
SPEECH_APERTURE = (0.02, 0.06)
SEAL_SLEW_PER_S = 15.0      # the seal changes by at most 0.5 a frame at 30 fps
EMOTION_FEATURES = ("smile", "stretch", "dimple")
EMOTION_WINDOW_S = 0.6      # a smile level held this long each side is the line's emotion


def column(weights: np.ndarray, channels: Sequence[str], name: str) -> np.ndarray:
    """One ARKit column as float32 in [0, 1] (zeros when the result lacks it)."""
    names = list(channels)
    if name not in names:
        return np.zeros(weights.shape[0], dtype=np.float32)
    return np.clip(weights[:, names.index(name)], 0.0, 1.0).astype(np.float32)


def _ramp(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return np.clip((x - lo) / (hi - lo), 0.0, 1.0)


def _window_max(x: np.ndarray, half: int) -> np.ndarray:
    """Max over a window of +-half frames, neighbours weighted down linearly with distance (a taper, so
    the result fades in and out instead of switching when a peak leaves the window)."""
    if half <= 0 or len(x) == 0:
        return x
    padded = np.pad(x, half, mode="edge")
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1)
    taper = 1.0 - np.abs(np.arange(-half, half + 1)) / (half + 1)
    return (windows * taper[None, :]).max(axis=1)


def _window_min(x: np.ndarray, half: int) -> np.ndarray:
    if half <= 0 or len(x) == 0:
        return x
    return np.lib.stride_tricks.sliding_window_view(np.pad(x, half, mode="edge"), 2 * half + 1).min(axis=1)


def _slew_limited(x: np.ndarray, per_frame: float) -> np.ndarray:
    """The smallest curve above `x` that changes by at most `per_frame` a frame: peaks are kept whole and
    the lips start closing a little earlier (and open a little later) instead of snapping."""
    reach = int(np.ceil(1.0 / per_frame))
    out = x.copy()
    for j in range(1, min(reach, len(x))):
        out[j:] = np.maximum(out[j:], x[:-j] - per_frame * j)
        out[:-j] = np.maximum(out[:-j], x[j:] - per_frame * j)
    return out


def mouth_features(weights: np.ndarray, channels: Sequence[str], fps: float) -> np.ndarray:
    """[T, len(FEATURES)] float32: the features of every frame."""
    w = np.asarray(weights, dtype=np.float32)
    out = np.zeros((w.shape[0], len(FEATURES)), dtype=np.float32)
    for feature, sources in _SOURCES.items():
        out[:, FEATURE_INDEX[feature]] = np.mean([column(w, channels, s) for s in sources], axis=0)
    # Spread lips held over the line (smile, stretch, dimples) are its emotion, not a viseme: only their
    # movement above that level counts.
    for feature in EMOTION_FEATURES:
        held = out[:, FEATURE_INDEX[feature]]
        out[:, FEATURE_INDEX[feature]] = held - _window_min(held, round(EMOTION_WINDOW_S * fps))
    aperture = np.clip(column(w, channels, "jawOpen") - column(w, channels, "mouthClose"), 0.0, 1.0)
    together = np.maximum(1.0 - _ramp(aperture, CLOSED_APERTURE, OPEN_APERTURE),
                          _ramp(out[:, FEATURE_INDEX["press"]], *PRESSED))
    speaking = _ramp(_window_max(aperture, round(SPEECH_WINDOW_S * fps)), *SPEECH_APERTURE)
    out[:, FEATURE_INDEX["aperture"]] = aperture
    out[:, FEATURE_INDEX["seal"]] = _slew_limited(together * speaking, SEAL_SLEW_PER_S / fps)
    return out


def signature_vector(signature: dict[str, float]) -> np.ndarray:
    """A viseme's signature (feature -> value) as a [len(FEATURES)] vector; unknown features are an error."""
    vec = np.zeros(len(FEATURES), dtype=np.float32)
    for feature, value in signature.items():
        vec[FEATURE_INDEX[feature]] = value
    return vec


def arkit_pose(signature: dict[str, float], channels: Sequence[str]) -> np.ndarray:
    """ARKit weights [len(channels)] that show a signature (both sides alike; mouthClose from the aperture).
    The seal is not a channel: it follows from closed lips next to speech."""
    names = list(channels)
    pose = np.zeros(len(names), dtype=np.float32)

    def put(channel: str, value: float) -> None:
        if channel in names:
            pose[names.index(channel)] = value

    for feature, sources in _SOURCES.items():
        for channel in sources:
            put(channel, signature.get(feature, 0.0))
    jaw = signature.get("jawOpen", 0.0)
    put("mouthClose", max(0.0, jaw - signature.get("aperture", 0.0)))
    return pose
