"""unitaf.remove_line: remove one line of the target (its track, Action, sound strip; its WAV once unused)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import StringProperty

from ...core import timing
from ...core.mapping import MappingError
from .. import lines
from .common import SceneOperator, error_message, settings_of, target_object

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
            if obj.type != "MESH" or obj.data.shape_keys is None:
                raise MappingError(f"'{obj.name}' has no shape keys, so it has no lines")
            lines.check_editable(obj)
            line = lines.find_line(obj, self.line_id) if self.line_id else picked_line(context, obj)
            scene = context.scene
            lines.remove_line(scene, obj, line, timing.scene_fps(scene.render.fps, scene.render.fps_base))
        except (lines.LineError, MappingError) as exc:
            message = error_message(exc)
            self.report({"ERROR"}, message)
            settings = settings_of(context)
            if settings is not None:
                settings.last_error = message
            return {"CANCELLED"}
        message = f"removed '{line.name}' (frames {line.span.start}-{line.span.end}) from {obj.name}"
        self.report({"INFO"}, message)
        settings = settings_of(context)
        if settings is not None:
            settings.last_result, settings.last_error = message, ""
        return {"FINISHED"}


CLASSES = (UNITAF_OT_remove_line,)
