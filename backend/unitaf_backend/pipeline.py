"""The whole job in one place: text (or a recording) in, FaceAnimation out.

This is the single entry the CLI, the service and in-process callers share. Stages:
speech (TTS) -> mouth motion (neural A2F on the TTS's own features, or the rules articulation model)
-> expression and life layers -> FaceAnimation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .emotion import parse_emotion
from .errors import BadInput, Cancelled
from .face.animation import FaceAnimation

Progress = Callable[[float, str], None]    # (fraction 0..1, stage name)
CancelCheck = Callable[[], bool]            # True when the caller wants to stop

MODES = ("auto", "neural", "rules")
MIN_FPS, MAX_FPS = 1.0, 240.0


@dataclass(frozen=True)
class SpeakRequest:
    text: str
    emotion: str = "neutral"        # NAME[:INTENSITY] or a mix, see emotion.parse_emotion
    voice: str | None = None        # None = the default voice
    fps: float = 30.0
    mode: str = "auto"              # auto = neural when shipped weights are installed, else rules
    seed: int = 0
    head_motion: bool = False


@dataclass(frozen=True)
class AnimateRequest:
    audio: np.ndarray               # float32 [N] mono
    sample_rate: int
    transcript: str | None = None
    emotion: str = "neutral"
    fps: float = 30.0
    mode: str = "auto"
    seed: int = 0
    head_motion: bool = False


def _check_common(fps: float, mode: str) -> None:
    if not (MIN_FPS <= float(fps) <= MAX_FPS):
        raise BadInput(f"fps must be between {MIN_FPS:g} and {MAX_FPS:g}, got {fps}")
    if mode not in MODES:
        raise BadInput(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")


def _step(progress: Progress | None, cancel: CancelCheck | None, fraction: float, stage: str) -> None:
    if cancel is not None and cancel():
        raise Cancelled("cancelled")
    if progress is not None:
        progress(fraction, stage)


def resolve_mode(mode: str) -> str:
    if mode != "auto":
        return mode
    from .a2f import shipped
    return "neural" if shipped.available() else "rules"


def speak(req: SpeakRequest, progress: Progress | None = None, cancel: CancelCheck | None = None) -> FaceAnimation:
    """Speak a line and animate the face from the TTS's own timeline and features."""
    from . import speech
    from .face import layers

    _check_common(req.fps, req.mode)
    emotion = parse_emotion(req.emotion)
    mode = resolve_mode(req.mode)
    _step(progress, cancel, 0.0, "speech")
    spoken = speech.synthesize(req.text, emotion=emotion, voice=req.voice, seed=req.seed, cancel=cancel)
    _step(progress, cancel, 0.6, "face")
    if mode == "neural":
        from .a2f import infer
        mouth = infer.predict_from_speech(spoken, req.fps)
    else:
        from .face import articulation
        mouth = articulation.articulate(spoken.timeline, req.fps, prosody=spoken.prosody)
    _step(progress, cancel, 0.85, "expression")
    weights, head = layers.add_expression_and_life(
        mouth, spoken.timeline, req.fps, prosody=spoken.prosody, seed=req.seed, head_motion=req.head_motion
    )
    _step(progress, cancel, 1.0, "done")
    return FaceAnimation(
        fps=float(req.fps), weights=weights.astype(np.float32), timeline=spoken.timeline,
        audio=spoken.audio, sample_rate=spoken.sample_rate, head=head,
        meta={"mode": mode, "emotion": req.emotion, "voice": spoken.meta.get("voice"), "seed": req.seed},
    )


def animate(req: AnimateRequest, progress: Progress | None = None, cancel: CancelCheck | None = None) -> FaceAnimation:
    """Animate the face from a recorded voice (optionally with its transcript)."""
    from .a2f import audio_path

    _check_common(req.fps, req.mode)
    return audio_path.animate_recording(req, progress=progress, cancel=cancel)
