"""Scenes for test_make_shape_keys_blender.py, run with the bpy wheel's Python (in-process key maker):

    python tests/integration/keymaker_job.py OUT_DIR

A re-meshed test head without ARKit keys but with a key of its own and a jawOpen it already has, a
separate eye object beside it, and a cube; the operator runs on each. Saves OUT_DIR/head.blend (the head
before the keys, for the batch run) and prints one JSON line of facts.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import bpy
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from unitaf_backend.keymaker.reference import reference_skin
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head

import unitaf_blender


def mesh_object(name, vertices, faces):
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([tuple(v) for v in vertices], [], [tuple(f) for f in faces])
    mesh.update()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def key_co(obj, name):
    kb = obj.data.shape_keys.key_blocks[name]
    co = np.empty(len(obj.data.vertices) * 3, dtype=np.float32)
    kb.data.foreach_get("co", co)
    return co.reshape(-1, 3)


def subdivided_cube(name):
    """A 20 cm cube, its faces cut 9 x 9 (a mesh that is no head), linked to the scene."""
    import bmesh
    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=0.2)
    bmesh.ops.subdivide_edges(bm, edges=bm.edges[:], cuts=8, use_grid_fill=True)
    bm.to_mesh(mesh)
    bm.free()
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    return obj


def run_operator(obj, operator=None):
    """Run an operator of ours (Make ARKit Shape Keys by default) on `obj` as the active, selected
    object: (result, last_result, last_error)."""
    for o in bpy.context.view_layer.objects:
        o.select_set(False)
    obj.select_set(True)
    bpy.context.view_layer.objects.active = obj
    try:
        result = (operator or bpy.ops.unitaf.make_arkit_shape_keys)()
    except RuntimeError:          # bpy.ops raises when an operator reports an error (and cancels)
        result = {"CANCELLED"}
    return sorted(result), bpy.context.scene.unitaf.last_result, bpy.context.scene.unitaf.last_error


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    bpy.ops.wm.read_factory_settings(use_empty=True)
    unitaf_blender.register()
    head_data = build_test_head(next(r for r in RECIPES if r.name == "young-narrow-sqrt3"))
    head = mesh_object("Head", head_data.vertices, head_data.tris)
    bpy.ops.wm.save_as_mainfile(filepath=str(out / "head.blend"))
    head.shape_key_add(name="Basis", from_mix=False)
    mine = head.shape_key_add(name="MyWink", from_mix=False)
    co = key_co(head, "Basis").copy()
    co[:, 2] += 0.001
    mine.data.foreach_set("co", co.ravel())
    own_jaw = head.shape_key_add(name="jawOpen", from_mix=False)
    own_jaw.data.foreach_set("co", (key_co(head, "Basis") + [0, 0, -0.002]).ravel())
    before_mine, before_jaw = key_co(head, "MyWink").copy(), key_co(head, "jawOpen").copy()
    eye = mesh_object("Eye.L", [(0, 0, 0), (0.01, 0, 0), (0, 0.01, 0)], [(0, 1, 2)])
    eye.location = tuple(head_data.vertices[:, 0].max() * np.array([0.35, 0, 0]) + [0, -0.06, 0.143])

    from unitaf_backend.head import load_reference_head
    ref_head = load_reference_head()
    parts = {}
    for part_name, obj_name in (("teeth_lower", "Teeth.Lower"), ("tongue", "Tongue")):
        mask = ref_head.part_mask(part_name)
        index = np.full(len(mask), -1)
        index[mask] = np.arange(mask.sum())
        faces = [[int(index[i]) for i in f if i >= 0] for f in ref_head.faces if f[0] >= 0 and mask[f[0]]]
        parts[obj_name] = mesh_object(obj_name, ref_head.basis[mask], faces)
    # a second head, the reference skin itself, whose children are the separate teeth and tongue
    ref_skin = reference_skin()
    head2 = mesh_object("RefHead", ref_skin.vertices, ref_skin.tris)
    for part in parts.values():
        part.parent = head2

    result, message, error = run_operator(head)
    _, message2, _ = run_operator(head2)
    names = [kb.name for kb in head.data.shape_keys.key_blocks]
    values = {kb.name: kb.value for kb in head.data.shape_keys.key_blocks}
    # the made keys on the mesh against the truth of this test head
    basis = key_co(head, "Basis")
    err = []
    for k, name in enumerate(head_data_channels()):
        if name == "jawOpen":
            continue
        true = head_data.true_offsets[k]
        size = np.linalg.norm(true, axis=1)
        if size.max() > 0:
            moving = size >= 0.1 * size.max()
            err.append(np.linalg.norm((key_co(head, name) - basis)[moving] - true[moving], axis=1) / size[moving])
    err_all = np.concatenate(err)
    head.data.shape_keys.key_blocks["eyeLookOutLeft"].value = 1.0
    bpy.context.view_layer.update()
    eye_yaw = eye.matrix_world.to_euler().z
    head.data.shape_keys.key_blocks["eyeLookOutLeft"].value = 0.0
    teeth = parts["Teeth.Lower"]
    rest_teeth = np.array([v.co.z for v in teeth.data.vertices])
    head2.data.shape_keys.key_blocks["jawOpen"].value = 1.0
    bpy.context.view_layer.update()
    depsgraph = bpy.context.evaluated_depsgraph_get()
    moved_teeth = np.array([v.co.z for v in teeth.evaluated_get(depsgraph).data.vertices])
    head2.data.shape_keys.key_blocks["jawOpen"].value = 0.0
    jaw_k = ref_head.channels.index("jawOpen")
    true_drop = float(ref_head.offsets[jaw_k][ref_head.part_mask("teeth_lower"), 2].mean())
    tongue_keys = [kb.name for kb in parts["Tongue"].data.shape_keys.key_blocks]

    cube = subdivided_cube("Cube")
    cube_data = cube.data
    cube_co = np.empty(len(cube_data.vertices) * 3, dtype=np.float32)
    cube_data.vertices.foreach_get("co", cube_co)
    cube_result, _, cube_error = run_operator(cube)
    cube_after = np.empty_like(cube_co)
    cube_data.vertices.foreach_get("co", cube_after)

    big = bpy.data.meshes.new("Big")
    big.vertices.add(2_000_000)
    big_obj = bpy.data.objects.new("Big", big)
    bpy.context.scene.collection.objects.link(big_obj)
    big_result, _, big_error = run_operator(big_obj)

    print(json.dumps({
        "teeth_drop": float((moved_teeth - rest_teeth).mean()), "true_teeth_drop": true_drop,
        "tongue_keys": tongue_keys, "message2": message2,
        "big_result": big_result, "big_error": big_error, "big_keys": big.shape_keys is not None,
        "result": result, "message": message, "error": error, "names": names,
        "values_nonzero": [n for n, v in values.items() if v != 0.0],
        "mine_unchanged": bool(np.array_equal(before_mine, key_co(head, "MyWink"))),
        "jaw_unchanged": bool(np.array_equal(before_jaw, key_co(head, "jawOpen"))),
        "median": float(np.median(err_all)), "p95": float(np.quantile(err_all, 0.95)),
        "eye_yaw": eye_yaw, "eye_drivers": len(eye.animation_data.drivers) if eye.animation_data else 0,
        "undo_flag": "UNDO" in bpy.types.UNITAF_OT_make_arkit_shape_keys.bl_options,
        "cube_result": cube_result, "cube_error": cube_error, "cube_keys": cube_data.shape_keys is not None,
        "cube_unchanged": bool(np.array_equal(cube_co, cube_after)),
    }))
    unitaf_blender.unregister()


def head_data_channels():
    from unitaf_backend.channels import ARKIT_CHANNELS
    return ARKIT_CHANNELS


if __name__ == "__main__":
    main()
