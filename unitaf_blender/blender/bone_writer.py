"""Lines on bone face rigs: pose Actions blended by the retargeted weights, keyed on the armature.

The user maps pose Actions (each holds the face bones for one shape, at its first frame) to sources (an
ARKit channel, a viseme, `mouthOpen` ...), saved on the armature as `unitaf_bone_poses` (JSON
`{action name: source}`); without it, Actions named like a source (`jawOpen`, `viseme_PP`, `MouthOpen`)
that move this armature's bones are used, and a Rigify-like jaw bone gets a default opening. A line is
one new Action on the armature (quaternion rotation, location and scale of every bone a pose moves),
with a rest key before and after, played from its own NLA track like shape-key lines (never the active
Action). Checked before anything is written; what a failed write made is removed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from ..core.mapping import MappingError, auto_map
from ..core.retarget import retarget_curves
from ..core.retarget.bone_poses import (
    DEFAULT_JAW_DEGREES,
    DEFAULT_JAW_SOURCE,
    JAW_BONES,
    BoneCurves,
    BonePose,
    FacePose,
    axis_angle_pose,
    blend_poses,
    moved_bones,
    pose_map,
    pose_rows,
)
from . import writer

POSES_PROPERTY = "unitaf_bone_poses"
DEFAULT_JAW_POSE = "(default jaw)"
RAMP_S = 0.3
_PATH = re.compile(r'^pose\.bones\["((?:[^"\\]|\\.)*)"\]\.(rotation_quaternion|location|scale)$')


@dataclass(frozen=True)
class BoneRig:
    poses: dict[str, FacePose]     # pose name -> bones
    mapping: dict[str, str]        # pose name -> source
    errors: dict[str, str]         # pose name -> why it cannot be used (a row error in the panel)


def pose_from_action(action: Any, armature: Any) -> FacePose:
    """The bones an Action holds at its first frame (only bones of `armature`)."""
    frame = float(action.frame_range[0])
    found: dict[str, dict[str, list[float]]] = {}
    for fc in writer.fcurves_of(action):
        m = _PATH.match(fc.data_path)
        if m is None or m.group(1) not in armature.pose.bones:
            continue
        rest = {"rotation_quaternion": [1.0, 0.0, 0.0, 0.0], "location": [0.0] * 3, "scale": [1.0] * 3}
        channels = found.setdefault(m.group(1), {k: list(v) for k, v in rest.items()})
        channels[m.group(2)][fc.array_index] = float(fc.evaluate(frame))
    return {bone: BonePose(rotation=np.array(c["rotation_quaternion"]), location=np.array(c["location"]),
                           scale=np.array(c["scale"])) for bone, c in found.items()}


def _jaw_bone(obj: Any) -> str | None:
    return next((b for b in JAW_BONES if b in obj.pose.bones), None)


def bone_rig(obj: Any) -> BoneRig:
    """The armature's poses and what drives each, with the errors of the unusable ones."""
    saved = obj.get(POSES_PROPERTY)
    if saved:
        try:
            mapping = {str(k): str(v) for k, v in json.loads(str(saved)).items()}
        except (json.JSONDecodeError, AttributeError):
            raise MappingError(f"'{obj.name}' has a broken {POSES_PROPERTY} property; map its poses again") from None
    else:
        candidates = [a.name for a in bpy.data.actions if not writer.is_line_action(a)
                      and pose_from_action(a, obj)]
        mapping = dict(auto_map(candidates, "UNSIDED").mapping) | dict(auto_map(candidates, "OCULUS").mapping)
        mapping = {name: src for name, src in mapping.items() if name in candidates}
    poses: dict[str, FacePose] = {}
    errors: dict[str, str] = {}
    for name in mapping:
        action = bpy.data.actions.get(name)
        pose: FacePose = pose_from_action(action, obj) if action is not None else {}
        if action is None:
            errors[name] = f"no Action named '{name}'"
        elif not moved_bones(pose):
            errors[name] = f"the pose Action '{name}' moves no bones of '{obj.name}'"
        else:
            poses[name] = pose
    jaw = _jaw_bone(obj)
    if jaw is not None and not any(jaw in p for p in poses.values()):
        poses[DEFAULT_JAW_POSE] = {jaw: axis_angle_pose((1.0, 0.0, 0.0), DEFAULT_JAW_DEGREES)}
        mapping = {**mapping, DEFAULT_JAW_POSE: DEFAULT_JAW_SOURCE}
    return BoneRig(poses=poses, mapping={k: v for k, v in mapping.items() if k in poses}, errors=errors)


def rig_pose_rows(obj: Any) -> list[tuple[str, str]]:
    """The panel's (source, pose Action name) rows for the armature's current map."""
    try:
        mapping = bone_rig(obj).mapping
    except MappingError:
        mapping = {}
    return pose_rows(mapping, [a.name for a in bpy.data.actions])


def save_pose_rows(obj: Any, rows: list[tuple[str, str]]) -> dict[str, str]:
    """Save what the panel's rows say as the armature's pose -> source map; returns it."""
    mapping = pose_map(rows)
    obj[POSES_PROPERTY] = json.dumps(mapping)
    return mapping


def check_bone_rig(obj: Any) -> BoneRig:
    """The rig, or one clear MappingError when it cannot take a line."""
    rig = bone_rig(obj)
    if rig.errors:
        raise MappingError("; ".join(rig.errors.values()) + " (fix it in the UniTAF mapping panel)")
    if not rig.poses:
        raise MappingError(f"'{obj.name}' has no face bones UniTAF knows (a jaw bone such as jaw_master) and "
                           "no pose Actions mapped to channels; make one pose Action per shape (e.g. "
                           "'jawOpen', 'viseme_PP') and map them in the UniTAF panel")
    return rig


def line_curves(rig: BoneRig, sampled: np.ndarray, channels: tuple[str, ...], fps: float,
                emotion: object) -> dict[str, BoneCurves]:
    """bone -> its curves for a line's ARKit weights (already at the scene's rate)."""
    pose_weights = retarget_curves(sampled, channels, rig.mapping, fps, emotion)
    return blend_poses(rig.poses, pose_weights)


def ramp_frames(fps: float) -> int:
    return max(1, round(RAMP_S * fps))


def write_bone_action(obj: Any, action_name: str, body_frames: np.ndarray, curves: dict[str, BoneCurves],
                      ramp: int) -> tuple[writer.WrittenAction, list[str]]:
    """A new Action on the armature: the curves over `body_frames`, a rest key `ramp` frames before and
    after. Returns it and warnings (bones whose rotation could not be keyed)."""
    frames = np.concatenate([[body_frames[0] - ramp], body_frames, [body_frames[-1] + ramp]])
    warnings = [f"bone '{b}' does not rotate in quaternions, so its rotation was not keyed"
                for b in curves if obj.pose.bones[b].rotation_mode != "QUATERNION"]
    action, slot, fcurves = writer.new_key_action(obj, action_name, id_type="OBJECT")
    count = 0
    try:
        for bone, c in curves.items():
            base = f'pose.bones["{bpy.utils.escape_identifier(bone)}"]'
            parts: list[tuple[str, np.ndarray, tuple[float, ...]]] = [
                ("location", c.location, (0.0, 0.0, 0.0)), ("scale", c.scale, (1.0, 1.0, 1.0))]
            if obj.pose.bones[bone].rotation_mode == "QUATERNION":
                parts.insert(0, ("rotation_quaternion", c.rotation, (1.0, 0.0, 0.0, 0.0)))
            for prop, values, rest in parts:
                for i in range(values.shape[1]):
                    keyed = np.concatenate([[rest[i]], values[:, i], [rest[i]]]).astype(np.float32)
                    writer.write_fcurve(fcurves, f"{base}.{prop}", frames, keyed, index=i)
                    count += 1
    except Exception:
        bpy.data.actions.remove(action)
        raise
    return writer.WrittenAction(action=action, slot=slot, fcurve_count=count), warnings


def describe(rig: BoneRig) -> str:
    moved = sorted({b for p in rig.poses.values() for b in moved_bones(p)})
    return f"bone face rig: {len(rig.poses)} poses ({', '.join(rig.poses)}) on {len(moved)} bones"
