"""What the speech front end returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .timeline import Timeline


@dataclass(frozen=True)
class Prosody:
    """Frame-level prosody of the spoken audio, for articulation intensity and life layers."""

    fps: float
    f0: np.ndarray       # float32 [T] Hz, 0 where unvoiced
    energy: np.ndarray   # float32 [T] RMS of the audio, linear


@dataclass(frozen=True)
class Speech:
    audio: np.ndarray            # float32 [N] mono, in [-1, 1]
    sample_rate: int
    timeline: Timeline
    tts_features: np.ndarray     # float32 [T, D], taken from inside the TTS, frame i at i / feature_fps s
    feature_fps: float
    emotion: np.ndarray          # float32 [8], the line's emotion (sentences may carry their own)
    prosody: Prosody | None = None
    meta: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate
