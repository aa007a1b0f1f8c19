"""Shared pieces of the add-on's integration tests (real bpy: 5.0 in .venv, 4.2 in .venv-bpy42).

A stand-in backend that returns hand-made FaceResults (smooth, known weights and a WAV of the right
length), small meshes with chosen shape-key names, and a snapshot of everything the add-on could touch.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import wave
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import bpy

from unitaf_blender.blender.compat import all_strips
from unitaf_blender.blender.lines import lines_of
from unitaf_blender.blender.writer import fcurves_of
from unitaf_blender.core.backend_api import BackendCancelled, FaceResult
from unitaf_blender.core.channels import ARKIT_CHANNELS

SAMPLE_RATE = 16000
HAS_AUDIO = bool(bpy.app.build_options.audaspace)     # the 4.2 wheel is built without Audaspace


def wav_bytes(duration: float, sample_rate: int = SAMPLE_RATE) -> bytes:
    n = round(duration * sample_rate)
    t = np.arange(n) / sample_rate
    pcm = (0.2 * np.sin(2 * np.pi * 220 * t) * 32767).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return buf.getvalue()


def known_weights(n_frames: int, fps: float, phase: float = 0.0) -> np.ndarray:
    """Smooth, distinct curves in [0, 1]: channel c is 0.5 + 0.45 sin(2 pi (0.7 + 0.05 c) t + c + phase)."""
    t = np.arange(n_frames)[:, None] / fps
    c = np.arange(len(ARKIT_CHANNELS))[None, :]
    return (0.5 + 0.45 * np.sin(2 * np.pi * (0.7 + 0.05 * c) * t + c + phase)).astype(np.float32)


def face_result(duration: float = 1.5, fps: float = 24.0, with_audio: bool = True,
                phase: float = 0.0) -> FaceResult:
    n = int(np.floor(duration * fps + 1e-6)) + 1
    return FaceResult(fps=fps, channels=ARKIT_CHANNELS, weights=known_weights(n, fps, phase), timeline={},
                      duration=duration, audio_wav=wav_bytes(duration) if with_audio else None)


class StandInBackend:
    """Answers every request with a hand-made FaceResult at the requested fps (or a fixed one)."""

    def __init__(self, duration: float = 1.5, fixed_fps: float | None = None,
                 error: BaseException | None = None, cancel_midway: bool = False) -> None:
        self.duration = duration
        self.fixed_fps = fixed_fps
        self.error = error
        self.cancel_midway = cancel_midway
        self.requests: list = []
        self.last: FaceResult | None = None

    def info(self) -> dict:
        return {"name": "stand-in"}

    def _answer(self, request, progress, cancel) -> FaceResult:
        self.requests.append(request)
        if progress is not None:
            progress(0.1, "speech")
        if self.error is not None:
            raise self.error
        if self.cancel_midway:
            from unitaf_blender.blender import worker
            worker.cancel_current()          # what the Cancel button (or ESC) does while it runs
            if cancel is not None and cancel():
                raise BackendCancelled("cancelled")
        # each answer differs (a retake must be told from the take it replaced)
        self.last = face_result(self.duration, self.fixed_fps or request.fps, with_audio=True,
                                phase=0.9 * (len(self.requests) - 1))
        fps = self.last.fps
        t = np.arange(len(self.last.weights))[:, None] / fps
        head = (0.1 * np.sin(2 * np.pi * 0.8 * t + np.array([0.0, 1.0, 2.0]))).astype(np.float32)
        timeline = {"words": [{"text": "Known", "start": 0.2}, {"text": "words", "start": 0.7}],
                    "sentences": [{"text": "Known words.", "start": 0.0}]}
        import dataclasses
        self.last = dataclasses.replace(self.last, timeline=timeline,
                                        head=head if getattr(request, "head_motion", False) else None)
        return self.last

    def speak(self, request, progress=None, cancel=None) -> FaceResult:
        return self._answer(request, progress, cancel)

    def animate(self, request, progress=None, cancel=None) -> FaceResult:
        result = self._answer(request, progress, cancel)
        return FaceResult(fps=result.fps, channels=result.channels, weights=result.weights,
                          timeline={}, duration=result.duration, audio_wav=None)

    def close(self) -> None:
        pass


def mesh_with_keys(name: str, key_names: list[str]) -> bpy.types.Object:
    """A small grid whose shape keys each move one vertex up, linked to the scene."""
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=8, y_subdivisions=8, size=1.0)
    obj = bpy.context.active_object
    obj.name = name
    if key_names:
        obj.shape_key_add(name="Basis")
    for i, key_name in enumerate(key_names):
        kb = obj.shape_key_add(name=key_name, from_mix=False)
        kb.value = 0.0                     # 5.0 makes new keys 1.0; a rig at rest has them at 0
        kb.data[i % len(kb.data)].co.z += 0.1
    return obj


def line_actions(obj) -> list:
    """The Actions of the object's lines, in the order they start."""
    return [line.action for line in lines_of(obj)]


def file_digest(path: str | os.PathLike) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def snapshot(folder: str | os.PathLike | None = None) -> dict:
    """Everything the add-on may touch: datablocks, assignments, keys, strips, shape-key values, files."""
    scene = bpy.context.scene
    out: dict = {
        "actions": sorted((a.name, len(fcurves_of(a)),
                           tuple(len(f.keyframe_points) for f in fcurves_of(a))) for a in bpy.data.actions),
        "objects": sorted(o.name for o in bpy.data.objects),
        "sounds": sorted(s.name for s in bpy.data.sounds),
        "strips": [] if scene.sequence_editor is None else sorted(
            (s.name, s.channel, s.frame_final_start) for s in all_strips(scene.sequence_editor)),
        "frame_end": scene.frame_end,
        "assigned": {},
        "values": {},
    }
    for obj in bpy.data.objects:
        key = obj.data.shape_keys if obj.type == "MESH" else None
        if key is None:
            continue
        ad = key.animation_data
        out["assigned"][obj.name] = None if ad is None else (
            ad.action.name if ad.action else None,
            sorted(s.name for t in ad.nla_tracks for s in t.strips))
        out["values"][obj.name] = [round(kb.value, 6) for kb in key.key_blocks]
    if folder is not None and os.path.isdir(folder):
        out["files"] = sorted((p.name, file_digest(p)) for p in Path(folder).rglob("*") if p.is_file())
    return out


def window_override():
    """A context with the window, which ed.undo needs in background mode."""
    return bpy.context.temp_override(window=bpy.context.window_manager.windows[0])


def run_generate(**props) -> set:
    """The Generate operator as the UI runs it: exec with an undo push (returns the result set)."""
    with window_override():
        return bpy.ops.unitaf.generate_speech_animation("EXEC_DEFAULT", True, **props)


def undo() -> None:
    with window_override():
        bpy.ops.ed.undo()


def push_undo(message: str) -> None:
    with window_override():
        bpy.ops.ed.undo_push(message=message)


