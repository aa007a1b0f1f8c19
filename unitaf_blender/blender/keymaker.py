"""Writing made ARKit keys onto a mesh object: Basis kept, existing keys untouched, only the missing added.

Separate eye objects (a mesh whose name contains "eye", parented to the head or beside it) get their
gaze by rotation: drivers on their rotation read the head's eyeLook keys. Separate lower-teeth and
tongue objects (names with "teeth"/"tooth"/"tongue") get the jaw keys and tongueOut as shape keys of
their own, the reference jaw's rigid motion carried onto this head, driven by the head's keys; upper
teeth stay still; a teeth object with both rows moves the vertices below the mouth line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..core.keymaker_client import (
    MAX_VERTICES,
    KeymakerError,
    Landmarks,
    MadeOffsets,
    find_landmarks,
    make_offsets,
)
from ..core.mapping import auto_map

# The custom property that marks an empty as a face landmark of its parent mesh (its value: the name).
LANDMARK_PROP = "unitaf_landmark"
# A landmark empty's display size, in mouth widths.
LANDMARK_SIZE_OF_MOUTH = 0.06

# Degrees of eye rotation at a full eyeLook key (ARKit's range is about +-30 degrees yaw, +-25 pitch).
GAZE_YAW_DEG, GAZE_PITCH_DEG = 30.0, 25.0


@dataclass
class AddedKeys:
    added: list[str] = field(default_factory=list)      # new ARKit keys, Apple's order
    kept: list[str] = field(default_factory=list)       # ARKit channels the mesh already had a key for
    summary: str = ""
    eye_drivers: list[str] = field(default_factory=list)
    mouth_parts: list[str] = field(default_factory=list)
    landmarks_used: bool = False

    def message(self, obj_name: str) -> str:
        parts = [f"'{obj_name}': added {len(self.added)} ARKit shape keys"
                 + (" (placed by its landmark empties)" if self.landmarks_used else "")]
        if self.kept:
            parts.append(f"kept {len(self.kept)} it had ({', '.join(self.kept[:5])}"
                         f"{' ...' if len(self.kept) > 5 else ''})")
        if self.eye_drivers:
            parts.append("gaze drivers on " + ", ".join(self.eye_drivers))
        if self.mouth_parts:
            parts.append("jaw keys on " + ", ".join(self.mouth_parts))
        return "; ".join(parts) + (f". {self.summary}" if self.summary else "")


def mesh_arrays(obj: Any) -> tuple[np.ndarray, list[list[int]]]:
    """The object's rest vertices (its Basis key where it has one) and polygons, local frame."""
    mesh = obj.data
    n = len(mesh.vertices)
    co = np.empty(n * 3, dtype=np.float32)
    key = mesh.shape_keys
    if key is not None and key.reference_key is not None:
        key.reference_key.data.foreach_get("co", co)
    else:
        mesh.vertices.foreach_get("co", co)
    polygons = [list(p.vertices) for p in mesh.polygons]
    return co.reshape(n, 3).astype(np.float64), polygons


def existing_channels(obj: Any) -> dict[str, str]:
    """ARKit channel -> the shape key of the mesh that already drives it."""
    mesh = obj.data
    if mesh.shape_keys is None:
        return {}
    names = [kb.name for kb in mesh.shape_keys.key_blocks if kb != mesh.shape_keys.reference_key]
    return {src: tgt for tgt, src in auto_map(names).mapping.items()}


def check_target(obj: Any) -> None:
    if obj is None or getattr(obj, "type", None) != "MESH":
        raise KeymakerError("select a mesh object (the head) to make shape keys for")
    count = len(obj.data.vertices)
    if count == 0:
        raise KeymakerError(f"'{obj.name}' has no vertices")
    if count > MAX_VERTICES:
        raise KeymakerError(f"'{obj.name}' has {count:,} vertices; the key maker takes at most {MAX_VERTICES:,}: "
                            "separate the head (Edit Mode > P) or decimate it, and run it on that")


def make_arkit_keys(obj: Any, python: str = "", in_process: bool = True, made: MadeOffsets | None = None
                    ) -> AddedKeys:
    """Add the missing ARKit keys to `obj`. Everything is computed before the mesh is touched, so a
    failure leaves it unchanged."""
    check_target(obj)
    have = existing_channels(obj)
    rest, polygons = mesh_arrays(obj)
    landmarks = placed_landmarks(obj)
    if made is None:
        made = make_offsets(rest, polygons, python=python, in_process=in_process, landmarks=landmarks or None)
    if made.offsets.shape[1] != len(rest):
        raise KeymakerError("the key maker answered for another vertex count; nothing was changed")
    result = AddedKeys(kept=[c for c in made.channels if c in have], summary=made.summary)
    result.landmarks_used = bool(landmarks)
    if obj.data.shape_keys is None:
        obj.shape_key_add(name="Basis", from_mix=False)
    for k, name in enumerate(made.channels):
        if name in have:
            continue
        block = obj.shape_key_add(name=name, from_mix=False)
        block.value = 0.0     # Blender 5.0 starts new keys at 1
        block.data.foreach_set("co", (rest + made.offsets[k]).astype(np.float32).ravel())
        result.added.append(name)
    obj.data.update()
    result.eye_drivers = add_gaze_drivers(obj)
    result.mouth_parts = add_mouth_part_keys(obj, made)
    return result


def landmark_empties(obj: Any) -> dict[str, Any]:
    """The face landmark empties of `obj`: landmark name -> empty (its children marked LANDMARK_PROP)."""
    return {str(child[LANDMARK_PROP]): child for child in obj.children
            if child.type == "EMPTY" and LANDMARK_PROP in child}


def placed_landmarks(obj: Any) -> Landmarks:
    """Where the user's landmark empties are, in the mesh's local frame ({} when it has none)."""
    to_local = obj.matrix_world.inverted()
    return {name: np.array(to_local @ empty.matrix_world.translation, dtype=np.float64)
            for name, empty in landmark_empties(obj).items()}


def show_landmarks(obj: Any, python: str = "", in_process: bool = True) -> int:
    """Find the face's landmarks on `obj` and show them as empties parented to it (named
    '<object> <landmark>'; existing ones are moved back to what is found). Everything is found before
    the scene is touched. Returns how many."""
    import bpy

    check_target(obj)
    rest, polygons = mesh_arrays(obj)
    found = find_landmarks(rest, polygons, python=python, in_process=in_process)
    mouth = float(np.linalg.norm(found["mouth_corner_left"] - found["mouth_corner_right"])) \
        if {"mouth_corner_left", "mouth_corner_right"} <= set(found) else 0.05
    have = landmark_empties(obj)
    collection = obj.users_collection[0] if obj.users_collection else bpy.data.scenes[0].collection
    for name, point in found.items():
        empty = have.get(name)
        if empty is None:
            empty = bpy.data.objects.new(f"{obj.name} {name}", None)
            empty[LANDMARK_PROP] = name
            empty.empty_display_type = "SPHERE"
            collection.objects.link(empty)
            empty.parent = obj
        empty.empty_display_size = LANDMARK_SIZE_OF_MOUTH * mouth
        empty.matrix_parent_inverse.identity()
        empty.location = tuple(float(x) for x in point)       # the parent's local frame: the mesh's
    return len(found)


def _companions(obj: Any) -> list[Any]:
    """The head's children (or, without children, the meshes beside it in its collection)."""
    children = [o for o in obj.children if o.type == "MESH"]      # (its landmark empties do not count)
    pool = children or [o for o in (obj.users_collection[0].objects if obj.users_collection else [])
                        if o is not obj and o.parent is obj.parent]
    return [o for o in pool if o.type == "MESH"]


def eye_objects(obj: Any) -> list[Any]:
    """Mesh objects named like eyes among the head's companions."""
    return [o for o in _companions(obj) if "eye" in o.name.lower() and "brow" not in o.name.lower()
            and "lash" not in o.name.lower()]


def _mouth_kind(name: str) -> str | None:
    n = name.lower()
    if "tongue" in n:
        return "tongue"
    if "teeth" in n or "tooth" in n:
        if any(w in n for w in ("upper", "top")):
            return None
        return "lower" if any(w in n for w in ("lower", "bottom")) else "both"
    return None


def add_mouth_part_keys(obj: Any, made: MadeOffsets) -> list[str]:
    """Give separate lower-teeth and tongue objects the jaw keys (and the tongue tongueOut), driven by
    the head's keys of the same names."""
    from mathutils import Matrix

    head_key = obj.data.shape_keys
    done = []
    for part in _companions(obj):
        kind = _mouth_kind(part.name)
        if kind is None or len(part.data.vertices) == 0:
            continue
        motions = dict(made.jaw_motions)
        if kind == "tongue":
            motions.update({k: m for k, m in made.tongue_motions.items() if k == "tongueOut"})
        n = len(part.data.vertices)
        co = np.empty(n * 3, dtype=np.float32)
        part.data.vertices.foreach_get("co", co)
        to_head = np.array(obj.matrix_world.inverted() @ part.matrix_world)
        p = co.reshape(n, 3).astype(np.float64) @ to_head[:3, :3].T + to_head[:3, 3]
        moving = np.ones(n, dtype=bool)
        if kind == "both" and made.mouth_centre is not None and made.up is not None:
            moving = (p - made.mouth_centre) @ made.up < 0
        back = np.array(Matrix(to_head.tolist()).inverted())
        if part.data.shape_keys is None:
            part.shape_key_add(name="Basis", from_mix=False)
        have = {kb.name for kb in part.data.shape_keys.key_blocks}
        added = False
        for name, m in motions.items():
            if name in have or name not in head_key.key_blocks:
                continue
            moved = p.copy()
            moved[moving] = p[moving] @ m[:3, :3].T + m[:3, 3]
            local = moved @ back[:3, :3].T + back[:3, 3]
            block = part.shape_key_add(name=name, from_mix=False)
            block.value = 0.0
            block.data.foreach_set("co", local.astype(np.float32).ravel())
            _drive_by_head_key(part.data.shape_keys, name, head_key)
            added = True
        if added:
            done.append(part.name)
    return done


def _drive_by_head_key(key: Any, name: str, head_key: Any) -> None:
    fc = key.key_blocks[name].driver_add("value")
    fc.driver.type = "AVERAGE"
    var = fc.driver.variables.new()
    var.type = "SINGLE_PROP"
    var.targets[0].id_type = "KEY"
    var.targets[0].id = head_key
    var.targets[0].data_path = f'key_blocks["{name}"].value'


def add_gaze_drivers(obj: Any) -> list[str]:
    """Rotate separate eye objects from the head's eyeLook keys (yaw about Z, pitch about X: a gaze along -Y
    turns to +X for the left eye looking out and tilts to +Z looking up; in the
    eye's own rotation; left is the eye on the head's +X side)."""
    key = obj.data.shape_keys
    if key is None:
        return []
    names = {kb.name for kb in key.key_blocks}
    done = []
    for eye in eye_objects(obj):
        side = "Left" if (obj.matrix_world.inverted() @ eye.matrix_world.translation).x > 0 else "Right"
        needed = [f"eyeLook{d}{side}" for d in ("In", "Out", "Up", "Down")]
        if not all(n in names for n in needed) or eye.animation_data and eye.animation_data.drivers:
            continue
        eye.rotation_mode = "XYZ"
        # looking out (away from the nose) turns the left eye towards +X, the right eye towards -X
        outward = 1.0 if side == "Left" else -1.0
        axes = ((2, f"({outward} * (o - i)) * {math.radians(GAZE_YAW_DEG)}", ("o", f"eyeLookOut{side}"),
                 ("i", f"eyeLookIn{side}")),
                (0, f"(d - u) * {math.radians(GAZE_PITCH_DEG)}", ("u", f"eyeLookUp{side}"),
                 ("d", f"eyeLookDown{side}")))
        for index, expression, *variables in axes:
            fc = eye.driver_add("rotation_euler", index)
            fc.driver.type = "SCRIPTED"
            fc.driver.expression = expression
            for var_name, key_name in variables:
                var = fc.driver.variables.new()
                var.name = var_name
                var.type = "SINGLE_PROP"
                var.targets[0].id_type = "KEY"
                var.targets[0].id = key
                var.targets[0].data_path = f'key_blocks["{key_name}"].value'
        done.append(eye.name)
    return done


def make_keys_for_object_named(name: str, python: str = "") -> str:
    """The headless entry (batch): add the missing ARKit keys to the scene object `name`; the message."""
    import bpy

    obj = bpy.data.objects.get(name)
    if obj is None:
        raise KeymakerError(f"--make-shape-keys: no object named {name!r} in the scene")
    return make_arkit_keys(obj, python=python, in_process=not python).message(obj.name)


def import_obj_head(scene: Any, path: str, name: str) -> Any:
    """Import an OBJ head (its polygons joined into one mesh object named `name`) into `scene`."""
    import os

    import bpy

    if not os.path.isfile(path):
        raise FileNotFoundError(f"no such head file: {path}")
    before = set(bpy.data.objects)
    bpy.ops.wm.obj_import(filepath=os.path.abspath(path))
    meshes = [o for o in bpy.data.objects if o not in before and o.type == "MESH"]
    if not meshes:
        raise ValueError(f"{path} has no mesh")
    head = meshes[0]
    if len(meshes) > 1:
        with bpy.context.temp_override(active_object=head, selected_editable_objects=meshes):
            bpy.ops.object.join()
    head.name = name
    if head.name not in scene.collection.all_objects:
        scene.collection.objects.link(head)
    return head
