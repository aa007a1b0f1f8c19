"""The target's lines and what lies between them: unitaf.remove_line (a line's track, Action, sound strip;
its WAV once unused) and unitaf.idle_fill (idle motion between the lines, or none)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import BoolProperty, IntProperty, StringProperty

from ...core import timing
from ...core.backend_api import IdleRequest
from ...core.mapping import MappingError
from .. import idle, lines
from ..apply import resolve_mapping
from ..backend_factory import backend_for_settings
from ..preferences import settings as addon_settings
from ..properties import rows_mapping
from .common import USER_ERRORS, SceneOperator, error_message, settings_of, target_object

if TYPE_CHECKING:
    from .common import Result


def picked_line(context: Any, obj: Any) -> lines.LineOnScene:
    """The line picked in the panel's list of the target's lines; a LineError when none is."""
    settings = settings_of(context)
    index = settings.line_index if settings is not None else -1
    action = bpy.data.actions[index] if 0 <= index < len(bpy.data.actions) else None
    line = lines.line_of_action(obj, action) if action is not None else None
    if line is None:
        raise lines.LineError(f"pick one of the lines of '{obj.name}' in the UniTAF panel first")
    return line


class UNITAF_OT_remove_line(SceneOperator, bpy.types.Operator):
    """Remove a line from the target: its NLA track, its Action and its sound strip (its WAV once unused)"""
    bl_idname = "unitaf.remove_line"
    bl_label = "Remove Line"
    bl_options = {"UNDO"}

    line_id: StringProperty(  # type: ignore[valid-type]
        name="Line", description="Id of the line to remove (empty: the line picked in the panel)")

    def execute(self, context: Any) -> Result:
        try:
            obj = target_object(context)
            if obj.type != "ARMATURE" and (obj.type != "MESH" or obj.data.shape_keys is None):
                raise MappingError(f"'{obj.name}' has no shape keys (nor face bones), so it has no lines")
            lines.check_editable(obj)
            line = lines.find_line(obj, self.line_id) if self.line_id else picked_line(context, obj)
            scene = context.scene
            lines.remove_line(scene, obj, line, timing.scene_fps(scene.render.fps, scene.render.fps_base))
        except (lines.LineError, MappingError) as exc:
            _report(self, context, "ERROR", error_message(exc))
            return {"CANCELLED"}
        _report(self, context, "INFO", f"removed '{line.name}' (frames {line.span.start}-{line.span.end}) "
                                       f"from {obj.name}")
        return {"FINISHED"}


def _report(op: Any, context: Any, level: str, message: str) -> None:
    op.report({level}, message)
    settings = settings_of(context)
    if settings is not None:
        if level == "ERROR":
            settings.last_error = message
        else:
            settings.last_result, settings.last_error = message, ""


class UNITAF_OT_idle_fill(SceneOperator, bpy.types.Operator):
    """Fill the target's time between lines with idle motion (blinks, gaze, breathing), or remove it"""
    bl_idname = "unitaf.idle_fill"
    bl_label = "Idle Fill"
    bl_options = {"UNDO"}

    remove: BoolProperty(name="Remove", description="Remove the idle motion instead")  # type: ignore[valid-type]
    seed: IntProperty(name="Seed", default=0, min=0, description="Another seed, other blinks and glances")  # type: ignore[valid-type]

    def execute(self, context: Any) -> Result:
        scene = context.scene
        try:
            obj = target_object(context)
            settings = settings_of(context)
            mapping = resolve_mapping(obj, rows_mapping(settings, obj) if settings is not None else None)
            lines.check_editable(obj)
            if self.remove:
                gone = idle.remove_idle(scene, obj)
                _report(self, context, "INFO", f"removed the idle motion of {obj.name}" if gone
                        else f"{obj.name} has no idle motion")
                return {"FINISHED"}
            first, last = idle.idle_span(scene, obj)
            fps = timing.scene_fps(scene.render.fps, scene.render.fps_base)
            request = IdleRequest(duration=(last - first) / fps, fps=fps, seed=int(self.seed))
            clip = backend_for_settings(addon_settings(context)).idle(request)
            name = idle.fill_idle(scene, obj, clip, first, mapping, seed=int(self.seed))
        except (*USER_ERRORS, ValueError) as exc:
            _report(self, context, "ERROR", error_message(exc))
            return {"CANCELLED"}
        _report(self, context, "INFO", f"'{name}' on {obj.name}: idle motion from frame {first} to {last}, "
                                       "under its lines")
        return {"FINISHED"}


CLASSES = (UNITAF_OT_remove_line, UNITAF_OT_idle_fill)
