"""FaceAnimation: ARKit-52 weights at an fps, with the timeline and audio they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..channels import ARKIT_CHANNELS
from ..speech.timeline import Timeline


@dataclass(frozen=True)
class FaceAnimation:
    fps: float
    weights: np.ndarray                  # float32 [T, 52] in [0, 1], frame i at i / fps s from the first sample
    timeline: Timeline | None
    audio: np.ndarray | None = None      # float32 [N] mono
    sample_rate: int = 0
    channels: tuple[str, ...] = ARKIT_CHANNELS
    head: np.ndarray | None = None       # float32 [T, 3] yaw, pitch, roll in radians (optional head motion)
    meta: dict = field(default_factory=dict)

    @property
    def n_frames(self) -> int:
        return int(self.weights.shape[0])

    @property
    def duration(self) -> float:
        """Seconds the line lasts: its audio when it has some, else its timeline, else its frames."""
        if self.audio is not None and self.sample_rate:
            return len(self.audio) / self.sample_rate
        if self.timeline is not None:
            return float(self.timeline.duration)
        return self.n_frames / self.fps
