"""unitaf.generate_speech_animation: speak a line and animate the active mesh's shape keys."""

from __future__ import annotations

import dataclasses
from typing import Any

import bpy
from bpy.props import EnumProperty, FloatProperty, IntProperty, StringProperty

from ...core import line_inputs, timing
from ..apply import resolve_mapping
from ..backend_factory import backend_for_settings
from ..head_motion import head_target
from ..lines import check_editable, find_line
from ..preferences import settings as addon_settings
from ..properties import EMOTION_ITEMS, MODE_ITEMS, panel_text, rows_mapping
from .common import LineOperator, PreparedLine, settings_of, target_object


class UNITAF_OT_generate_speech_animation(LineOperator, bpy.types.Operator):
    """Speak the line and write lip-synced shape-key animation and its audio from the start frame"""
    bl_idname = "unitaf.generate_speech_animation"
    bl_label = "Generate Speech Animation"
    # UNDO: one Ctrl-Z step for the whole line. No REGISTER: a redo panel would re-run the backend
    # synchronously (a freeze) and write another WAV each time a value is nudged.
    bl_options = {"UNDO"}

    # Unset properties fall back to the panel's settings (scene.unitaf), so the button needs no arguments.
    text: StringProperty(name="Text", description="What the character says")  # type: ignore[valid-type]
    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral")  # type: ignore[valid-type]
    intensity: FloatProperty(name="Intensity", min=0.0, max=1.0, default=0.8)  # type: ignore[valid-type]
    start_frame: IntProperty(  # type: ignore[valid-type]
        name="Start Frame", default=-1, min=-1, description="-1: the current frame")
    voice: StringProperty(name="Voice")  # type: ignore[valid-type]
    mode: EnumProperty(name="Mode", items=MODE_ITEMS, default="auto")  # type: ignore[valid-type]
    replace_line: StringProperty(  # type: ignore[valid-type]
        name="Replace Line", description="Id of a line of the target that this one replaces (a retake)")

    def prepare(self, context: Any) -> PreparedLine:
        return prepare_line(self, context, speak=True)


def _option(op: Any, settings: Any, name: str, default: Any) -> Any:
    """The operator's property when set by the caller, else the panel's, else `default`."""
    has_own = name in op.properties.bl_rna.properties
    if has_own and (settings is None or op.properties.is_property_set(name)):
        return getattr(op, name)
    return getattr(settings, name, default) if settings is not None else default


def prepare_line(op: Any, context: Any, *, speak: bool) -> PreparedLine:
    """Check everything a line needs (object, mapping, text, options) and build its backend call."""
    scene = context.scene
    settings = settings_of(context)
    prefs = addon_settings(context)
    obj = target_object(context)
    # the panel's rows when it has some; else found again when the line is written (so the report says
    # which convention the rig was driven as)
    mapping = rows_mapping(settings, obj) if settings is not None else None
    resolve_mapping(obj, mapping)
    check_editable(obj)
    fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    options = line_inputs.LineOptions(
        emotion=str(_option(op, settings, "emotion", "neutral")),
        intensity=float(_option(op, settings, "intensity", 1.0)),
        voice=str(_option(op, settings, "voice", "")) or prefs.default_voice or None,
        mode=str(_option(op, settings, "mode", "auto")),
        fps=fps,
    )
    if op.properties.is_property_set("start_frame") or settings is None:
        start = line_inputs.start_frame(op.start_frame, scene.frame_current)
    else:
        start = scene.frame_current if settings.use_current_frame else settings.start_frame
    replace_line = str(getattr(op, "replace_line", "")) or None
    if replace_line and not op.properties.is_property_set("start_frame"):
        start = find_line(obj, replace_line).span.start    # a retake goes where its line was

    if speak:
        text = op.text if op.properties.is_property_set("text") or settings is None else panel_text(settings)
        request: Any = line_inputs.speak_request(text, options)
        name = request.text
    else:
        request, name = op.audio_request(options)
    head_motion = bool(settings.head_motion) if settings is not None else False
    head_bone = str(settings.head_bone) if settings is not None else ""
    if head_motion:
        head_target(obj, head_bone)                 # a missing bone is said now, before the backend runs
        request = dataclasses.replace(request, head_motion=True)
    backend = backend_for_settings(prefs)

    def work(progress: Any, cancel: Any) -> Any:
        if speak:
            return backend.speak(request, progress=progress, cancel=cancel)
        return backend.animate(request, progress=progress, cancel=cancel)

    return PreparedLine(
        obj=obj, name=name, start_frame=int(start), mapping=mapping, work=work,
        add_sound=bool(settings.add_sound) if settings is not None else True,
        extend_range=bool(settings.extend_range) if settings is not None else False,
        audio_dir=prefs.audio_folder or None,
        audio_file=None if speak else op.filepath,
        replace_line=replace_line,
        replace_overlapping=bool(settings.replace_overlapping) if settings is not None else True,
        markers=str(settings.markers) if settings is not None else "none",
        head_motion=head_motion, head_bone=head_bone,
    )
