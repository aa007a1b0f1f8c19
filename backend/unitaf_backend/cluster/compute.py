"""One row's result, computed as the add-on's in-process backend computes it (same requests, same
conversions), so a cached line equals the line the batch would have asked for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..cache.key import LineRecipe
from ..cache.store import CachedLine


def compute_line(recipe: LineRecipe, audio_bytes: bytes | None = None) -> CachedLine:
    """Speak or animate one recipe; BadInput (a UnitafError) for a row that cannot be done."""
    from .. import pipeline
    from ..service.audio_io import decode_audio, wav_bytes
    from ..service.validate import emotion_spec

    spec = emotion_spec(recipe.emotion, recipe.intensity)
    fps, mode, seed, head = float(recipe.fps), recipe.mode, int(recipe.seed), bool(recipe.head_motion)
    if recipe.kind == "speak":
        anim = pipeline.speak(pipeline.SpeakRequest(text=recipe.text or "", voice=recipe.voice, emotion=spec,
                                                    fps=fps, mode=mode, seed=seed, head_motion=head))
    else:
        if audio_bytes is None:
            raise ValueError("an animate recipe needs the recording's bytes")
        audio, rate = decode_audio(audio_bytes)
        anim = pipeline.animate(pipeline.AnimateRequest(audio=audio, sample_rate=rate,
                                                        transcript=recipe.transcript, emotion=spec, fps=fps,
                                                        mode=mode, seed=seed, head_motion=head))
    weights = np.array(anim.weights, dtype=np.float32)
    timeline = json.loads(json.dumps(anim.timeline.to_dict(), default=str)) if anim.timeline is not None else {}
    return CachedLine(
        fps=float(anim.fps), channels=tuple(anim.channels), weights=weights, timeline=timeline,
        duration=float(anim.duration),
        audio_wav=wav_bytes(anim.audio, anim.sample_rate)
        if recipe.kind == "speak" and anim.audio is not None and anim.sample_rate else None,
        head=np.array(anim.head, dtype=np.float32) if anim.head is not None else None,
        meta=json.loads(json.dumps(dict(anim.meta), default=str)))


def read_audio(path: Path | None) -> bytes | None:
    return None if path is None else path.read_bytes()
