"""Emotion vectors: 8 values in [0, 1] in IndexTTS2's order, named presets with an intensity, and mixes.

Spelled on the command line and in requests as ``NAME[:INTENSITY]`` or a mix ``happy:0.6+surprised:0.3``;
``neutral`` is the zero vector.
"""

from __future__ import annotations

import numpy as np

from .errors import BadInput

EMOTIONS: tuple[str, ...] = ("happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm")
PRESETS: tuple[str, ...] = ("neutral",) + EMOTIONS
DEFAULT_INTENSITY = 1.0


def emotion_vector(name: str = "neutral", intensity: float = DEFAULT_INTENSITY) -> np.ndarray:
    """The 8-d vector of one preset at an intensity in [0, 1]."""
    key = name.strip().lower()
    if key not in PRESETS:
        raise BadInput(f"unknown emotion {name!r}; choose one of: {', '.join(PRESETS)}")
    if not (0.0 <= float(intensity) <= 1.0) or np.isnan(intensity):
        raise BadInput(f"emotion intensity must be between 0 and 1, got {intensity}")
    vec = np.zeros(len(EMOTIONS), dtype=np.float32)
    if key != "neutral":
        vec[EMOTIONS.index(key)] = float(intensity)
    return vec


def parse_emotion(spec: str | None) -> np.ndarray:
    """Parse ``happy``, ``happy:0.8`` or ``happy:0.6+surprised:0.3`` into an 8-d vector."""
    if spec is None or not spec.strip():
        return emotion_vector("neutral")
    total = np.zeros(len(EMOTIONS), dtype=np.float32)
    for part in spec.split("+"):
        name, _, level = part.partition(":")
        try:
            intensity = float(level) if level.strip() else DEFAULT_INTENSITY
        except ValueError:
            raise BadInput(f"emotion intensity in {part!r} is not a number") from None
        total += emotion_vector(name, intensity)
    return np.clip(total, 0.0, 1.0)


def describe(vec: np.ndarray) -> str:
    """The inverse of parse_emotion, for logs and file names: ``happy:0.80`` or ``neutral``."""
    parts = [f"{EMOTIONS[i]}:{v:.2f}" for i, v in enumerate(np.asarray(vec, dtype=float)) if v > 1e-6]
    return "+".join(parts) if parts else "neutral"
