"""What a Generate click needs, checked before anything runs: text, emotion, start frame, request.

Pure logic shared by the operators and tested without Blender. The emotion presets and modes are the
add-on's own copies of the backend's names (a unit test checks they are equal).
"""

from __future__ import annotations

from dataclasses import dataclass

from .backend_api import AnimateRequest, SpeakRequest

EMOTION_PRESETS: tuple[str, ...] = (
    "neutral", "happy", "angry", "sad", "afraid", "disgusted", "melancholic", "surprised", "calm",
)
HEARD_EMOTION = "auto"          # a recording's emotion heard from its prosody by the backend
MODES: tuple[str, ...] = ("auto", "neural", "rules")
MAX_TEXT_CHARS = 5000


class InputError(ValueError):
    """The user's input cannot be used (empty text, unknown emotion...): one clear line."""


def clean_text(text: str) -> str:
    """The line with its whitespace tidied; InputError when nothing is left or it is too long."""
    cleaned = " ".join(text.split())
    if not cleaned:
        raise InputError("the line is empty: type what the character should say")
    if len(cleaned) > MAX_TEXT_CHARS:
        raise InputError(f"the line has {len(cleaned)} characters; split it (at most {MAX_TEXT_CHARS})")
    if "\x00" in cleaned:
        raise InputError("the line contains a NUL character")
    return cleaned


def check_emotion(emotion: str, intensity: float, heard: bool = False) -> tuple[str, float]:
    """(preset, intensity) checked; `heard`: a recording, which may also ask for HEARD_EMOTION."""
    name = emotion.strip().lower()
    if heard and name == HEARD_EMOTION:
        return name, 1.0
    if name not in EMOTION_PRESETS:
        choices = (*EMOTION_PRESETS, HEARD_EMOTION) if heard else EMOTION_PRESETS
        raise InputError(f"unknown emotion {emotion!r}; choose one of: {', '.join(choices)}")
    if not 0.0 <= float(intensity) <= 1.0:
        raise InputError(f"emotion intensity must be between 0 and 1, got {intensity}")
    return name, float(intensity)


def start_frame(requested: int, current: int) -> int:
    """-1 (or any negative number) means the scene's current frame."""
    return int(current) if requested < 0 else int(requested)


@dataclass(frozen=True)
class LineOptions:
    emotion: str = "neutral"
    intensity: float = 1.0
    voice: str | None = None
    mode: str = "auto"
    fps: float = 24.0


def speak_request(text: str, options: LineOptions) -> SpeakRequest:
    emotion, intensity = check_emotion(options.emotion, options.intensity)
    if options.mode not in MODES:
        raise InputError(f"unknown mode {options.mode!r}; choose one of: {', '.join(MODES)}")
    return SpeakRequest(text=clean_text(text), emotion=emotion, intensity=intensity,
                        voice=options.voice or None, fps=float(options.fps), mode=options.mode)


def animate_request(wav_bytes: bytes, transcript: str, options: LineOptions) -> AnimateRequest:
    emotion, intensity = check_emotion(options.emotion, options.intensity, heard=True)
    if options.mode not in MODES:
        raise InputError(f"unknown mode {options.mode!r}; choose one of: {', '.join(MODES)}")
    if not wav_bytes.startswith(b"RIFF") or wav_bytes[8:12] != b"WAVE":
        raise InputError("the audio file is not a WAV file")
    return AnimateRequest(wav_bytes=wav_bytes, transcript=" ".join(transcript.split()) or None,
                          emotion=emotion, intensity=intensity, fps=float(options.fps), mode=options.mode)
