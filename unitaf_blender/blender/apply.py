"""Put one FaceResult into the scene: the ONE writer used by the operators and the batch.

What it creates, each tagged with the custom property `unitaf_line` (= the `name` given) and the line's id:
- a new Action on the mesh's Key datablock (one F-curve per mapped shape key, a key per scene frame plus
  ramps in and out: see `core/line_envelope`), playing from its own NLA track (never the active Action);
  the Action also carries `unitaf_wav` (the WAV path or ""), `unitaf_start_frame`, `unitaf_frame_end`,
  `unitaf_fps`, `unitaf_body_keys`;
- a new WAV file (unique name, never overwriting) when the result carries audio;
- a sound strip at the start frame on a free sequencer channel (also tagged `unitaf_wav`).
A retake (an explicit line id, or a line of the same object that the new one mostly covers) replaces that
line: its track, Action and sound strip go (see `lines.remove_line`). Everything is checked before anything
is written; if writing fails half-way, what was created is removed.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from ..core import line_envelope, timing
from ..core.backend_api import BackendError, FaceResult
from ..core.mapping import (
    CONVENTIONS,
    Mapping,
    MappingError,
    MappingReport,
    auto_map,
    check_mapping,
    target_curves,
)
from ..core.markers import line_markers
from ..core.naming import action_name
from . import bone_writer, lines, sound, writer
from . import head_motion as head_motion_lib
from .compat import strips_collection

TAG = writer.LINE_TAG


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
    line_id: str = ""
    replaced: tuple[str, ...] = ()   # names of the lines this one replaced (a retake)
    notes: tuple[str, ...] = ()      # what else changed in the scene (e.g. the playback sync mode)


def shape_key_names(obj: Any) -> list[str]:
    """The object's shape keys except the reference (Basis) key; [] when it has none."""
    if obj is None or obj.type != "MESH" or obj.data.shape_keys is None:
        return []
    key = obj.data.shape_keys
    return [kb.name for kb in key.key_blocks if kb != key.reference_key]


def resolve_mapping(obj: Any, mapping: Mapping | None = None) -> Mapping:
    """The mapping to use on `obj` (given, or found from its shape-key names); MappingError if none works."""
    return resolve_rig(obj, mapping)[0]


def resolve_rig(obj: Any, mapping: Mapping | None = None) -> tuple[Mapping, MappingReport | None]:
    """The mapping to use on `obj` and, when it was found automatically, the report of how (its
    convention, what the rig lacks, warnings). The object's saved convention (Detect, a preset) is used."""
    if obj is None:
        raise MappingError("no target object: select the mesh to animate")
    if obj.type == "ARMATURE":
        bone_writer.check_bone_rig(obj)
        return {}, None
    if obj.type != "MESH":
        raise MappingError(f"'{obj.name}' is a {obj.type.lower()}, not a mesh with shape keys")
    names = shape_key_names(obj)
    if not names:
        raise MappingError(f"'{obj.name}' has no shape keys; make them (UniTAF > Make ARKit Shape Keys), "
                           "add the demo head (UniTAF > Add Demo Head) "
                           "or use a mesh with ARKit-style shape keys")
    if mapping is not None:
        return check_mapping(mapping, names), None
    report = auto_map(names, _saved_convention(obj))
    if not report.mapping:
        raise MappingError(f"none of the {len(names)} shape keys on '{obj.name}' match an ARKit channel, "
                           "a viseme set or a VRM expression; fix the mapping in the UniTAF panel or add the "
                           "demo head")
    return report.mapping, report


def _saved_convention(obj: Any) -> str:
    value = obj.get("unitaf_rig_convention", "AUTO")
    return value if value in CONVENTIONS else "AUTO"


def rig_notes(report: MappingReport | None) -> tuple[list[str], list[str]]:
    """(notes, warnings) for the line's report: which convention was used and what the rig lacks."""
    if report is None or report.convention == "ARKIT":
        return [], list(report.warnings) if report is not None else []
    note = f"driven as {CONVENTIONS[report.convention]} ({len(report.mapping)} keys)"
    if report.missing:
        shown = ", ".join(m.split(".", 1)[-1] for m in report.missing[:8])
        note += f"; the rig lacks {shown}" + (" ..." if len(report.missing) > 8 else "")
    return [note], list(report.warnings)


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
                      mapping: Mapping | None = None, add_sound: bool = True,
                      audio_dir: str | None = None, audio_file: str | None = None,
                      extend_range: bool = False, line_id: str | None = None,
                      replace_line: str | None = None, replace_overlapping: bool = True,
                      markers: str = "none", head_motion: bool = False, head_bone: str = "") -> AppliedLine:
    """Write `result` onto `obj`'s shape keys from `start_frame` on. `name` is the line's text or label
    (names the Action and the WAV). `audio_file` is an existing recording to reference when the result
    carries no audio of its own (the animate-from-audio path); it is never copied or changed.
    `line_id` names the new line (a new id by default); `replace_line` is the id of a line of `obj` this
    one replaces; with `replace_overlapping`, lines of `obj` the new one mostly covers are replaced too.
    `markers` ("words", "sentences" or "none") adds timeline markers from the line's timeline; with
    `head_motion`, the result's head angles go onto `head_bone` (or a usual head bone) of the mesh's
    armature, else onto the object (see blender/head_motion.py). An armature target is a bone face rig
    (see `_apply_bone_line`)."""
    if obj is not None and obj.type == "ARMATURE":
        return _apply_bone_line(scene, obj, result, start_frame=start_frame, name=name, add_sound=add_sound,
                                audio_dir=audio_dir, audio_file=audio_file, extend_range=extend_range,
                                line_id=line_id, replace_line=replace_line,
                                replace_overlapping=replace_overlapping)
    target_mapping, rig_report = resolve_rig(obj, mapping)
    lines.check_editable(obj)
    weights = check_result(result)
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    n = timing.frame_count(result.duration, fps)
    sampled = timing.resample(weights, result.fps, fps, n_frames=n)
    curves = target_curves(sampled, result.channels, target_mapping, fps, result.meta.get("emotion"))
    frames = timing.key_frames(start_frame, n)
    frame_end = max(start_frame + n - 1, timing.end_frame(start_frame, result.duration, fps))
    span = line_envelope.Span(int(start_frame), int(frame_end))
    replaced = _lines_replaced(obj, span, replace_line, replace_overlapping)
    key = obj.data.shape_keys
    action_name = writer_action_name(name)
    wanted_markers = line_markers(result.timeline, markers, int(start_frame), fps)
    head = head_motion_lib.head_target(obj, head_bone) if head_motion else None
    new_id = line_id or lines.new_line_id()

    created_wav: str | None = None
    wav_path: str | None = None
    written: writer.WrittenAction | None = None
    strip = None
    head_action = None
    made_markers: list[Any] = []
    notes, warnings = rig_notes(rig_report)
    had_sequencer = scene.sequence_editor is not None
    try:
        created_wav, wav_path = _line_wav(result, name, add_sound, audio_dir, audio_file)
        written = writer.write_key_action(key, action_name, frames, curves)
        action = written.action
        _tag_line(action, name, new_id, wav_path, created_wav is not None, int(start_frame), int(frame_end), fps)
        action[lines.BODY_KEYS] = int(n)
        for old in replaced:               # before the new sound strip, so it can take the old channel
            lines.remove_line(scene, obj, old, fps)
        strip = _line_strip(scene, action, name, new_id, wav_path, int(start_frame), int(frame_end), warnings)
        if strip is not None:
            note = sound.keep_in_sync(scene)
            if note:
                notes.append(note)
        writer.assign_action(key, written, start_frame=int(start_frame))
        lines.settle(obj, fps, around=new_id)   # its ramps, and its neighbours' (they may now share one)
        if head is not None and result.head is not None:
            ypr = head_motion_lib.sample(np.asarray(result.head, np.float32), result.fps, fps, n)
            head_action = head_motion_lib.write_head_motion(
                head, ypr, frames, writer_action_name("head " + name), new_id)
            action[head_motion_lib.HEAD_ACTION] = head_action.name
            action[head_motion_lib.HEAD_OBJECT] = head.obj.name
            notes.append(f"head motion on {head.describe()}")
        elif head is not None:
            warnings.append("the backend sent no head motion for this line")
        for m in wanted_markers:
            made_markers.append(scene.timeline_markers.new(m.name, frame=m.frame))
        action[lines.MARKERS] = json.dumps([[m.name, m.frame] for m in wanted_markers])
        paths = {writer.shape_key_data_path(block) for block in curves}
        note = writer.layer_user_action(key.animation_data, paths)
        if note:
            notes.append(note)
    except BaseException:       # Ctrl-C / SIGTERM too: a line lands whole or not at all
        for marker in made_markers:
            scene.timeline_markers.remove(marker)
        if head_action is not None:
            head_motion_lib.remove_head_action(head_action)
        _undo_partial(scene, written, strip, created_wav, had_sequencer)
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
        line_id=new_id,
        replaced=tuple(old.name for old in replaced),
        notes=tuple(notes),
    )


def _apply_bone_line(scene: Any, obj: Any, result: FaceResult, *, start_frame: int, name: str,
                     add_sound: bool, audio_dir: str | None, audio_file: str | None, extend_range: bool,
                     line_id: str | None, replace_line: str | None,
                     replace_overlapping: bool) -> AppliedLine:
    """A line on a bone face rig: its pose Actions blended by the retargeted weights (blender/bone_writer),
    one Action on the armature's own NLA track, the sound like any line; a retake replaces lines as on a
    mesh."""
    rig = bone_writer.check_bone_rig(obj)
    weights = check_result(result)
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    n = timing.frame_count(result.duration, fps)
    sampled = timing.resample(weights, result.fps, fps, n_frames=n)
    curves = bone_writer.line_curves(rig, sampled, result.channels, fps, result.meta.get("emotion"))
    frame_end = max(start_frame + n - 1, timing.end_frame(start_frame, result.duration, fps))
    ramp = bone_writer.ramp_frames(fps)
    replaced = _lines_replaced(obj, line_envelope.Span(int(start_frame), int(frame_end)), replace_line,
                               replace_overlapping)
    new_id = line_id or lines.new_line_id()
    created_wav: str | None = None
    wav_path: str | None = None
    written = None
    strip = None
    warnings: list[str] = []
    had_sequencer = scene.sequence_editor is not None
    try:
        created_wav, wav_path = _line_wav(result, name, add_sound, audio_dir, audio_file)
        written, warnings = bone_writer.write_bone_action(obj, writer_action_name(name),
                                                          timing.key_frames(start_frame, n), curves, ramp)
        action = written.action
        _tag_line(action, name, new_id, wav_path, created_wav is not None, int(start_frame), int(frame_end), fps)
        for old in replaced:               # before the new sound strip, so it can take the old channel
            lines.remove_line(scene, obj, old, fps)
        strip = _line_strip(scene, action, name, new_id, wav_path, int(start_frame), int(frame_end), warnings)
        writer.assign_action(obj, written, start_frame=int(start_frame) - ramp)
        lines.settle(obj, fps, around=new_id)
    except BaseException:       # a line lands whole or not at all
        _undo_partial(scene, written, strip, created_wav, had_sequencer)
        raise
    if extend_range:
        scene.frame_end = max(scene.frame_end, frame_end)
    return AppliedLine(
        action_name=written.action.name, sound_strip_name=None if strip is None else str(strip.name),
        wav_path=wav_path, frame_start=int(start_frame), frame_end=int(frame_end),
        mapped_channels=written.fcurve_count, nla_strip_name=written.nla_strip_name,
        warnings=tuple(warnings), line_id=new_id, replaced=tuple(old.name for old in replaced),
        notes=(bone_writer.describe(rig),))


def _line_wav(result: FaceResult, name: str, add_sound: bool, audio_dir: str | None,
              audio_file: str | None) -> tuple[str | None, str | None]:
    """(the WAV we wrote or None, the WAV the line plays or None): the result's audio saved under a new
    name, else the recording it was made from (never copied)."""
    if add_sound and result.audio_wav:
        path = sound.save_wav(result.audio_wav, sound.audio_directory(audio_dir), name)
        lines.watch_wav(path)           # cleared at the next save if an undo drops the line
        return path, path
    if add_sound and audio_file:
        return None, os.path.abspath(bpy.path.abspath(audio_file))
    return None, None


def _tag_line(action: Any, name: str, line_id: str, wav_path: str | None, wav_owned: bool, start_frame: int,
              frame_end: int, fps: float) -> None:
    action[TAG] = name
    action[lines.LINE_ID] = line_id
    action["unitaf_wav"] = wav_path or ""
    action[lines.WAV_OWNED] = wav_owned
    action["unitaf_start_frame"] = start_frame
    action["unitaf_frame_end"] = frame_end
    action["unitaf_fps"] = float(fps)


def _line_strip(scene: Any, action: Any, name: str, line_id: str, wav_path: str | None, start_frame: int,
                frame_end: int, warnings: list[str]) -> Any:
    """The line's sound strip (tagged like its Action), or None (no audio; no audio support: a warning)."""
    if wav_path is None:
        return None
    if not bpy.app.build_options.audaspace:
        warnings.append("this Blender has no audio support, so no sound strip was added "
                        f"(the audio is in {wav_path})")
        return None
    strip = sound.add_sound_strip(scene, wav_path, action.name, start_frame, frame_end + 1)
    strip[TAG] = name
    strip[lines.LINE_ID] = line_id
    strip["unitaf_wav"] = wav_path
    return strip


def _lines_replaced(obj: Any, span: line_envelope.Span, replace_line: str | None,
                    replace_overlapping: bool) -> list[lines.LineOnScene]:
    """The lines of `obj` a new line over `span` replaces; a LineError for an unknown `replace_line`."""
    chosen = [lines.find_line(obj, replace_line)] if replace_line else []
    if replace_overlapping:
        chosen += [line for line in lines.retakes_of(obj, span) if line not in chosen]
    return chosen


def writer_action_name(text: str) -> str:
    return action_name(text, {a.name for a in bpy.data.actions})


def _undo_partial(scene: Any, written: Any, strip: Any, created_wav: str | None, had_sequencer: bool) -> None:
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
    if not had_sequencer and scene.sequence_editor is not None:
        scene.sequence_editor_clear()
