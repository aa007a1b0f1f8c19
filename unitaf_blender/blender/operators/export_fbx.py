"""unitaf.export_fbx: every line of the scene in one FBX take.

Blender's FBX exporter, at its default settings (Bake Animation with "NLA Strips" and "All Actions"),
makes takes only from an object's own NLA strips and from Actions whose every path resolves on the
object; lines live on the shape-key datablock's NLA, so that default writes no shape-key animation at all.
With both options off it bakes one take over the scene's frame range from the evaluated scene, which is
what plays: every line, its ramps and the idle fill. This operator runs the exporter that way, over a range
that covers every line of ours.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import StringProperty

from .. import lines
from .common import SceneOperator

if TYPE_CHECKING:
    from .common import Result

FBX_ADDON = "io_scene_fbx"


def lines_range(scene: Any) -> tuple[int, int] | None:
    """First and last frame of every line strip of ours in the scene (ramps included), or None."""
    frames = [(s.frame_start, s.frame_end) for obj in scene.objects if obj.type == "MESH"
              for line in lines.lines_of(obj) for s in line.track.strips]
    if not frames:
        return None
    return int(min(f[0] for f in frames)), int(max(f[1] for f in frames) + 0.999)


def ensure_fbx_exporter() -> None:
    if not hasattr(bpy.types, "EXPORT_SCENE_OT_fbx"):
        import addon_utils                  # Blender's own module, importable once bpy is running
        addon_utils.enable(FBX_ADDON, default_set=True)


class UNITAF_OT_export_fbx(SceneOperator, bpy.types.Operator):
    """Export the scene as FBX with every line's shape-key animation in one take over the lines' frames"""
    bl_idname = "unitaf.export_fbx"
    bl_label = "Export FBX (Every Line)"

    filepath: StringProperty(name="File", subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.fbx", options={"HIDDEN"})  # type: ignore[valid-type]

    def invoke(self, context: Any, event: Any) -> Result:
        if not self.filepath:
            self.filepath = (bpy.path.display_name_from_filepath(bpy.data.filepath) or "scene") + ".fbx"
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: Any) -> Result:
        if not self.filepath:
            self.report({"ERROR"}, "choose a file to write")
            return {"CANCELLED"}
        scene = context.scene
        path = os.path.abspath(bpy.path.abspath(self.filepath))
        kept = scene.frame_start, scene.frame_end
        span = lines_range(scene)
        if span is not None:                # the take covers the scene's range and every line
            scene.frame_start, scene.frame_end = min(kept[0], span[0]), max(kept[1], span[1])
        take = scene.frame_start, scene.frame_end
        try:
            ensure_fbx_exporter()
            bpy.ops.export_scene.fbx(filepath=path, bake_anim=True, bake_anim_use_nla_strips=False,
                                     bake_anim_use_all_actions=False)
        except (RuntimeError, OSError) as exc:
            self.report({"ERROR"}, f"FBX export failed: {exc}")
            return {"CANCELLED"}
        finally:
            scene.frame_start, scene.frame_end = kept
        self.report({"INFO"}, f"wrote {path}: one take, frames {take[0]}-{take[1]}")
        return {"FINISHED"}


CLASSES = (UNITAF_OT_export_fbx,)
