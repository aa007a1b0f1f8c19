"""Render the primitive head (tools/primitive_head.py: not the reference, another topology) after the
key maker gave it the 52 ARKit keys, in eight poses, into one contact sheet PNG. Run with the bpy wheel:

    python tests/integration/keymaker_render_job.py OUT.png [--size 160x200] [--samples 8]

The last pose is a frame of a spoken line (the rules articulation of "Hello there", at its widest
mouth). Prints one JSON line as head_render_job.py does, plus the key maker's summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import bpy
import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tools"))
sys.path.insert(0, str(REPO / "tests" / "integration"))

import head_render_job
import primitive_head

from unitaf_blender.blender.head import frame_face_camera
from unitaf_blender.blender.keymaker import make_arkit_keys


def spoken_frame() -> dict[str, float]:
    """The frame of 'Hello there' (rules mouth) where jawOpen - mouthClose is largest."""
    from unitaf_backend.channels import ARKIT_CHANNELS
    from unitaf_backend.pipeline import SpeakRequest, speak

    w = np.asarray(speak(SpeakRequest("Hello there", mode="rules")).weights)
    jaw, close = ARKIT_CHANNELS.index("jawOpen"), ARKIT_CHANNELS.index("mouthClose")
    frame = int(np.argmax(w[:, jaw] - w[:, close]))
    return {name: float(v) for name, v in zip(ARKIT_CHANNELS, w[frame]) if v > 0.01}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", default="160x200")
    parser.add_argument("--samples", type=int, default=8)
    args = parser.parse_args(sys.argv[1:])
    width, height = (int(v) for v in args.size.split("x"))
    made: dict[str, str] = {}
    original = head_render_job.setup_scene

    def setup_scene(w: int, h: int, samples: int):  # the same lights, camera and render settings
        scene, reference = original(w, h, samples)
        bpy.data.objects.remove(reference)
        vertices, faces = primitive_head.build()
        mesh = bpy.data.meshes.new("PrimitiveHead")
        mesh.from_pydata([tuple(v) for v in vertices], [], faces)
        mesh.update()
        for poly in mesh.polygons:
            poly.use_smooth = True
        head = bpy.data.objects.new("PrimitiveHead", mesh)
        scene.collection.objects.link(head)
        for obj in [o for o in scene.objects if o.type in ("CAMERA", "LIGHT")]:
            bpy.data.objects.remove(obj)
        frame_face_camera(scene, head)
        made["message"] = make_arkit_keys(head).message(head.name)
        return scene, head

    head_render_job.setup_scene = setup_scene
    poses = (
        ("neutral", {}),
        ("jawOpen", {"jawOpen": 1.0}),
        ("jawOpen+mouthClose", {"jawOpen": 1.0, "mouthClose": 1.0}),
        ("mouthSmile L+R", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}),
        ("mouthFunnel", {"mouthFunnel": 1.0}),
        ("eyeBlink L+R", {"eyeBlinkLeft": 1.0, "eyeBlinkRight": 1.0}),
        ("browInnerUp", {"browInnerUp": 1.0}),
        ("'Hello there'", spoken_frame()),
    )
    try:
        facts = head_render_job.render_poses(args.out.resolve(), width, height, args.samples, poses)
    finally:
        head_render_job.setup_scene = original
    facts["keymaker"] = made.get("message", "")
    print(json.dumps(facts))


if __name__ == "__main__":
    main()
