"""A recorded voice (optionally with its transcript): encoder -> timeline -> mouth -> the shared tail.

The timeline is the transcript aligned to the recording when a transcript is given (a2f.align), otherwise
speech runs and pauses found from the energy (enough for blinks, gaze and sentence-level layers).
The encoder runs only when something needs it: the neural mouth, or aligning a transcript.
With an aligned transcript the neural mode's mouth is the decoder's fused with the articulation model's
phonetic targets (pipeline.mouth "fused"). A transcript whose alignment cost says it is not what the
recording says is dropped with a warning (meta "warnings"): the audio-only result is used instead.
"""

from __future__ import annotations

import numpy as np

from ..face.animation import FaceAnimation
from ..speech.types import Prosody
from .mouth import MouthInput, mouth, source_for
from .progress import CancelCheck, Progress, step
from .requests import AnimateRequest, check_animate
from .tail import finish

PROSODY_HOP_S = 0.01


def recording_prosody(audio: np.ndarray, sample_rate: int) -> Prosody:
    from ..speech.prosody import analyse

    hop = max(1, round(sample_rate * PROSODY_HOP_S))
    a = analyse(audio, sample_rate, hop)
    return Prosody(fps=sample_rate / hop, f0=a.f0.astype(np.float32), energy=a.energy.astype(np.float32))


def animate(req: AnimateRequest, progress: Progress | None = None, cancel: CancelCheck | None = None) -> FaceAnimation:
    """Animate the face from a recorded voice (optionally with its transcript)."""
    from ..a2f import align
    from ..a2f.encoder import shared_encoder

    checked = check_animate(req)
    audio, rate = checked.audio, int(req.sample_rate)
    step(progress, cancel, 0.0, "encoder")
    encoder = shared_encoder()
    feats = encoder.encode(audio, rate)
    step(progress, cancel, 0.3, "timeline")
    warnings: list[str] = []
    timeline = None
    if checked.transcript is not None:
        timeline = align.align_transcript(audio, rate, checked.transcript, feats, checked.emotion,
                                          encode=encoder.encode, cancel=cancel)
        mismatch = align.transcript_mismatch(timeline)
        if mismatch is not None and checked.mode == "rules":
            warnings.append(mismatch + "; rules mode has only the transcript to go on, so it is used anyway")
        elif mismatch is not None:
            warnings.append(mismatch + "; it is ignored: the mouth and timing come from the audio alone")
            timeline = None
    aligned = timeline is not None
    if timeline is None:
        timeline = align.energy_timeline(audio, rate, checked.emotion)
    prosody = recording_prosody(audio, rate)
    emotion = checked.emotion
    if checked.hear_emotion:
        from ..prosody_emotion import hear_sentences, mean_emotion
        timeline = hear_sentences(audio, rate, timeline)
        emotion = mean_emotion(timeline)
    step(progress, cancel, 0.6, "face")
    inp = MouthInput(timeline=timeline, fps=float(req.fps), audio=audio, sample_rate=rate,
                     emotion=emotion, prosody=prosody, encoder_features=feats)
    weights = mouth(source_for(checked.mode, spoken=False, aligned=aligned), inp)
    step(progress, cancel, 0.85, "expression")
    anim = finish(weights, timeline, req.fps, prosody=prosody, seed=req.seed, head_motion=req.head_motion,
                  audio=audio, sample_rate=rate,
                  meta={"mode": checked.mode, "emotion": req.emotion, "seed": req.seed,
                        "timeline": "aligned transcript" if aligned else "energy (no transcript)",
                        **({"emotion_heard": timeline.meta["emotion_heard"]} if checked.hear_emotion else {}),
                        **({"warnings": warnings} if warnings else {})})
    step(progress, cancel, 1.0, "done")
    return anim
