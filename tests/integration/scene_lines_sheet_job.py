"""A user's scene, end to end: two demo heads (Alice, Bob), panel defaults, the real backend in-process:
two lines of Alice and one of Bob, a retake of Alice's second line and an undo of it, save, reopen; then
one frame per line (the mouth at its most open) and one between lines, rendered to one contact sheet.

Run with the bpy wheel's Python (test_scene_lines_sheet.py does):
    python tests/integration/scene_lines_sheet_job.py OUT.png [--size 200] [--samples 8]
The two heads stand in the same place (one camera); each tile renders only its line's character.
Prints one JSON line: per tile its caption, frame, the object shown, its jawOpen there and what the
line's own Action says there, and how much each tile differs from the between-lines one.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "integration_bpy")]

import bpy
import numpy as np
from addon_helpers import push_undo, run_generate, undo

import unitaf_blender
from unitaf_blender import demo
from unitaf_blender.blender import backend_factory
from unitaf_blender.blender.head import create_reference_head
from unitaf_blender.blender.lines import lines_of
from unitaf_blender.blender.writer import fcurves_of
from unitaf_blender.core.inprocess import InProcessBackend

LINES = (("Alice", "Good morning, Bob. Did you sleep well?"), ("Bob", "Not at all, the storm kept me up."),
         ("Alice", "I heard it too. Coffee?"))


def build(folder: Path) -> Path:
    alice = demo.build_scene("Alice")
    scene = bpy.context.scene
    bob = create_reference_head(scene, name="Bob")     # in Alice's place: each tile renders one of them
    bob.hide_render = True
    path = folder / "conversation.blend"
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    start = 1
    for name, text in LINES:                                    # defaults only: text, target, start frame
        scene.unitaf.target = bpy.data.objects[name]
        assert run_generate(text=text, start_frame=start) == {"FINISHED"}, scene.unitaf.last_result
        start = max(ln.span.end for o in (alice, bob) for ln in lines_of(o)) + 12
    push_undo("three lines")
    scene.unitaf.target = bpy.data.objects["Alice"]
    second = max(lines_of(alice), key=lambda ln: ln.span.start)
    assert run_generate(text="Yes, I heard it. Coffee, anyone?", replace_line=second.line_id) == {"FINISHED"}
    undo()
    bpy.ops.wm.save_mainfile()
    bpy.ops.wm.open_mainfile(filepath=str(path))
    return path


def jaw_of_action(action, frame: int) -> float:
    curve = next(c for c in fcurves_of(action) if '"jawOpen"' in c.data_path)
    return float(curve.evaluate(frame))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--samples", type=int, default=8)
    args = parser.parse_args()
    unitaf_blender.register()
    backend_factory.set_test_backend(InProcessBackend())
    with tempfile.TemporaryDirectory() as tmp:
        build(Path(tmp))
        scene = bpy.context.scene
        tiles = []                                              # (caption, frame, object, action or None)
        found = sorted(((ln.span.start, name, ln) for name in ("Alice", "Bob")
                        for ln in lines_of(bpy.data.objects[name])), key=lambda t: t[0])
        for start, name, ln in found:
            [frame] = demo.pick_frames(ln.action, ln.span.start, ln.span.end + 1, 1)
            tiles.append((f"{name}: {ln.name[:28]}", frame, name, ln.action))
        gap = (found[0][2].span.end + found[1][2].span.start) // 2
        tiles.append(("Alice between lines", gap, "Alice", None))
        facts = []
        for caption, frame, name, action in tiles:
            scene.frame_set(frame)
            jaw = bpy.data.objects[name].data.shape_keys.key_blocks["jawOpen"].value
            facts.append({"caption": caption, "frame": frame, "object": name, "jawOpen": round(jaw, 4),
                          "line_says": None if action is None else round(jaw_of_action(action, frame), 4)})
        rows = [[t[1] for t in tiles]]
        # each tile alone, only its character shown, then joined
        sheet_parts = []
        for caption, frame, name, _a in tiles:
            for head in ("Alice", "Bob"):
                bpy.data.objects[head].hide_render = head != name
            part = Path(tmp) / f"tile{frame}.png"
            demo.render_contact_sheet(scene, [[frame]], part, args.size, args.samples, captions=[caption])
            img = bpy.data.images.load(str(part))
            px = np.empty(img.size[0] * img.size[1] * 4, np.float32)
            img.pixels.foreach_get(px)
            sheet_parts.append(px.reshape(img.size[1], img.size[0], 4))
            bpy.data.images.remove(img)
        sheet = np.concatenate(sheet_parts, axis=1)
        out = bpy.data.images.new("scene lines", sheet.shape[1], sheet.shape[0], alpha=True)
        out.pixels.foreach_set(sheet.ravel())
        out.filepath_raw = str(args.out)
        out.file_format = "PNG"
        args.out.parent.mkdir(parents=True, exist_ok=True)
        out.save()
        for fact, part in zip(facts, sheet_parts):
            fact["differs_from_gap"] = round(float(np.abs(part[..., :3] - sheet_parts[-1][..., :3]).mean()), 4)
        print(json.dumps({"sheet": str(args.out), "rows": rows, "tiles": facts}))


if __name__ == "__main__":
    main()
