"""The voice-file path: a recording (and optionally its transcript) -> FaceAnimation.

recording -> frozen audio encoder -> A2F decoder -> mouth weights (neural mode; rules mode uses the
articulation model on the timeline instead) -> expression and life layers.
The timeline is the transcript aligned to the recording when a transcript is given (align.py), otherwise
speech runs and pauses found from the energy (enough for blinks, gaze and sentence-level layers).
"""

from __future__ import annotations

import numpy as np
import torch

from ..emotion import parse_emotion
from ..errors import BadInput, Cancelled
from ..face.animation import FaceAnimation
from ..pipeline import AnimateRequest, CancelCheck, Progress, resolve_mode
from ..speech.types import Prosody
from . import align
from .wav import check_audio

PROSODY_HOP_S = 0.01
MAX_TRANSCRIPT_CHARS = 20_000


def _step(progress: Progress | None, cancel: CancelCheck | None, fraction: float, stage: str) -> None:
    if cancel is not None and cancel():
        raise Cancelled("cancelled")
    if progress is not None:
        progress(fraction, stage)


def recording_prosody(audio: np.ndarray, sample_rate: int) -> Prosody:
    from ..speech.prosody import analyse

    hop = max(1, round(sample_rate * PROSODY_HOP_S))
    a = analyse(audio, sample_rate, hop)
    return Prosody(fps=sample_rate / hop, f0=a.f0.astype(np.float32), energy=a.energy.astype(np.float32))


def animate_recording(req: AnimateRequest, progress: Progress | None = None,
                      cancel: CancelCheck | None = None) -> FaceAnimation:
    from .. import prosody_emotion
    from ..face import layers
    from .encoder import shared_encoder

    audio = check_audio(req.audio, req.sample_rate)
    auto = prosody_emotion.is_auto(req.emotion)      # heard from the recording, per sentence
    emotion = parse_emotion("neutral" if auto else req.emotion)
    transcript = (req.transcript or "").strip() or None
    if transcript is not None and len(transcript) > MAX_TRANSCRIPT_CHARS:
        raise BadInput(f"the transcript is too long ({len(transcript)} characters; at most {MAX_TRANSCRIPT_CHARS})")
    mode = resolve_mode(req.mode)
    if mode == "rules" and transcript is None:
        why = "rules mode" if req.mode == "rules" else "without trained A2F weights (see docs/model_card.md), this"
        raise BadInput(f"{why} needs the recording's transcript (--transcript)")
    duration = len(audio) / req.sample_rate

    _step(progress, cancel, 0.0, "encoder")
    encoder = shared_encoder()
    feats = encoder.encode(audio, req.sample_rate)
    _step(progress, cancel, 0.3, "timeline")
    if transcript is not None:
        timeline = align.align_transcript(audio, req.sample_rate, transcript, feats, emotion,
                                          encode=encoder.encode, cancel=cancel)
    else:
        timeline = align.energy_timeline(audio, req.sample_rate, emotion)
    prosody = recording_prosody(audio, req.sample_rate)
    if auto:
        timeline = prosody_emotion.hear_sentences(audio, req.sample_rate, timeline)
        emotion = prosody_emotion.mean_emotion(timeline)

    _step(progress, cancel, 0.6, "face")
    if mode == "neural":
        from . import infer
        model = infer.load_model()
        dev = next(model.parameters()).device
        with torch.inference_mode():
            y = infer.decode_windowed(model, torch.from_numpy(feats).to(dev),
                                      torch.from_numpy(emotion).to(dev))
        mouth = infer.to_fps(y, model.cfg.model_fps, req.fps, duration)
    else:
        from ..face import articulation
        mouth = articulation.articulate(timeline, req.fps, prosody=prosody)

    _step(progress, cancel, 0.85, "expression")
    weights, head = layers.add_expression_and_life(
        mouth, timeline, req.fps, prosody=prosody, seed=req.seed, head_motion=req.head_motion
    )
    _step(progress, cancel, 1.0, "done")
    return FaceAnimation(
        fps=float(req.fps), weights=np.asarray(weights, dtype=np.float32), timeline=timeline,
        audio=audio, sample_rate=int(req.sample_rate), head=head,
        meta={"mode": mode, "emotion": req.emotion, "seed": req.seed,
              "timeline": "aligned transcript" if transcript is not None else "energy (no transcript)",
              **({"emotion_heard": timeline.meta["emotion_heard"]} if auto else {})},
    )
