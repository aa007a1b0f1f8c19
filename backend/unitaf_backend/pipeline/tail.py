"""The shared tail of every path: mouth weights -> expression and life layers -> FaceAnimation."""

from __future__ import annotations

import numpy as np

from ..face.animation import FaceAnimation
from ..speech.timeline import Timeline
from ..speech.types import Prosody


def finish(mouth: np.ndarray, timeline: Timeline, fps: float, *, prosody: Prosody | None, seed: int,
           head_motion: bool = False, audio: np.ndarray | None = None, sample_rate: int = 0,
           meta: dict | None = None) -> FaceAnimation:
    """Add the emotion's expression and the life layers (blinks, gaze, brows, optional head) to the mouth."""
    from ..face import layers

    weights, head = layers.add_expression_and_life(
        mouth, timeline, fps, prosody=prosody, seed=seed, head_motion=head_motion
    )
    return FaceAnimation(fps=float(fps), weights=np.asarray(weights, dtype=np.float32), timeline=timeline,
                         audio=audio, sample_rate=int(sample_rate), head=head, meta=dict(meta or {}))
