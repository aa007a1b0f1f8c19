"""unitaf.export_live_link_csv: the target's face over the scene's range as a Live Link Face CSV; the head
angles from where head motion goes (the head bone of the mesh's armature, else the object)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import bpy
import numpy as np
from bpy.props import FloatProperty, StringProperty

from ...core import live_link, timing
from ...core.channels import CHANNEL_INDEX
from ...core.mapping import MappingError
from ..apply import resolve_mapping
from ..head_motion import HeadMotionError, HeadTarget, head_angles, head_target
from ..properties import rows_mapping
from .common import SceneOperator, error_message, settings_of, target_object

if TYPE_CHECKING:
    from .common import Result


def sample_face(scene: Any, obj: Any, mapping: dict[str, str], fps: float,
                head: HeadTarget | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The object's evaluated face over the scene's range at `fps`: ARKit weights [T, 52] (each channel from
    the first shape key it drives) and head yaw, pitch, roll [T, 3] from where head motion goes (`head`:
    the head bone of its armature, else the object's delta rotation)."""
    head = head if head is not None else HeadTarget(obj, None)
    scene_rate = timing.scene_fps(scene.render.fps, scene.render.fps_base)
    first, last = int(scene.frame_start), int(scene.frame_end)
    n = max(1, int(np.floor((last - first) / scene_rate * fps + 1e-6)) + 1)
    sources: dict[str, str] = {}
    for target, channel in mapping.items():
        if channel in CHANNEL_INDEX:
            sources.setdefault(channel, target)
    blocks = obj.data.shape_keys.key_blocks
    weights = np.zeros((n, len(CHANNEL_INDEX)), np.float32)
    angles = np.zeros((n, 3), np.float32)
    current = scene.frame_current
    try:
        for i in range(n):
            frame = first + i * scene_rate / fps
            scene.frame_set(int(np.floor(frame)), subframe=float(frame - np.floor(frame)))
            for channel, target in sources.items():
                weights[i, CHANNEL_INDEX[channel]] = blocks[target].value
            angles[i] = head_angles(head)
    finally:
        scene.frame_set(current)
    return np.clip(weights, 0.0, 1.0), angles


class UNITAF_OT_export_live_link_csv(SceneOperator, bpy.types.Operator):
    """Write the target's face over the scene's frame range as a Live Link Face CSV (Unreal, MetaHuman)"""
    bl_idname = "unitaf.export_live_link_csv"
    bl_label = "Export Live Link Face CSV"

    filepath: StringProperty(name="File", subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.csv", options={"HIDDEN"})  # type: ignore[valid-type]
    fps: FloatProperty(  # type: ignore[valid-type]
        name="Frame Rate", default=live_link.DEFAULT_FPS, min=1.0, max=240.0,
        description="Rows per second (the Live Link Face app records 60)")
    start_timecode: StringProperty(  # type: ignore[valid-type]
        name="Start Timecode", default="00:00:00:00",
        description="Timecode of the scene's first frame, HH:MM:SS:FF at the file's frame rate")

    def invoke(self, context: Any, event: Any) -> Result:
        if not self.filepath:
            stem = bpy.path.display_name_from_filepath(bpy.data.filepath) or "face"
            self.filepath = stem + "_live_link.csv"
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: Any) -> Result:
        settings = settings_of(context)
        try:
            obj = target_object(context)
            mapping = resolve_mapping(obj, rows_mapping(settings, obj) if settings is not None else None)
            start = live_link.parse_timecode(self.start_timecode, self.fps)
            if not self.filepath:
                raise live_link.TimecodeError("choose a file to write")
            bone = str(settings.head_bone) if settings is not None else ""
            weights, head = sample_face(context.scene, obj, mapping, self.fps, head_target(obj, bone))
            path = os.path.abspath(bpy.path.abspath(self.filepath))
            temp = path + ".tmp"
            with open(temp, "w", encoding="utf-8", newline="") as f:
                f.write(live_link.csv_text(weights, head, self.fps, start))
            os.replace(temp, path)              # a half-written CSV never takes the file's place
        except (MappingError, live_link.TimecodeError, HeadMotionError, OSError) as exc:
            self.report({"ERROR"}, error_message(exc))
            return {"CANCELLED"}
        self.report({"INFO"}, f"wrote {len(weights)} rows at {self.fps:g} fps from {self.start_timecode} to {path}")
        return {"FINISHED"}


CLASSES = (UNITAF_OT_export_live_link_csv,)
