"""unitaf.animate_from_audio: animate the active mesh from a recorded WAV (optionally with its transcript)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import EnumProperty, FloatProperty, IntProperty, StringProperty

from ...core import line_inputs
from ...core.naming import line_label
from ..properties import MODE_ITEMS, RECORDING_EMOTION_ITEMS
from .common import LineOperator, PreparedLine
from .generate_speech_animation import prepare_line

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_animate_from_audio(LineOperator, bpy.types.Operator):
    """Animate the face from a recorded voice (WAV); the recording is referenced, never copied or changed"""
    bl_idname = "unitaf.animate_from_audio"
    bl_label = "Animate from Audio"
    # UNDO: one Ctrl-Z step for the whole line. No REGISTER: a redo panel would re-run the backend
    # synchronously (a freeze) and write another WAV each time a value is nudged.
    bl_options = {"UNDO"}

    filepath: StringProperty(name="WAV File", subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.wav", options={"HIDDEN"})  # type: ignore[valid-type]
    transcript: StringProperty(  # type: ignore[valid-type]
        name="Transcript", description="What is said in the recording (optional, improves timing)")
    emotion: EnumProperty(  # type: ignore[valid-type]
        name="Emotion", items=RECORDING_EMOTION_ITEMS, default="neutral",
        description="The face's emotion; Auto (heard): the one heard in the recording, sentence by sentence")
    intensity: FloatProperty(name="Intensity", min=0.0, max=1.0, default=0.8)  # type: ignore[valid-type]
    start_frame: IntProperty(  # type: ignore[valid-type]
        name="Start Frame", default=-1, min=-1, description="-1: the current frame")
    mode: EnumProperty(name="Mode", items=MODE_ITEMS, default="auto")  # type: ignore[valid-type]
    replace_line: StringProperty(  # type: ignore[valid-type]
        name="Replace Line", description="Id of a line of the target that this one replaces (a retake)")

    _picked_in_browser = False

    def invoke(self, context: Any, event: Any) -> Result:
        if not self.filepath and not bpy.app.background:
            self._picked_in_browser = True
            context.window_manager.fileselect_add(self)     # pick the WAV first; Blender then calls execute
            return {"RUNNING_MODAL"}
        return super().invoke(context, event)

    def execute(self, context: Any) -> Result:
        if self._picked_in_browser and context.window is not None and not bpy.app.background:
            return self.start_async(context)                # after the file browser: still off the main thread
        return super().execute(context)

    def prepare(self, context: Any) -> PreparedLine:
        return prepare_line(self, context, speak=False)

    def audio_request(self, options: line_inputs.LineOptions) -> tuple[Any, str]:
        """The request for the chosen WAV and the line's name (transcript or file name)."""
        path = bpy.path.abspath(self.filepath)
        if not self.filepath or not os.path.isfile(path):
            raise line_inputs.InputError(f"no WAV file at {self.filepath or '(nothing chosen)'}")
        with open(path, "rb") as f:
            wav_bytes = f.read()
        request = line_inputs.animate_request(wav_bytes, self.transcript, options)
        stem = os.path.splitext(os.path.basename(path))[0]
        return request, line_label(request.transcript) if request.transcript else stem
