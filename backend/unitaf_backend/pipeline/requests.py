"""What a caller asks the pipeline for, and the one validation of it.

Every entry (CLI, service, in-process add-on, batch runs) builds one of these requests and the pipeline
checks it here, so a bad request gets the same message wherever it came from. Light: nothing heavy loads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..audio import check_audio
from ..emotion import parse_emotion
from ..errors import BadInput
from ..prosody_emotion import is_auto

MODES = ("auto", "neural", "rules")
MIN_FPS, MAX_FPS = 1.0, 240.0
MAX_TRANSCRIPT_CHARS = 20_000
MAX_SPEECH_SECONDS = 400.0          # one line's predicted speech: 5,000 characters of prose are about 320 s


@dataclass(frozen=True)
class SpeakRequest:
    text: str
    emotion: str = "neutral"        # NAME[:INTENSITY] or a mix, see emotion.parse_emotion
    voice: str | None = None        # None = the default voice
    fps: float = 30.0
    mode: str = "auto"              # auto = neural when shipped weights are installed, else rules
    seed: int = 0
    head_motion: bool = True        # head angles at a low level, from the prosody and the emotion


@dataclass(frozen=True)
class AnimateRequest:
    audio: np.ndarray               # float32 [N] mono
    sample_rate: int
    transcript: str | None = None
    emotion: str = "neutral"
    fps: float = 30.0
    mode: str = "auto"
    seed: int = 0
    head_motion: bool = True        # head angles at a low level, from the prosody and the emotion


@dataclass(frozen=True)
class CheckedSpeak:
    emotion: np.ndarray             # float32 [8]
    mode: str                       # "neural" or "rules" (auto resolved)
    predicted_seconds: float        # the speech the text will make (speech.estimate)


@dataclass(frozen=True)
class CheckedRecording:
    audio: np.ndarray               # float32 [N] mono in [-1, 1]
    emotion: np.ndarray
    transcript: str | None          # stripped; None when empty
    mode: str
    hear_emotion: bool = False      # emotion "auto": heard per sentence from the recording (neutral until then)


MAX_SEED = 2**31 - 1                # the service's range, so the CLI accepts exactly what the service does


def check_seed(seed: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) <= MAX_SEED:
        raise BadInput(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")


def check_common(fps: float, mode: str) -> None:
    if not (MIN_FPS <= float(fps) <= MAX_FPS):
        raise BadInput(f"fps must be between {MIN_FPS:g} and {MAX_FPS:g}, got {fps}")
    if mode not in MODES:
        raise BadInput(f"unknown mode {mode!r}; choose one of: {', '.join(MODES)}")


def resolve_mode(mode: str) -> str:
    """"auto" is the neural path when trained weights are installed, the rules otherwise."""
    if mode != "auto":
        return mode
    from ..a2f import shipped
    return "neural" if shipped.available() else "rules"


def check_speak(req: SpeakRequest) -> CheckedSpeak:
    check_common(req.fps, req.mode)
    check_seed(req.seed)
    emotion = parse_emotion(req.emotion)
    seconds = check_speech_length(req.text, req.voice)
    return CheckedSpeak(emotion=emotion, mode=resolve_mode(req.mode), predicted_seconds=seconds)


def check_speech_length(text: str, voice: str | None, max_seconds: float = MAX_SPEECH_SECONDS) -> float:
    """Admit a text by the seconds of speech it will make (from its phone count), before any is made."""
    from ..speech.estimate import estimate

    predicted = estimate(text, voice)
    if predicted.seconds > max_seconds:
        raise BadInput(f"the text would make about {predicted.seconds:.0f} s of speech ({predicted.phones} phones, "
                       f"{predicted.sentences} sentences); the limit is {max_seconds:g} s a line: split it "
                       "into several lines")
    return predicted.seconds


def check_animate(req: AnimateRequest) -> CheckedRecording:
    check_common(req.fps, req.mode)
    check_seed(req.seed)
    audio = check_audio(req.audio, req.sample_rate)
    hear_emotion = is_auto(req.emotion)
    emotion = parse_emotion("neutral" if hear_emotion else req.emotion)
    transcript = (req.transcript or "").strip() or None
    if transcript is not None and len(transcript) > MAX_TRANSCRIPT_CHARS:
        raise BadInput(f"the transcript is too long ({len(transcript)} characters; at most {MAX_TRANSCRIPT_CHARS})")
    mode = resolve_mode(req.mode)
    if mode == "rules" and transcript is None:
        why = "rules mode" if req.mode == "rules" else "without trained A2F weights (see docs/model_card.md), this"
        raise BadInput(f"{why} needs the recording's transcript (--transcript)")
    return CheckedRecording(audio=audio, emotion=emotion, transcript=transcript, mode=mode,
                            hear_emotion=hear_emotion)
