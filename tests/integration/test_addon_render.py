"""Render the demo head at three frames of a generated line (Cycles, CPU, small) and check the mouth moves.

A screenshot needs a Blender window, which the bpy wheel has not; a render of the animated head is the
next best proof that the keys drive the face. Writes artifacts/addon_render/*.png (look at them).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

pytestmark = [pytest.mark.bpy, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "artifacts" / "addon_render"
SIZE = (120, 160)                # portrait: the face camera fits the head's height


def render_rgb(scene, path: Path) -> np.ndarray:
    import bpy
    scene.render.filepath = str(path)
    bpy.ops.render.render(write_still=True)
    img = bpy.data.images.load(str(path), check_existing=False)
    px = np.empty(len(img.pixels), dtype=np.float32)
    img.pixels.foreach_get(px)
    w, h = img.size
    bpy.data.images.remove(img)
    return px.reshape(h, w, 4)[::-1, :, :3]          # top row first


def mouth_box(scene, head, camera) -> tuple[slice, slice]:
    """Pixel rows/columns around the vertices that jawOpen moves."""
    from bpy_extras.object_utils import world_to_camera_view
    key = head.data.shape_keys
    basis = np.array([v.co for v in key.reference_key.data])
    jaw = np.array([v.co for v in key.key_blocks["jawOpen"].data])
    moved = np.linalg.norm(jaw - basis, axis=1) > 1e-3
    pts = [world_to_camera_view(scene, camera, head.matrix_world @ head.data.vertices[i].co)
           for i in np.flatnonzero(moved)]
    xs = np.array([p.x for p in pts]) * SIZE[0]
    ys = (1.0 - np.array([p.y for p in pts])) * SIZE[1]
    return (slice(int(max(ys.min(), 0)), int(min(ys.max() + 1, SIZE[1]))),
            slice(int(max(xs.min(), 0)), int(min(xs.max() + 1, SIZE[0]))))


def test_render_three_frames_mouth_moves(tmp_path):
    if importlib.util.find_spec("unitaf_backend") is None:
        pytest.fail("unitaf_backend is not importable: run in .venv (./scripts/setup.sh)")
    import bpy

    import unitaf_blender
    from unitaf_blender.blender import backend_factory
    from unitaf_blender.blender.head import frame_face_camera
    from unitaf_blender.blender.writer import fcurves_of

    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "render.blend"))
    unitaf_blender.register()
    try:
        backend = backend_factory.make_backend("inprocess")
        backend_factory.set_test_backend(backend)
        scene = bpy.context.scene
        assert bpy.ops.unitaf.add_demo_head() == {"FINISHED"}
        head = bpy.context.active_object
        scene.frame_current = 1
        assert bpy.ops.unitaf.generate_speech_animation(
            text="Wow, look at that open sea!", emotion="neutral") == {"FINISHED"}
        [action] = [t.strips[0].action for t in head.data.shape_keys.animation_data.nla_tracks]
        jaw_curve = next(f for f in fcurves_of(action) if f.data_path == 'key_blocks["jawOpen"].value')
        co = np.empty(2 * len(jaw_curve.keyframe_points), dtype=np.float32)
        jaw_curve.keyframe_points.foreach_get("co", co)
        frames, jaw = co[0::2].astype(int), co[1::2]
        closed = int(frames[np.argmin(jaw)])
        opened = int(frames[np.argmax(jaw)])
        middle = int(frames[np.argsort(jaw)[len(jaw) // 2]])
        assert jaw.max() - jaw.min() > 0.2, "the line should open and close the jaw"

        camera = frame_face_camera(scene, head)
        scene.render.engine = "CYCLES"
        scene.cycles.device = "CPU"
        scene.cycles.samples = 8
        scene.cycles.seed = 0
        scene.render.resolution_x, scene.render.resolution_y = SIZE
        scene.render.resolution_percentage = 100
        scene.render.image_settings.file_format = "PNG"
        OUT.mkdir(parents=True, exist_ok=True)
        images = {}
        for label, frame in (("closed", closed), ("middle", middle), ("open", opened)):
            scene.frame_set(frame)
            images[label] = render_rgb(scene, OUT / f"frame_{frame:03d}_{label}.png")
        rows, cols = mouth_box(scene, head, camera)
        strip = np.concatenate([images["closed"], images["middle"], images["open"]], axis=1)
        sheet = bpy.data.images.new("unitaf_render_sheet", strip.shape[1], strip.shape[0])
        sheet.pixels.foreach_set(np.dstack([strip, np.ones(strip.shape[:2])])[::-1].astype(np.float32).ravel())
        sheet.filepath_raw = str(OUT / "sheet_closed_middle_open.png")
        sheet.file_format = "PNG"
        sheet.save()

        mouth_change = np.abs(images["open"][rows, cols] - images["closed"][rows, cols]).mean()
        assert mouth_change > 0.02, f"mouth region barely changed ({mouth_change:.4f})"
        print(f"mouth change {mouth_change:.3f}; frames closed {closed}, middle {middle}, open {opened}; "
              f"PNGs in {os.path.relpath(OUT, REPO)}")
    finally:
        backend_factory.set_test_backend(None)
        unitaf_blender.unregister()
