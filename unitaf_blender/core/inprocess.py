"""The backend called directly in this Python (bpy-module scripts, tests, a Blender whose Python has
the backend installed): the same interface and the same checks as HttpBackend, no server.

`unitaf_backend` is imported lazily, inside the methods, so importing this module costs nothing and
works where the backend is absent (the first call then says so).
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from .backend_api import (
    AnimateRequest,
    BackendCancelled,
    BackendError,
    CancelCheck,
    FaceResult,
    IdleRequest,
    IdleResult,
    Progress,
    SpeakRequest,
)


def _backend() -> Any:
    try:
        import unitaf_backend.channels
        import unitaf_backend.pipeline
        import unitaf_backend.service.validate
    except ImportError as err:
        raise BackendError(f"the UniTAF backend cannot be loaded in this Python ({err}); "
                           "use the HTTP backend") from None
    return unitaf_backend


class InProcessBackend:
    def __init__(self) -> None:
        self._catalog: Any = None
        self._limits: Any = None

    def _setup(self) -> Any:
        ub = _backend()
        if self._catalog is None:
            from unitaf_backend.service.config import Limits
            from unitaf_backend.service.validate import Catalog
            self._catalog, self._limits = Catalog(), Limits()
        return ub

    def info(self) -> dict:
        self._setup()
        from unitaf_backend.service.wire import FORMAT_VERSION
        return dict(self._catalog.info(self._limits, FORMAT_VERSION))

    def speak(self, request: SpeakRequest, progress: Progress | None = None,
              cancel: CancelCheck | None = None) -> FaceResult:
        ub = self._setup()
        from unitaf_backend.service.validate import check_text, emotion_spec

        def build() -> Any:
            check_text(request.text, "text", self._limits.max_text_chars, required=True)
            voice = request.voice or None          # the UI's empty field means the default voice
            self._catalog.check_voice(voice)
            return ub.pipeline.SpeakRequest(
                text=request.text, emotion=emotion_spec(request.emotion, request.intensity), voice=voice,
                fps=float(request.fps), mode=request.mode, seed=int(request.seed),
                head_motion=bool(request.head_motion))

        return self._run(lambda: ub.pipeline.speak(build(), progress=progress, cancel=cancel), include_audio=True)

    def animate(self, request: AnimateRequest, progress: Progress | None = None,
                cancel: CancelCheck | None = None) -> FaceResult:
        ub = self._setup()
        from unitaf_backend.service.audio_io import decode_audio
        from unitaf_backend.service.validate import check_text, emotion_spec

        def build() -> Any:
            if request.transcript is not None:
                check_text(request.transcript, "transcript", self._limits.max_transcript_chars,
                           required=False)
            spec = emotion_spec(request.emotion, request.intensity, heard=True)
            audio, rate = decode_audio(request.wav_bytes, self._limits.max_audio_seconds)
            return ub.pipeline.AnimateRequest(
                audio=audio, sample_rate=rate, transcript=request.transcript or None, emotion=spec,
                fps=float(request.fps), mode=request.mode, seed=int(request.seed),
                head_motion=bool(request.head_motion))

        return self._run(lambda: ub.pipeline.animate(build(), progress=progress, cancel=cancel),
                         include_audio=False)

    def idle(self, request: IdleRequest) -> IdleResult:
        ub = self._setup()
        from unitaf_backend.errors import UnitafError
        from unitaf_backend.face import idle as idle_stage
        try:
            weights = idle_stage.idle_clip(idle_stage.IdleRequest(
                duration=float(request.duration), fps=float(request.fps), seed=int(request.seed),
                blinks=request.blinks, gaze=request.gaze, breathing=request.breathing))
        except UnitafError as err:
            raise BackendError(str(err)) from None
        return IdleResult(fps=float(request.fps), channels=tuple(ub.channels.ARKIT_CHANNELS),
                          weights=np.array(weights, dtype=np.float32))

    def close(self) -> None:
        """Nothing to release: the models stay loaded in this Python."""

    @staticmethod
    def _run(call: Any, include_audio: bool) -> FaceResult:
        from unitaf_backend.errors import Cancelled, UnitafError
        try:
            anim = call()
        except Cancelled:
            raise BackendCancelled("cancelled") from None
        except UnitafError as err:
            raise BackendError(str(err)) from None
        return _face_result(anim, include_audio)


def _face_result(anim: Any, include_audio: bool) -> FaceResult:
    """The backend's FaceAnimation -> the add-on's FaceResult, as the HTTP path would deliver it."""
    from unitaf_backend.service.audio_io import wav_bytes

    weights = np.array(anim.weights, dtype=np.float32)
    has_audio = anim.audio is not None and anim.sample_rate
    # the timeline goes through JSON, as over HTTP, so both paths hand over the same plain dict
    timeline = json.loads(json.dumps(anim.timeline.to_dict(), default=str)) if anim.timeline is not None else {}
    return FaceResult(
        fps=float(anim.fps), channels=tuple(anim.channels), weights=weights, timeline=timeline,
        duration=float(anim.duration),
        audio_wav=wav_bytes(anim.audio, anim.sample_rate) if include_audio and has_audio else None,
        head=np.array(anim.head, dtype=np.float32) if anim.head is not None else None,
        meta=json.loads(json.dumps(dict(anim.meta), default=str)),
    )
