"""Render the reference head in seven poses with Cycles (CPU) and join them into one contact sheet PNG.

Run with the bpy wheel's Python (test_head_render.py does):
    python tests/integration/head_render_job.py OUT.png [--size 192x240] [--samples 16]
Prints one JSON line: the sheet path, its size and per-pose mean brightness of the face area.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import bpy
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from unitaf_blender.blender.head import create_reference_head, frame_face_camera

POSES: tuple[tuple[str, dict[str, float]], ...] = (
    ("neutral", {}),
    ("jawOpen", {"jawOpen": 1.0}),
    ("mouthFunnel", {"mouthFunnel": 1.0}),
    ("mouthSmileLeft+Right", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}),
    ("eyeBlinkLeft+Right", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}),
    ("browInnerUp", {"browInnerUp": 1.0}),
    ("eyeLookOutLeft+InRight", {"eyeLookOutLeft": 1.0, "eyeLookInRight": 1.0}),
    ("jawOpen+mouthClose", {"jawOpen": 1.0, "mouthClose": 1.0}),
)


def set_pose(obj: bpy.types.Object, weights: dict[str, float]) -> None:
    for block in obj.data.shape_keys.key_blocks[1:]:
        block.value = weights.get(block.name, 0.0)


def setup_scene(width: int, height: int, samples: int) -> tuple[bpy.types.Scene, bpy.types.Object]:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    head = create_reference_head(scene)
    frame_face_camera(scene, head)
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = True
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGB"
    scene.view_settings.view_transform = "AgX" if "AgX" in _view_transforms(scene) else "Filmic"
    scene.render.use_stamp = True
    for flag in ("date", "time", "render_time", "frame", "frame_range", "memory", "hostname", "camera",
                 "lens", "scene", "marker", "filename", "sequencer_strip", "note"):
        if hasattr(scene.render, f"use_stamp_{flag}"):
            setattr(scene.render, f"use_stamp_{flag}", flag == "note")
    scene.render.stamp_font_size = 11
    scene.render.use_stamp_labels = False
    return scene, head


def _view_transforms(scene: bpy.types.Scene) -> list[str]:
    prop = scene.view_settings.bl_rna.properties["view_transform"]
    return [item.identifier for item in prop.enum_items]


def render_poses(out: Path, width: int, height: int, samples: int,
                 poses: tuple[tuple[str, dict[str, float]], ...] = POSES) -> dict[str, object]:
    scene, head = setup_scene(width, height, samples)
    tiles = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, (label, weights) in enumerate(poses):
            set_pose(head, weights)
            scene.render.stamp_note_text = label
            scene.render.filepath = str(Path(tmp) / f"pose{index}.png")
            bpy.ops.render.render(write_still=True)
            image = bpy.data.images.load(scene.render.filepath)
            pixels = np.empty(width * height * 4, dtype=np.float32)
            image.pixels.foreach_get(pixels)
            tiles.append(pixels.reshape(height, width, 4))  # bottom row first
            bpy.data.images.remove(image)
    columns = 4
    rows = (len(tiles) + columns - 1) // columns
    sheet = np.zeros((rows * height, columns * width, 4), dtype=np.float32)
    sheet[..., 3] = 1.0
    for index, tile in enumerate(tiles):
        row, col = divmod(index, columns)
        top = (rows - 1 - row) * height  # image rows run bottom-up
        sheet[top:top + height, col * width:(col + 1) * width] = tile
    image = bpy.data.images.new("contact_sheet", columns * width, rows * height, alpha=False)
    image.pixels.foreach_set(sheet.ravel())
    image.filepath_raw = str(out)
    image.file_format = "PNG"
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save()
    centre = [float(t[height // 4:3 * height // 4, width // 4:3 * width // 4, :3].mean()) for t in tiles]
    differs = [float(np.abs(t[..., :3] - tiles[0][..., :3]).mean()) for t in tiles]
    return {"sheet": str(out), "size": [columns * width, rows * height], "poses": [p[0] for p in poses],
            "centre_brightness": centre, "difference_from_neutral": differs}


def main() -> None:
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="192x240")
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--poses", default="", help="comma-separated pose numbers (default: all)")
    args = parser.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    poses = tuple(POSES[int(i)] for i in args.poses.split(",")) if args.poses else POSES
    print(json.dumps(render_poses(args.out.resolve(), width, height, args.samples, poses)))


if __name__ == "__main__":
    main()
