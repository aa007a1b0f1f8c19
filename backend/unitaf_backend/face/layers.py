"""Expression and life on top of mouth motion: the last face stage before FaceAnimation.

``add_expression_and_life`` works on mouth weights from any source (rules, neural, audio): it reads what
the mouth is doing from the weights themselves (see expression.articulation_demands), seals the lips on
a TTS timeline's bilabials (seals.py), lets the emotion
and the vocal effort shape the articulation (mouth_emotion.py: jaw range, lip shapes, seals kept), adds
the emotion's moving expression (expression.py, dynamics.py) and the blinks, gaze, brows and optional
head motion (life.py), and clips to [0, 1].
"""

from __future__ import annotations

import numpy as np

from ..errors import BadInput
from ..speech.timeline import Timeline
from ..speech.types import Prosody
from . import cues as prosodic_cues
from . import expression, life, mouth_emotion, seals
from .frames import check_fps


def add_expression_and_life(
    mouth: np.ndarray,
    timeline: Timeline,
    fps: float,
    prosody: Prosody | None = None,
    seed: int = 0,
    head_motion: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(weights float32 [T, 52] in [0, 1], head float32 [T, 3] yaw/pitch/roll radians or None).

    The emotion comes from each sentence of the timeline; the same seed always gives the same result.
    Head motion is on unless turned off: a low level (a few degrees) that follows the prosody and emotion.
    """
    fps = check_fps(fps)
    mouth = np.asarray(mouth, dtype=np.float64)
    if mouth.ndim != 2 or mouth.shape[1] != 52:
        raise BadInput(f"mouth weights must be [T, 52], got {list(mouth.shape)}")
    if not np.isfinite(mouth).all():
        raise BadInput("mouth weights contain NaN or infinity")
    times = np.arange(len(mouth), dtype=np.float64) / fps
    emotions = expression.emotion_curve(timeline, times)
    cues = prosodic_cues.compute(timeline, times, prosody)
    mouth = mouth_emotion.emotional_mouth(seals.seal_bilabials(mouth, timeline, fps), emotions, cues)
    weights = mouth + expression.expression_pose(emotions, mouth, cues)
    blink, gaze, brows, head = life.life_channels(times, fps, timeline, cues, emotions, seed, head_motion)
    life.apply_life(weights, blink, gaze, brows)
    weights = np.clip(weights, 0.0, 1.0).astype(np.float32)
    return weights, (head.astype(np.float32) if head is not None else None)
