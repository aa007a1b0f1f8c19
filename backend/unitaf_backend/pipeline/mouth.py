"""Where the mouth motion comes from: the mode -> mouth source registry.

A source turns a ``MouthInput`` (what is known about one line) into mouth weights float32 [T, 52] at the
requested fps, T = face.frames.frame_count(duration, fps):

- ``rules``: the articulation model on the timeline;
- ``neural text``: the TTS's own features -> adapter -> A2F decoder (speech from engines whose features the
  adapter was not trained on goes through the audio encoder instead);
- ``neural audio``: the audio through the frozen encoder -> A2F decoder (recordings);
- ``fused``: a recording with its aligned transcript: the decoder's mouth with the articulation model's
  phonetic targets where those are strong (face.mouth_fusion).

Stages load on first use, so choosing a source costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import BadInput
from ..speech.timeline import Timeline
from ..speech.types import Prosody, Speech


@dataclass(frozen=True)
class MouthInput:
    timeline: Timeline
    fps: float
    audio: np.ndarray                       # float32 [N] mono
    sample_rate: int
    emotion: np.ndarray                     # float32 [8], the line's emotion
    prosody: Prosody | None = None
    speech: Speech | None = None            # a spoken line: carries the TTS's features
    encoder_features: np.ndarray | None = None   # [T, 384] at 50 fps, when already computed (alignment)

    @property
    def duration(self) -> float:
        return len(self.audio) / self.sample_rate


# (what is known, the A2F model to use or None for the shipped one) -> mouth weights
MouthSource = Callable[[MouthInput, Any], np.ndarray]


def _rules(inp: MouthInput, model: Any = None) -> np.ndarray:
    from ..face.articulation import articulate
    return articulate(inp.timeline, inp.fps, prosody=inp.prosody)


def _neural_text(inp: MouthInput, model: Any = None) -> np.ndarray:
    from ..a2f import infer
    if inp.speech is None:
        raise BadInput("the neural text path needs spoken speech (its TTS features)")
    return infer.predict_from_speech(inp.speech, inp.fps, model)


def _neural_audio(inp: MouthInput, model: Any = None) -> np.ndarray:
    from ..a2f import infer
    feats = inp.encoder_features
    if feats is None:
        from ..a2f.encoder import shared_encoder
        feats = shared_encoder().encode(inp.audio, inp.sample_rate)
    return infer.predict_from_features(feats, inp.emotion, inp.fps, inp.duration, model)


def _fused(inp: MouthInput, model: Any = None) -> np.ndarray:
    from ..face.mouth_fusion import fuse_mouths
    return fuse_mouths(_neural_audio(inp, model), _rules(inp), inp.timeline, inp.fps)


SOURCES: dict[str, MouthSource] = {"rules": _rules, "neural text": _neural_text, "neural audio": _neural_audio,
                                   "fused": _fused}

# The evaluator's --mode names -> sources (it scores spoken lines, so "audio" is the recording path
# heard on speech whose timeline is exact).
EVALUATOR_MODES: dict[str, str] = {"rules": "rules", "neural": "neural text", "audio": "neural audio"}


def source_for(mode: str, spoken: bool, aligned: bool = False) -> str:
    """The source a resolved pipeline mode ("neural" / "rules") uses for a spoken line or a recording
    (`aligned`: the recording's transcript is aligned to it)."""
    if mode == "rules":
        return "rules"
    if spoken:
        return "neural text"
    return "fused" if aligned else "neural audio"


def mouth(source: str, inp: MouthInput, model: Any = None) -> np.ndarray:
    try:
        fn = SOURCES[source]
    except KeyError:
        raise BadInput(f"unknown mouth source {source!r}; choose one of: {', '.join(SOURCES)}") from None
    return fn(inp, model)


def spoken_input(speech: Speech, fps: float) -> MouthInput:
    """What a spoken line tells the mouth sources."""
    return MouthInput(timeline=speech.timeline, fps=float(fps), audio=speech.audio,
                      sample_rate=speech.sample_rate, emotion=np.asarray(speech.emotion, np.float32),
                      prosody=speech.prosody, speech=speech)
