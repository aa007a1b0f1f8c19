"""The add-on's view of the backend: requests, the result, and the interface every client implements.

Two implementations: `core.http_client.HttpBackend` (a local or remote `unitaf serve`) and
`core.inprocess.InProcessBackend` (when `unitaf_backend` is importable in this Python).
No bpy and no torch here: stdlib and numpy only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

Progress = Callable[[float, str], None]     # (fraction 0..1, stage name)
CancelCheck = Callable[[], bool]             # True when the user wants to stop


class BackendError(Exception):
    """A problem the user must see: one clear line (backend unreachable, bad input, version mismatch...)."""


class BackendCancelled(BackendError):
    """The user cancelled; nothing was changed."""


@dataclass(frozen=True)
class SpeakRequest:
    text: str
    emotion: str = "neutral"        # preset name in lower case, as the backend lists them
    intensity: float = 1.0
    voice: str | None = None
    fps: float = 24.0
    mode: str = "auto"              # "auto" | "neural" | "rules"
    seed: int = 0
    head_motion: bool = True        # head angles at a low level (writing them is the scene's choice)


@dataclass(frozen=True)
class AnimateRequest:
    wav_bytes: bytes                # the recording as a WAV file's bytes (uploaded, never a server path)
    transcript: str | None = None
    emotion: str = "neutral"
    intensity: float = 1.0
    fps: float = 24.0
    mode: str = "auto"
    seed: int = 0
    head_motion: bool = True        # head angles at a low level (writing them is the scene's choice)


@dataclass(frozen=True)
class FaceResult:
    fps: float
    channels: tuple[str, ...]       # ARKit names, Apple's order
    weights: np.ndarray             # float32 [T, len(channels)] in [0, 1]; frame i at i / fps s
    timeline: dict                  # the backend's timeline JSON (phones, words, sentences, duration)
    duration: float                 # seconds of audio
    audio_wav: bytes | None = None  # 16-bit PCM WAV of the speech (None for the recording path)
    head: np.ndarray | None = None  # float32 [T, 3] yaw, pitch, roll (radians), when asked for
    meta: dict = field(default_factory=dict)


@dataclass(frozen=True)
class IdleRequest:
    """An idle clip (blinks, gaze, breathing) for the gaps between a character's lines."""
    duration: float                 # seconds
    fps: float = 24.0
    seed: int = 0
    blinks: bool = True
    gaze: bool = True
    breathing: bool = True


@dataclass(frozen=True)
class IdleResult:
    fps: float
    channels: tuple[str, ...]
    weights: np.ndarray             # float32 [T, len(channels)] in [0, 1]


class Backend(Protocol):
    def info(self) -> dict: ...
    def speak(self, request: SpeakRequest, progress: Progress | None = None,
              cancel: CancelCheck | None = None) -> FaceResult: ...
    def animate(self, request: AnimateRequest, progress: Progress | None = None,
                cancel: CancelCheck | None = None) -> FaceResult: ...
    def idle(self, request: IdleRequest) -> IdleResult: ...
    def close(self) -> None: ...
