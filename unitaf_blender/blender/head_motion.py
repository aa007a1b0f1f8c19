"""Head motion: the backend's yaw, pitch and roll for a line, on the character's head bone (when the mesh
has an armature with one) or on the object itself.

Angles are in radians: yaw to the character's left, pitch down, roll to the character's left are
positive, for a character that faces -Y with Z up (Blender's front view looks at its face). On the object
they go into `delta_rotation_euler` (X pitch, Y roll, Z yaw), which adds to the object's own rotation and
is 0 outside lines, so an object that is rotated, or animated by the user, keeps that. On a bone the same
world-space rotation is turned into the bone's own rest frame (so any bone roll or axis works) and keyed
as its rotation (quaternion or Euler, whichever the bone uses). Each line's head motion is one Action of
ours on its own NLA track of that object, blended in and out, removed with the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from . import writer

HEAD_ACTION = "unitaf_head_action"    # on the line's Action: its head-motion Action and the object it is on
HEAD_OBJECT = "unitaf_head_object"
HEAD_TAG = "unitaf_head"              # on a head-motion Action: the line id
BLEND_FRAMES = 3.0
HEAD_BONE_NAMES = ("head", "Head", "HEAD", "DEF-head", "mixamorig:Head", "CC_Base_Head", "J_Bip_C_Head")


class HeadMotionError(Exception):
    """Head motion cannot go where it was asked (a bone name the armature does not have)."""


@dataclass(frozen=True)
class HeadTarget:
    obj: Any                  # the object whose animation carries the motion (armature or the mesh)
    bone: str | None          # the pose bone's name, or None for the object itself

    def describe(self) -> str:
        return f"bone '{self.bone}' of {self.obj.name}" if self.bone else f"object {self.obj.name}"


def head_target(obj: Any, bone_name: str = "") -> HeadTarget:
    """Where a line's head motion goes on `obj`: the named bone (or a usual head bone) of its armature,
    else the object. A bone named but missing is a HeadMotionError."""
    armature = obj.find_armature() if hasattr(obj, "find_armature") else None
    if armature is None and obj.parent is not None and obj.parent.type == "ARMATURE":
        armature = obj.parent
    if armature is not None:
        bones = armature.pose.bones
        if bone_name:
            if bone_name not in bones:
                raise HeadMotionError(f"the armature '{armature.name}' has no bone '{bone_name}' "
                                      f"(it has: {', '.join(b.name for b in list(bones)[:8])} ...)")
            return HeadTarget(armature, bone_name)
        found = next((n for n in HEAD_BONE_NAMES if n in bones), None)
        if found is not None:
            return HeadTarget(armature, found)
    elif bone_name:
        raise HeadMotionError(f"'{obj.name}' has no armature, so there is no bone '{bone_name}'; clear the "
                              "head bone to move the object itself")
    return HeadTarget(obj, None)


def world_quaternions(ypr: np.ndarray) -> list[Any]:
    """[T, 3] yaw, pitch, roll -> world-space rotations (mathutils.Quaternion)."""
    from mathutils import Euler
    return [Euler((float(p), float(r), float(y)), "YXZ").to_quaternion() for y, p, r in ypr]


def head_angles(target: HeadTarget) -> tuple[float, float, float]:
    """The yaw, pitch and roll `target` shows now (the inverse of what a line writes there): from the
    bone's pose rotation turned back out of its rest frame, or from the object's delta rotation."""
    if target.bone is None:
        if target.obj.rotation_mode == "QUATERNION":
            pitch, roll, yaw = target.obj.delta_rotation_quaternion.to_euler("YXZ")
        else:
            pitch, roll, yaw = target.obj.delta_rotation_euler
        return float(yaw), float(pitch), float(roll)
    pose_bone = target.obj.pose.bones[target.bone]
    rest = pose_bone.bone.matrix_local.to_quaternion()
    pitch, roll, yaw = (rest @ pose_bone.matrix_basis.to_quaternion() @ rest.inverted()).to_euler("YXZ")
    return float(yaw), float(pitch), float(roll)


def _curves(target: HeadTarget, ypr: np.ndarray) -> list[tuple[str, int, np.ndarray]]:
    """(data path, index, values) of the F-curves for `ypr` on `target`."""
    if target.bone is None:
        if target.obj.rotation_mode == "QUATERNION":
            q = np.array([[r.w, r.x, r.y, r.z] for r in world_quaternions(ypr)], dtype=np.float32)
            return [("delta_rotation_quaternion", i, q[:, i]) for i in range(4)]
        path = "delta_rotation_euler"
        return [(path, 0, ypr[:, 1]), (path, 1, ypr[:, 2]), (path, 2, ypr[:, 0])]
    pose_bone = target.obj.pose.bones[target.bone]
    rest = pose_bone.bone.matrix_local.to_quaternion()          # bone rest frame in armature space
    local = [rest.inverted() @ q @ rest for q in world_quaternions(ypr)]
    base = f'pose.bones["{bpy.utils.escape_identifier(target.bone)}"]'
    if pose_bone.rotation_mode == "QUATERNION":
        values = np.array([[q.w, q.x, q.y, q.z] for q in local], dtype=np.float32)
        return [(f"{base}.rotation_quaternion", i, values[:, i]) for i in range(4)]
    if pose_bone.rotation_mode == "AXIS_ANGLE":
        raise HeadMotionError(f"bone '{target.bone}' uses axis-angle rotation; set it to quaternion or Euler")
    values = np.array([list(q.to_euler(pose_bone.rotation_mode)) for q in local], dtype=np.float32)
    return [(f"{base}.rotation_euler", i, values[:, i]) for i in range(3)]


def write_head_motion(target: HeadTarget, ypr: np.ndarray, frames: np.ndarray, name: str, line_id: str) -> Any:
    """One Action of ours with the motion, on a new NLA track of the target object; returns the Action."""
    action, slot, fcurves = writer.new_key_action(target.obj, name, id_type="OBJECT")
    action[HEAD_TAG] = line_id
    try:
        for path, index, values in _curves(target, ypr):
            writer.write_fcurve(fcurves, path, frames, values, index=index)
        anim = target.obj.animation_data or target.obj.animation_data_create()
        track = anim.nla_tracks.new()
        track.name = action.name
        strip = track.strips.new(action.name, int(frames[0]), action)
        if slot is not None and hasattr(strip, "action_slot"):
            strip.action_slot = slot
        strip.use_auto_blend = False
        strip.extrapolation = "NOTHING"
        strip.blend_in = strip.blend_out = min(BLEND_FRAMES, max(0.0, (len(frames) - 1) / 2.0))
    except BaseException:
        remove_head_action(action)
        raise
    return action


def remove_head_action(action: Any) -> None:
    """The head-motion Action and the track that plays it (on whichever object)."""
    for obj in bpy.data.objects:
        anim: Any = obj.animation_data
        if anim is None:
            continue
        for track in list(anim.nla_tracks):
            if any(s.action == action for s in track.strips):
                anim.nla_tracks.remove(track)
    if action.name in bpy.data.actions:
        bpy.data.actions.remove(action)


def sample(head: np.ndarray, src_fps: float, dst_fps: float, n: int) -> np.ndarray:
    """Head angles [T, 3] re-sampled at the scene's rate (linear in time; no clipping: these are radians)."""
    src_t = np.arange(len(head)) / float(src_fps)
    dst_t = np.arange(n) / float(dst_fps)
    return np.stack([np.interp(dst_t, src_t, head[:, i]) for i in range(3)], axis=1).astype(np.float32)
