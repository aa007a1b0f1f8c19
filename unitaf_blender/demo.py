"""The newcomer's demo: a talking head in one command.

    .venv/bin/python unitaf_blender/demo.py                 # with the bpy wheel (what scripts/demo.sh runs)
    blender -b --python unitaf_blender/demo.py -- --out demo

With no arguments it builds a scene with the demo head, a camera and lights, speaks three lines with
different emotions through the batch driver (so the demo also shows the batch at work: the lines follow
each other half a second apart, and the face eases from one expression into the next), saves
``demo/demo.blend`` (audio in ``demo/unitaf_audio/``, referenced relatively), renders a contact sheet of
frames with Cycles on the CPU as ``demo/preview.png`` (a row per line, then a row of the gaps between
them), and prints where everything is.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __name__ == "__main__" and not __package__:
    # Run as a script: make the add-on package this file lives in importable (see batch.py).
    _here = Path(__file__).resolve().parent
    sys.path.insert(0, str(_here.parent))
    __package__ = _here.name
    importlib.import_module(__package__)

import itertools

from . import batch

# (text, emotion, intensity): three moods, so the sheet shows the face change with the line.
DEMO_LINES: tuple[tuple[str, str, float], ...] = (
    ("Hello there! It's so good to see you again.", "happy", 0.9),
    ("Wait, what was that? Did you hear it too?", "surprised", 0.9),
    ("Oh no. I think we missed the last train home.", "sad", 0.8),
)
HEAD_NAME = "DemoHead"
FPS = 24


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="demo.py", description="Build, speak, save and render the UniTAF demo.")
    p.add_argument("--out", default="demo", help="output folder (default: ./demo)")
    p.add_argument("--mode", choices=("auto", "neural", "rules"), default="auto", help="face model")
    p.add_argument("--columns", type=int, default=4, help="frames per line on the contact sheet")
    p.add_argument("--size", type=int, default=240, help="width of one frame on the sheet, in pixels")
    p.add_argument("--samples", type=int, default=8, help="Cycles samples per frame (denoised)")
    p.add_argument("--no-render", action="store_true", help="skip the contact sheet")
    p.add_argument("--head", metavar="FILE.obj",
                   help="speak with this head (an OBJ without shape keys: the ARKit keys are made for it)")
    return p


# ------------------------------------------------------------------------------------------------ scene

def build_scene(head_name: str = HEAD_NAME, head_file: str | None = None) -> Any:
    """An empty scene with the demo head (or the head in `head_file`), a portrait camera and three-point
    lighting; returns the head."""
    import bpy

    from .blender.head import create_reference_head, frame_face_camera

    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene: Any = bpy.context.scene
    scene.render.fps, scene.render.fps_base = FPS, 1.0
    if head_file:
        from .blender.keymaker import import_obj_head
        head = import_obj_head(scene, head_file, head_name)
    else:
        head = create_reference_head(scene, name=head_name)
    camera = frame_face_camera(scene, head)
    # A little closer than the head-and-neck portrait, and lower, so the mouth is large on the sheet.
    camera.data.lens *= 1.2
    camera.data.shift_y = -0.06
    return head


def write_dialogue(path: Path, head_name: str = HEAD_NAME) -> None:
    import csv
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["object", "text", "emotion", "intensity"])
        for text, emotion, intensity in DEMO_LINES:
            w.writerow([head_name, text, emotion, intensity])


# ------------------------------------------------------------------------------------------------ preview

def pick_frames(action: Any, start: int, end: int, count: int, channel: str = "jawOpen") -> list[int]:
    """``count`` frames spread over [start, end): in each equal part the mouth at its most open, then at its
    most closed, and so on, so the sheet shows the mouth moving rather than one pose."""
    from .blender.writer import fcurves_of

    curve = next((c for c in fcurves_of(action) if f'"{channel}"' in c.data_path), None)
    bounds = [start + round(i * (end - start) / count) for i in range(count + 1)]
    frames = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        candidates = range(a, max(a + 1, b))
        if curve is None:
            frames.append((a + b) // 2)
        else:
            pick = max if i % 2 == 0 else min
            frames.append(pick(candidates, key=lambda f: curve.evaluate(f)))
    return frames


def between_frames(spans: list[tuple[int, int]], count: int) -> list[int]:
    """``count`` frames in the gaps between consecutive lines (spans are [start, end)), spread evenly over
    each gap, so the sheet's last row shows one expression easing into the next."""
    gaps = [(end, nxt) for (_, end), (nxt, _) in itertools.pairwise(sorted(spans))]
    if not gaps:
        return []
    frames = []
    for i, (a, b) in enumerate(gaps):
        n = count // len(gaps) + (1 if i < count % len(gaps) else 0)
        frames += [a + round((k + 1) * (b - a) / (n + 1)) for k in range(n)]
    return frames


def stamp_captions(scene: Any) -> None:
    """Burn a caption into each rendered frame with Blender's own stamp (no image library needed)."""
    r = scene.render
    for name in dir(r):
        if name.startswith("use_stamp_") and name != "use_stamp_labels":
            try:
                setattr(r, name, False)
            except (AttributeError, TypeError):
                pass
    r.use_stamp = True
    r.use_stamp_note = True
    r.use_stamp_labels = False
    r.stamp_font_size = 12
    r.stamp_background = (0.0, 0.0, 0.0, 0.85)


def _cycles_has_oidn() -> bool:
    try:
        import _cycles  # Cycles' own module, present wherever Cycles is
    except ImportError:
        return False
    return bool(getattr(_cycles, "with_openimagedenoise", False))


def render_contact_sheet(scene: Any, rows: list[list[int]], path: Path, size: int, samples: int,
                         captions: list[str] | None = None, denoise: bool = False) -> None:
    """Render every frame (Cycles, CPU, small) and tile them: one row per line, time left to right."""
    import bpy
    import numpy as np

    cols = max(len(r) for r in rows)
    tile_w, tile_h = size, round(size * 1.15)
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    # Denoising lets a few samples look clean; builds without OpenImageDenoise render the noisy image.
    with blender_quiet():         # Cycles reports on the GPU libraries it looks for here
        scene.cycles.use_denoising = bool(denoise and _cycles_has_oidn())
        if scene.cycles.use_denoising:
            scene.cycles.denoiser = "OPENIMAGEDENOISE"
    scene.render.resolution_x, scene.render.resolution_y = tile_w, tile_h
    scene.render.resolution_percentage = 100
    scene.render.image_settings.file_format = "PNG"
    scene.render.image_settings.color_mode = "RGBA"
    pad = 4
    sheet_w, sheet_h = cols * (tile_w + pad) + pad, len(rows) * (tile_h + pad) + pad
    sheet = np.zeros((sheet_h, sheet_w, 4), dtype=np.float32)
    sheet[..., :3], sheet[..., 3] = 0.12, 1.0
    if captions:
        stamp_captions(scene)
    done, total = 0, sum(map(len, rows))
    with tempfile.TemporaryDirectory() as tmp:
        for r, frames in enumerate(rows):
            for c, frame in enumerate(frames):
                scene.frame_set(frame)
                if captions:
                    scene.render.stamp_note_text = f"{captions[r]}  frame {frame}"
                scene.render.filepath = os.path.join(tmp, f"f{frame:05d}.png")
                done += 1
                print(f"  frame {frame:>4} ({done}/{total})", flush=True)
                with blender_quiet():
                    bpy.ops.render.render(write_still=True)
                img: Any = bpy.data.images.load(scene.render.filepath)
                px = np.empty(tile_w * tile_h * 4, dtype=np.float32)
                img.pixels.foreach_get(px)
                bpy.data.images.remove(img)
                # Blender's pixel rows go bottom-up; the sheet's first row is at the top.
                y0 = sheet_h - (r + 1) * (tile_h + pad)
                x0 = pad + c * (tile_w + pad)
                sheet[y0:y0 + tile_h, x0:x0 + tile_w] = px.reshape(tile_h, tile_w, 4)
    out: Any = bpy.data.images.new("UniTAF contact sheet", sheet_w, sheet_h, alpha=True)
    out.pixels.foreach_set(sheet.ravel())
    out.filepath_raw = str(path)
    out.file_format = "PNG"
    out.save()
    bpy.data.images.remove(out)


# ------------------------------------------------------------------------------------------------ main

def blender_quiet() -> Any:
    """Blender's own stdout hidden while it renders (the batch's scene I/O does the same when it saves)."""
    from .blender.batch_scene import blender_quiet as quiet
    return quiet()


def main(argv: list[str] | None = None) -> int:
    args_in, _ = batch.script_args(sys.argv if argv is None else argv)
    args = build_parser().parse_args(args_in)
    import bpy

    t0 = time.perf_counter()
    out_dir = Path(args.out).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    blend, preview, lines = out_dir / "demo.blend", out_dir / "preview.png", out_dir / "lines.csv"

    print("UniTAF demo: building the scene (demo head, camera, lights)")
    try:
        build_scene(head_file=args.head)
    except (FileNotFoundError, ValueError) as exc:     # the head file is missing or damaged
        print(f"demo: {exc}", file=sys.stderr)
        return batch.EXIT_CANNOT_RUN
    write_dialogue(lines)
    opts = batch.BatchOptions(dialogue=str(lines), save=str(blend), mode=args.mode,
                              make_shape_keys=HEAD_NAME if args.head else None)
    try:
        report = batch.run_batch(opts)
    except (batch.BackendError, batch.KeymakerError) as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return batch.EXIT_CANNOT_RUN
    print(report.summary())
    if report.failed:
        return report.exit_code

    if not args.no_render:
        scene = bpy.context.scene
        rows = [pick_frames(bpy.data.actions[o.action], o.frame_start, o.frame_end, args.columns)
                for o in report.landed]
        rows.append(between_frames([(o.frame_start, o.frame_end) for o in report.landed], args.columns))
        print(f"rendering {sum(map(len, rows))} frames (Cycles, CPU, {args.samples} samples) ...")
        captions = [f"{e} {i:.1f}" for _, e, i in DEMO_LINES]
        captions.append("between lines")
        render_contact_sheet(scene, rows, preview, args.size, args.samples, captions, denoise=True)

    print()
    print(f"  scene:    {blend}")
    print(f"  audio:    {out_dir / 'unitaf_audio'}  (relative paths in the .blend)")
    print(f"  dialogue: {lines}  (re-run it with: python unitaf_blender/batch.py {blend} "
          f"--dialogue {lines} --save {blend} --replace)")
    if not args.no_render:
        print(f"  preview:  {preview}  (rows: {', '.join(e for _, e, _ in DEMO_LINES)}, then the gaps between "
              "them; time runs left to right)")
    print(f"  open it:  blender {blend}   then press Space to play with sound")
    print(f"done in {time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
