"""Channel-mapping operators: find the mapping for the target, clear it, save and load presets (JSON)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import bpy
from bpy.props import StringProperty

from ...core.mapping import MappingError, auto_map, load_preset, preset_convention, save_preset
from .. import bone_writer
from ..apply import shape_key_names
from ..compat import addon_package
from ..properties import RIG_CONVENTION
from .common import target_object

PRESET_SUBDIR = "mapping_presets"

if TYPE_CHECKING:
    from .common import Result


def preset_directory() -> str:
    try:
        return str(bpy.utils.extension_path_user(addon_package(), path=PRESET_SUBDIR, create=True))
    except ValueError:     # not running as an installed extension
        return str(bpy.utils.user_resource("CONFIG", path=os.path.join("unitaf", PRESET_SUBDIR), create=True))


def fill_rows(settings: Any, obj: Any, mapping: dict[str, str], how: dict[str, str]) -> None:
    """One row per shape key of `obj` (except Basis), with its channel or NONE."""
    settings.mapping_rows.clear()
    settings.pose_rows.clear()
    for name in shape_key_names(obj):
        row = settings.mapping_rows.add()
        row.target = name
        row.source = mapping.get(name, "NONE")
        row.how = how.get(name, "")
    settings.mapping_object = obj.name


def fill_pose_rows(settings: Any, obj: Any, rows: list[tuple[str, str]]) -> None:
    """One row per source of a bone face rig, with the pose Action that follows it (or none)."""
    settings.mapping_rows.clear()
    settings.pose_rows.clear()
    settings.mapping_object = ""          # no update while filling: the rows say what is already saved
    for source, pose in rows:
        row = settings.pose_rows.add()
        row.source = source
        row.pose = bpy.data.actions.get(pose) if pose else None
    settings.mapping_object = obj.name


class _MappingOperator(bpy.types.Operator):
    bl_options = {"REGISTER", "UNDO"}

    def target(self, context: Any) -> Any:
        obj = target_object(context)
        if obj.type == "ARMATURE":
            return obj
        if not shape_key_names(obj):
            raise MappingError(f"'{obj.name}' has no shape keys; add the demo head to try UniTAF")
        return obj


class UNITAF_OT_mapping_detect(_MappingOperator):
    """Match the target's shape keys to the ARKit channels (any naming convention); edit rows to fix"""
    bl_idname = "unitaf.mapping_detect"
    bl_label = "Detect Mapping"

    def execute(self, context: Any) -> Result:
        try:
            obj = self.target(context)
        except MappingError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        settings = context.scene.unitaf
        if obj.type == "ARMATURE":
            fill_pose_rows(settings, obj, bone_writer.rig_pose_rows(obj))
            picked = sum(1 for row in settings.pose_rows if row.pose is not None)
            self.report({"INFO"}, f"{picked} pose Actions of '{obj.name}' follow a source; pick one per row")
            return {"FINISHED"}
        report = auto_map(shape_key_names(obj), settings.rig_convention)
        obj[RIG_CONVENTION] = settings.rig_convention
        fill_rows(settings, obj, report.mapping, report.how)
        self.report({"INFO"} if report.usable and not report.warnings else {"WARNING"},
                    "; ".join((report.summary(), *report.warnings)))
        return {"FINISHED"}


class UNITAF_OT_mapping_clear(_MappingOperator):
    """Forget the edited mapping: the target's shape keys are matched automatically again"""
    bl_idname = "unitaf.mapping_clear"
    bl_label = "Clear Mapping"

    def execute(self, context: Any) -> Result:
        context.scene.unitaf.mapping_rows.clear()
        context.scene.unitaf.pose_rows.clear()
        context.scene.unitaf.mapping_object = ""
        return {"FINISHED"}


class UNITAF_OT_mapping_save_preset(bpy.types.Operator):
    """Save the edited mapping as a JSON preset (a new file; existing files are never replaced)"""
    bl_idname = "unitaf.mapping_save_preset"
    bl_label = "Save Mapping Preset"

    filepath: StringProperty(subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})  # type: ignore[valid-type]

    def invoke(self, context: Any, event: Any) -> Result:
        self.filepath = os.path.join(preset_directory(), "mapping.json")
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: Any) -> Result:
        settings = context.scene.unitaf
        mapping = {row.target: row.source for row in settings.mapping_rows if row.source != "NONE"}
        mapping |= {row.pose.name: row.source for row in settings.pose_rows if row.pose is not None}
        if not mapping:
            self.report({"ERROR"}, "the mapping is empty: detect or edit it first")
            return {"CANCELLED"}
        path = bpy.path.abspath(self.filepath)
        if not path.lower().endswith(".json"):
            path += ".json"
        try:
            save_preset(path, mapping, settings.rig_convention)
        except FileExistsError:
            self.report({"ERROR"}, f"{path} exists already; choose a new name")
            return {"CANCELLED"}
        except OSError as exc:
            self.report({"ERROR"}, f"could not save {path}: {exc.strerror}")
            return {"CANCELLED"}
        self.report({"INFO"}, f"saved {len(mapping)} rows to {path}")
        return {"FINISHED"}


class UNITAF_OT_mapping_load_preset(_MappingOperator):
    """Load a JSON mapping preset onto the target's shape keys"""
    bl_idname = "unitaf.mapping_load_preset"
    bl_label = "Load Mapping Preset"

    filepath: StringProperty(subtype="FILE_PATH")  # type: ignore[valid-type]
    filter_glob: StringProperty(default="*.json", options={"HIDDEN"})  # type: ignore[valid-type]

    def invoke(self, context: Any, event: Any) -> Result:
        self.filepath = preset_directory() + os.sep
        context.window_manager.fileselect_add(self)
        return {"RUNNING_MODAL"}

    def execute(self, context: Any) -> Result:
        try:
            obj = self.target(context)
            path = bpy.path.abspath(self.filepath)
            mapping = load_preset(path)
            with open(path, encoding="utf-8") as f:
                convention = preset_convention(f.read())
        except MappingError as exc:
            self.report({"ERROR"}, str(exc))
            return {"CANCELLED"}
        if obj.type == "ARMATURE":      # a bone rig's preset: pose Action -> source
            usable = {t: s for t, s in mapping.items() if t in bpy.data.actions}
            if not usable:
                self.report({"ERROR"}, "none of the preset's pose Actions exist in this file")
                return {"CANCELLED"}
            bone_writer.save_pose_rows(obj, [(s, t) for t, s in usable.items()])
            fill_pose_rows(context.scene.unitaf, obj, bone_writer.rig_pose_rows(obj))
            self.report({"INFO"}, f"{len(usable)} of {len(mapping)} preset rows apply to '{obj.name}'")
            return {"FINISHED"}
        names = set(shape_key_names(obj))
        usable = {t: s for t, s in mapping.items() if t in names}
        if not usable:
            self.report({"ERROR"}, f"none of the preset's shape keys exist on '{obj.name}'")
            return {"CANCELLED"}
        fill_rows(context.scene.unitaf, obj, usable, {t: "preset" for t in usable})
        context.scene.unitaf.rig_convention = convention
        obj[RIG_CONVENTION] = convention
        self.report({"INFO"}, f"{len(usable)} of {len(mapping)} preset rows apply to '{obj.name}'")
        return {"FINISHED"}


CLASSES = (UNITAF_OT_mapping_detect, UNITAF_OT_mapping_clear, UNITAF_OT_mapping_save_preset,
           UNITAF_OT_mapping_load_preset)
