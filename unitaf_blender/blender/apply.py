"""Put one FaceResult into the scene: the ONE writer used by the operators and the batch.

What it creates, each tagged with the custom property `unitaf_line` (= the `name` given):
- a new Action on the mesh's Key datablock (one F-curve per mapped shape key, a key per scene frame),
  assigned as the Key's active Action or, with `use_nla`, as a strip on an NLA track named "UniTAF";
  the Action also carries `unitaf_wav` (the WAV path or ""), `unitaf_start_frame`, `unitaf_fps`;
- a new WAV file (unique name, never overwriting) when the result carries audio;
- a sound strip at the start frame on a free sequencer channel (also tagged `unitaf_wav`).
Everything is checked before anything is written; if writing fails half-way, what was created is removed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from ..core import timing
from ..core.backend_api import BackendError, FaceResult
from ..core.mapping import Mapping, MappingError, auto_map, check_mapping, target_curves
from ..core.naming import action_name
from . import sound, writer
from .compat import strips_collection

TAG = "unitaf_line"


class ApplyError(BackendError):
    """The result cannot be applied (bad data); nothing was changed."""


@dataclass(frozen=True)
class AppliedLine:
    action_name: str
    sound_strip_name: str | None
    wav_path: str | None
    frame_start: int
    frame_end: int
    mapped_channels: int             # shape keys written (one F-curve each)
    nla_strip_name: str | None = None
    warnings: tuple[str, ...] = ()   # things the user should know (e.g. no audio support: no strip)


def shape_key_names(obj: Any) -> list[str]:
    """The object's shape keys except the reference (Basis) key; [] when it has none."""
    if obj is None or obj.type != "MESH" or obj.data.shape_keys is None:
        return []
    key = obj.data.shape_keys
    return [kb.name for kb in key.key_blocks if kb != key.reference_key]


def resolve_mapping(obj: Any, mapping: Mapping | None = None) -> Mapping:
    """The mapping to use on `obj` (given, or found from its shape-key names); MappingError if none works."""
    if obj is None:
        raise MappingError("no target object: select the mesh to animate")
    if obj.type != "MESH":
        raise MappingError(f"'{obj.name}' is a {obj.type.lower()}, not a mesh with shape keys")
    names = shape_key_names(obj)
    if not names:
        raise MappingError(f"'{obj.name}' has no shape keys; make them (UniTAF > Make ARKit Shape Keys), "
                           "add the demo head (UniTAF > Add Demo Head) "
                           "or use a mesh with ARKit-style shape keys")
    if mapping is not None:
        return check_mapping(mapping, names)
    found = auto_map(names).mapping
    if not found:
        raise MappingError(f"none of the {len(names)} shape keys on '{obj.name}' match an ARKit channel; "
                           "fix the mapping in the UniTAF panel or add the demo head")
    return found


def check_result(result: FaceResult) -> np.ndarray:
    w = np.asarray(result.weights, dtype=np.float32)
    if w.ndim != 2 or w.shape[0] == 0 or w.shape[1] != len(result.channels):
        raise ApplyError(f"backend returned weights of shape {w.shape} for {len(result.channels)} channels")
    if not np.all(np.isfinite(w)):
        raise ApplyError("backend returned weights that are not finite numbers")
    if not (result.fps > 0 and result.duration > 0):
        raise ApplyError(f"backend returned fps {result.fps} and duration {result.duration}")
    return w


def apply_face_result(scene: Any, obj: Any, result: FaceResult, *, start_frame: int, name: str,
                      mapping: Mapping | None = None, add_sound: bool = True, use_nla: bool = False,
                      audio_dir: str | None = None, audio_file: str | None = None,
                      extend_range: bool = False) -> AppliedLine:
    """Write `result` onto `obj`'s shape keys from `start_frame` on. `name` is the line's text or label
    (names the Action and the WAV). `audio_file` is an existing recording to reference when the result
    carries no audio of its own (the animate-from-audio path); it is never copied or changed."""
    target_mapping = resolve_mapping(obj, mapping)
    weights = check_result(result)
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    n = timing.frame_count(result.duration, fps)
    sampled = timing.resample(weights, result.fps, fps, n_frames=n)
    curves = target_curves(sampled, result.channels, target_mapping)
    frames = timing.key_frames(start_frame, n)
    frame_end = max(start_frame + n - 1, timing.end_frame(start_frame, result.duration, fps))
    key = obj.data.shape_keys
    action_name = writer_action_name(name)

    created_wav: str | None = None
    wav_path: str | None = None
    written: writer.WrittenAction | None = None
    strip = None
    warnings: list[str] = []
    had_sequencer = scene.sequence_editor is not None
    try:
        if add_sound and result.audio_wav:
            created_wav = wav_path = sound.save_wav(result.audio_wav, sound.audio_directory(audio_dir), name)
        elif add_sound and audio_file:
            wav_path = os.path.abspath(bpy.path.abspath(audio_file))
        written = writer.write_key_action(key, action_name, frames, curves)
        action = written.action
        action[TAG] = name
        action["unitaf_wav"] = wav_path or ""
        action["unitaf_start_frame"] = int(start_frame)
        action["unitaf_fps"] = float(fps)
        if wav_path is not None and not bpy.app.build_options.audaspace:
            warnings.append("this Blender has no audio support, so no sound strip was added "
                            f"(the audio is in {wav_path})")
        elif wav_path is not None:
            strip = sound.add_sound_strip(scene, wav_path, action.name, start_frame, frame_end + 1)
            strip[TAG] = name
            strip["unitaf_wav"] = wav_path
        writer.assign_action(key, written, use_nla=use_nla, start_frame=start_frame)
    except Exception:
        _undo_partial(scene, written, strip, created_wav)
        if not had_sequencer and scene.sequence_editor is not None:
            scene.sequence_editor_clear()
        raise
    if extend_range:
        scene.frame_end = max(scene.frame_end, frame_end)
    return AppliedLine(
        action_name=written.action.name,
        sound_strip_name=None if strip is None else str(strip.name),
        wav_path=wav_path,
        frame_start=int(start_frame),
        frame_end=int(frame_end),
        mapped_channels=written.fcurve_count,
        nla_strip_name=written.nla_strip_name,
        warnings=tuple(warnings),
    )


def writer_action_name(text: str) -> str:
    return action_name(text, {a.name for a in bpy.data.actions})


def _undo_partial(scene: Any, written: Any, strip: Any, created_wav: str | None) -> None:
    """Remove what this call created before it failed (never anything that existed before)."""
    if strip is not None and scene.sequence_editor is not None:
        sound_data = strip.sound            # the strip's new Sound datablock goes with it
        strips_collection(scene.sequence_editor).remove(strip)
        if sound_data is not None and sound_data.users == 0:
            bpy.data.sounds.remove(sound_data)
    if written is not None and written.action.name in bpy.data.actions:
        bpy.data.actions.remove(written.action)
    if created_wav is not None and os.path.exists(created_wav):
        os.remove(created_wav)
