"""A line of text: TTS -> mouth (from the TTS's own timeline and features) -> the shared tail."""

from __future__ import annotations

from ..face.animation import FaceAnimation
from .mouth import mouth, source_for, spoken_input
from .progress import CancelCheck, Progress, step
from .requests import MAX_SPEECH_SECONDS, SpeakRequest, check_speak
from .tail import finish


def speak(req: SpeakRequest, progress: Progress | None = None, cancel: CancelCheck | None = None) -> FaceAnimation:
    """Speak a line and animate the face from the TTS's own timeline and features."""
    from .. import speech

    checked = check_speak(req)
    step(progress, cancel, 0.0, "speech")
    # the prediction admitted the line; the synthesis stops at the limit whatever the prediction said
    spoken = speech.synthesize(req.text, emotion=checked.emotion, voice=req.voice, seed=req.seed, cancel=cancel,
                               max_seconds=MAX_SPEECH_SECONDS * 1.25)
    step(progress, cancel, 0.6, "face")
    weights = mouth(source_for(checked.mode, spoken=True), spoken_input(spoken, req.fps))
    step(progress, cancel, 0.85, "expression")
    anim = finish(weights, spoken.timeline, req.fps, prosody=spoken.prosody, seed=req.seed,
                  head_motion=req.head_motion, audio=spoken.audio, sample_rate=spoken.sample_rate,
                  meta={"mode": checked.mode, "emotion": req.emotion, "voice": spoken.meta.get("voice"),
                        "seed": req.seed})
    step(progress, cancel, 1.0, "done")
    return anim
