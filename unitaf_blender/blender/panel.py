"""The UniTAF tab in the 3D view's sidebar (N panel)."""

from __future__ import annotations

from typing import Any

import bpy

from ..core.mapping import MappingError, auto_map
from . import bone_writer, idle, lines, worker
from .apply import shape_key_names
from .properties import rig_convention, rows_mapping


class UNITAF_UL_mapping(bpy.types.UIList):
    """Rows of the channel mapping: shape key -> channel (editable)."""

    def draw_item(self, context: Any, layout: Any, data: Any, item: Any, icon: Any, active_data: Any,
                  active_property: Any, index: Any = 0, flt_flag: Any = 0) -> None:
        row = layout.row(align=True)
        row.label(text=item.target, icon="CHECKMARK" if item.source != "NONE" else "BLANK1")
        row.prop(item, "source", text="")


class UNITAF_UL_lines(bpy.types.UIList):
    """The target's lines (a filtered view of the file's Actions): pick one to retake or remove."""

    def draw_item(self, context: Any, layout: Any, data: Any, item: Any, icon: Any, active_data: Any,
                  active_property: Any, index: Any = 0, flt_flag: Any = 0) -> None:
        start, end = item.get("unitaf_start_frame", 0), item.get("unitaf_frame_end", 0)
        layout.label(text=f"{start}-{end}  {item.get('unitaf_line', item.name)}", icon="SPEAKER")

    def filter_items(self, context: Any, data: Any, propname: str) -> Any:   # (flags, order) lists
        actions = getattr(data, propname)
        settings = context.scene.unitaf
        obj = settings.target or context.active_object
        ours = {line.action.name: line.span.start for line in lines.lines_of(obj)} if obj is not None else {}
        flags = [self.bitflag_filter_item if a.name in ours else 0 for a in actions]
        by_start = sorted(range(len(actions)), key=lambda i: (ours.get(actions[i].name, 0), actions[i].name))
        order = [0] * len(actions)
        for position, i in enumerate(by_start):
            order[i] = position
        return flags, order


class _SidebarPanel(bpy.types.Panel):
    """Where every UniTAF panel lives: the 3D view's sidebar, tab "UniTAF"."""

    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "UniTAF"


class _SubPanel(_SidebarPanel):
    bl_parent_id = "UNITAF_PT_main"
    bl_options = {"DEFAULT_CLOSED"}

    def draw(self, context: Any) -> None:
        if self.layout is not None:
            s = context.scene.unitaf
            self.draw_for(self.layout, s, s.target or context.active_object)

    def draw_for(self, layout: Any, s: Any, obj: Any) -> None:
        """The sub-panel's rows for the panel's settings `s` and the object they animate (or None)."""


class UNITAF_PT_main(_SidebarPanel):
    bl_label = "UniTAF Speech"
    bl_idname = "UNITAF_PT_main"

    def draw(self, context: Any) -> None:
        layout = self.layout
        if layout is None:
            return
        s = context.scene.unitaf
        col = layout.column()
        col.prop(s, "use_text_block")
        if s.use_text_block:
            col.template_ID(s, "text_block", new="text.new", open="text.open")
        else:
            col.prop(s, "text", text="")
        col.prop(s, "emotion")
        col.prop(s, "intensity", slider=True)
        col.prop(s, "voice")

        box = layout.box()
        box.prop(s, "target")
        obj = s.target or context.active_object
        box.label(text=f"Animating: {obj.name}" if obj is not None else "Animating: (no active object)",
                  icon="OBJECT_DATA")
        if obj is None or not _has_usable_keys(s, obj):
            box.label(text="No shape keys that match ARKit names", icon="ERROR")
            row = box.row(align=True)
            row.operator("unitaf.make_arkit_shape_keys", icon="SHAPEKEY_DATA")
            row.operator("unitaf.add_demo_head", icon="MONKEY")
            box.operator("unitaf.find_face_landmarks", icon="EMPTY_AXIS")

        col = layout.column(heading="Start")
        col.prop(s, "use_current_frame")
        sub = col.row()
        sub.active = not s.use_current_frame
        sub.prop(s, "start_frame")
        col = layout.column(heading="Options")
        col.prop(s, "add_sound")
        col.prop(s, "extend_range")
        col.prop(s, "replace_overlapping")
        col.prop(s, "markers")
        col.prop(s, "head_motion")
        if s.head_motion:
            col.prop(s, "head_bone")
        col.prop(s, "mode")

        job = worker.current_job()
        if job is None:
            layout.operator("unitaf.generate_speech_animation", icon="PLAY_SOUND")
            layout.operator("unitaf.animate_from_audio", icon="SOUND")
        else:
            row = layout.row(align=True)
            row.progress(factor=job.progress, type="BAR", text=f"{job.stage} {job.progress:.0%}")
            row.operator("unitaf.cancel", icon="CANCEL", text="")
        if s.last_error:
            layout.label(text=s.last_error, icon="ERROR")
        elif s.last_result:
            layout.label(text=s.last_result, icon="CHECKMARK")


class UNITAF_PT_mapping(_SubPanel):
    bl_label = "Channel Mapping"
    bl_idname = "UNITAF_PT_mapping"

    def draw_for(self, layout: Any, s: Any, obj: Any) -> None:
        row = layout.row(align=True)
        row.operator("unitaf.mapping_detect", text="Detect", icon="VIEWZOOM")
        row.operator("unitaf.mapping_clear", text="Auto", icon="X")
        row = layout.row(align=True)
        row.operator("unitaf.mapping_load_preset", text="Load", icon="FILE_FOLDER")
        row.operator("unitaf.mapping_save_preset", text="Save", icon="FILE_TICK")
        if obj is not None and obj.type == "ARMATURE":
            _draw_bone_rig(layout, obj, s)
            return
        layout.prop(s, "rig_convention")
        if obj is None:
            return
        if rows_mapping(s, obj) is None:
            report = auto_map(shape_key_names(obj), rig_convention(obj))
            layout.label(text=f"Automatic: {report.summary()}")
            for warning in report.warnings:
                layout.label(text=warning, icon="ERROR")
            if report.unmatched_channels:
                layout.label(text="Not driven: " + ", ".join(report.unmatched_channels[:6])
                             + (" ..." if len(report.unmatched_channels) > 6 else ""))
            layout.label(text="Press Detect to see and edit every row")
        else:
            layout.template_list("UNITAF_UL_mapping", "", s, "mapping_rows", s, "mapping_index", rows=8)


class UNITAF_PT_lines(_SubPanel):
    bl_label = "Lines"
    bl_idname = "UNITAF_PT_lines"

    def draw_for(self, layout: Any, s: Any, obj: Any) -> None:
        found = lines.lines_of(obj) if obj is not None else []
        row = layout.row(align=True)
        has_idle = lines.idle_track(lines.shape_key_anim(obj)) is not None if obj is not None else False
        row.operator("unitaf.idle_fill", text="Refill Idle" if has_idle else "Idle Fill", icon="HIDE_OFF")
        if has_idle:
            row.operator("unitaf.idle_fill", text="", icon="X").remove = True
            if idle.stale_reason(bpy.context.scene, obj):
                layout.label(text="Idle motion ends before the lines: Refill Idle", icon="ERROR")
        if not found:
            layout.label(text="No lines on this object yet")
            return
        layout.template_list("UNITAF_UL_lines", "", bpy.data, "actions", s, "line_index", rows=4)
        row = layout.row(align=True)
        row.operator("unitaf.export_live_link_csv", icon="EXPORT")
        row.operator("unitaf.export_fbx", text="Export FBX", icon="EXPORT")
        picked = bpy.data.actions[s.line_index] if 0 <= s.line_index < len(bpy.data.actions) else None
        line = lines.line_of_action(obj, picked) if picked is not None else None
        row = layout.row(align=True)
        row.enabled = line is not None
        retake = row.operator("unitaf.generate_speech_animation", text="Retake", icon="FILE_REFRESH")
        retake.replace_line = line.line_id if line is not None else ""
        remove = row.operator("unitaf.remove_line", text="Remove", icon="TRASH")
        remove.line_id = line.line_id if line is not None else ""


class UNITAF_PT_demo(_SubPanel):
    bl_label = "Demo Head"
    bl_idname = "UNITAF_PT_demo"

    def draw(self, context: Any) -> None:
        if self.layout is not None:
            self.layout.operator("unitaf.add_demo_head", icon="MONKEY")


def _draw_bone_rig(layout: Any, obj: Any, settings: Any) -> None:
    """A bone face rig: one row per pose (its Action and source), an error row for each unusable one."""
    try:
        rig = bone_writer.bone_rig(obj)
    except MappingError as exc:
        layout.label(text=str(exc), icon="ERROR")
        return
    layout.label(text=bone_writer.describe(rig) if rig.poses else "No face poses: name pose Actions after "
                 "their channels (jawOpen, viseme_PP ...) or set unitaf_bone_poses", icon="ARMATURE_DATA")
    if settings.mapping_object == obj.name and len(settings.pose_rows):
        for row in settings.pose_rows:         # editable: a pose Action picker per source
            layout.prop(row, "pose", text=row.source, icon="POSE_HLT")
    else:
        for name, source in rig.mapping.items():
            layout.label(text=f"{name}  ->  {source}", icon="POSE_HLT")
        layout.label(text="Press Detect to pick the pose of each source")
    for name, error in rig.errors.items():
        layout.label(text=f"{name}: {error}", icon="ERROR")


def _has_usable_keys(settings: Any, obj: Any) -> bool:
    if obj.type == "ARMATURE":
        try:
            return bool(bone_writer.bone_rig(obj).poses)
        except MappingError:
            return False
    if rows_mapping(settings, obj):
        return True
    return auto_map(shape_key_names(obj)).usable


CLASSES = (UNITAF_UL_mapping, UNITAF_UL_lines, UNITAF_PT_main, UNITAF_PT_mapping, UNITAF_PT_lines,
           UNITAF_PT_demo)
