"""Lip seals on a TTS's own bilabials: p, b and m close the lips, whatever made the mouth weights.

The rules model closes them by construction; the neural decoder, which predicts from features, sometimes
leaves a gap. A TTS timeline is sample-exact, so where the timeline comes from a speech engine (not an
alignment or an energy guess on a recording) each bilabial's lips are brought together: mouthClose is
raised towards jawOpen - SEAL_GAP over the phone, eased in and out over EASE_S, and nothing else changes.
"""

from __future__ import annotations

import numpy as np

from ..channels import CHANNEL_INDEX
from ..speech.timeline import Timeline
from . import visemes as V

TTS_ENGINES = ("piper", "espeak")
SEAL_GAP = 0.03      # lip gap left at a sealed bilabial (jawOpen - mouthClose)
EASE_S = 0.04


def seal_bilabials(mouth: np.ndarray, timeline: Timeline, fps: float) -> np.ndarray:
    """Mouth weights [T, 52] with the lips sealed on the timeline's bilabials (TTS timelines only)."""
    if timeline.engine not in TTS_ENGINES:
        return mouth
    out = np.array(mouth, dtype=np.float64, copy=True)
    times = np.arange(len(out)) / fps
    jaw, close = CHANNEL_INDEX["jawOpen"], CHANNEL_INDEX["mouthClose"]
    seal = np.zeros(len(out))
    for seg in V.segments(timeline):
        if not V.is_bilabial(seg):
            continue
        rise = np.clip((times - (seg.start - EASE_S)) / EASE_S, 0.0, 1.0)
        fall = np.clip(((seg.end + EASE_S) - times) / EASE_S, 0.0, 1.0)
        seal = np.maximum(seal, np.minimum(rise, fall))
    wanted = np.maximum(out[:, jaw] - SEAL_GAP, 0.0)
    out[:, close] = np.maximum(out[:, close], seal * wanted + (1.0 - seal) * out[:, close])
    out[:, close] = np.minimum(out[:, close], out[:, jaw])
    return out
