"""Scenes for test_landmarks_blender.py, run with the bpy wheel's Python (in-process key maker):

    python tests/integration/landmarks_job.py

A re-meshed test head (known answers) as an object that is moved, turned and scaled: Find Face
Landmarks, the user drags the chin empty, Make ARKit Shape Keys; then a cube (find refuses) and a head
whose landmark empties were all dragged onto one line (make refuses). Prints one JSON line of facts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bpy
import numpy as np
from mathutils import Matrix, Vector

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from keymaker_job import (  # the sibling job (this folder is on sys.path when run as a script)
    mesh_object,
    subdivided_cube,
)
from keymaker_job import run_operator as run
from unitaf_backend.channels import ARKIT_CHANNELS
from unitaf_backend.keymaker import score
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head

import unitaf_blender
from unitaf_blender.blender.keymaker import LANDMARK_PROP


def empties_of(obj):
    return {c[LANDMARK_PROP]: c for c in obj.children if LANDMARK_PROP in c}


def main() -> None:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    unitaf_blender.register()
    data = build_test_head(next(r for r in RECIPES if r.name == "young-narrow-sqrt3"))
    head = mesh_object("Head", data.vertices, data.tris)
    head.matrix_world = Matrix.Translation((0.3, -0.2, 1.1)) @ Matrix.Rotation(0.6, 4, "Z") @ Matrix.Scale(2.0, 4)
    bpy.context.view_layer.update()

    found = run(head, bpy.ops.unitaf.find_face_landmarks)
    empties = empties_of(head)
    world = np.array([head.matrix_world @ Vector(v) for v in data.vertices])
    on_surface = max(float(np.min(np.linalg.norm(world - np.array(e.matrix_world.translation), axis=1)))
                     for e in empties.values())
    found_again = run(head, bpy.ops.unitaf.find_face_landmarks)        # moves the same empties back
    count_again = len(empties_of(head))
    chin = empties["chin"]
    chin.location = chin.location + Vector((0.0, 0.0, -0.002))         # the user drags the chin 2 mm down (local)
    bpy.context.view_layer.update()
    made = run(head, bpy.ops.unitaf.make_arkit_shape_keys)
    keys = head.data.shape_keys.key_blocks
    basis = np.array([v.co for v in keys["Basis"].data])
    offsets = np.array([[np.array(v.co) for v in keys[name].data] for name in ARKIT_CHANNELS]) - basis
    err = score.pooled_errors(offsets, data.true_offsets)

    cube = subdivided_cube("Cube")
    cube_found = run(cube, bpy.ops.unitaf.find_face_landmarks)

    head2 = mesh_object("Head2", data.vertices, data.tris)
    run(head2, bpy.ops.unitaf.find_face_landmarks)
    for i, e in enumerate(empties_of(head2).values()):
        e.location = (0.0, 0.0, 0.01 * i)                               # all on one vertical line
    bpy.context.view_layer.update()
    co_before = np.array([v.co for v in head2.data.vertices])
    bad = run(head2, bpy.ops.unitaf.make_arkit_shape_keys)
    co_after = np.array([v.co for v in head2.data.vertices])
    ops = bpy.types
    print(json.dumps({
        "found": found, "empties": sorted(empties), "parents": sorted({e.parent.name for e in empties.values()}),
        "names": sorted(e.name for e in empties.values()), "on_surface": on_surface,
        "found_again": found_again, "count_again": count_again,
        "made": made, "keys": len(keys), "median": float(np.median(err)), "p95": float(np.quantile(err, 0.95)),
        "cube": cube_found, "cube_children": len(cube.children),
        "bad": bad, "bad_keys": head2.data.shape_keys is not None, "bad_unchanged": bool(np.array_equal(co_before, co_after)),
        "undo_flags": ["UNDO" in ops.UNITAF_OT_find_face_landmarks.bl_options,
                       "UNDO" in ops.UNITAF_OT_make_arkit_shape_keys.bl_options],
    }))
    unitaf_blender.unregister()


if __name__ == "__main__":
    main()
