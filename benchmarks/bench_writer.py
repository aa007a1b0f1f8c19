#!/usr/bin/env python3
"""Writing shape-key animation: the add-on's writer (keyframe_points.add + foreach_set) against per-key
`keyframe_insert`, both in this run, on the same mesh and data (52 channels x 1,800 frames by default).

    .venv/bin/python benchmarks/bench_writer.py [--channels 52] [--frames 1800] [--repeat 5]
    .venv-bpy42/bin/python benchmarks/bench_writer.py        # the legacy-F-curve path on Blender 4.2

Prints the best-of-N time of our writer, the time of keyframe_insert (one run: it takes seconds), and the
ratio. The writer's time is `writer.write_key_action` alone (what apply_face_result adds per line).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bpy

from unitaf_blender.blender import writer
from unitaf_blender.core.channels import ARKIT_CHANNELS


def make_face(n_keys: int, names: list[str] | None = None):
    """A one-triangle mesh with the first `n_keys` ARKit shape keys (or the keys `names`)."""
    bpy.ops.wm.read_factory_settings(use_empty=True)
    mesh = bpy.data.meshes.new("bench")
    mesh.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    obj = bpy.data.objects.new("bench", mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis")
    for name in names if names is not None else ARKIT_CHANNELS[:n_keys]:
        obj.shape_key_add(name=name).value = 0.0
    return obj


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--channels", type=int, default=52)
    p.add_argument("--frames", type=int, default=1800)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()

    rng = np.random.default_rng(0)
    values = rng.random((args.frames, args.channels)).astype(np.float32)
    frames = np.arange(1, args.frames + 1, dtype=np.float32)
    names = list(ARKIT_CHANNELS[:args.channels])

    obj = make_face(args.channels)
    key = obj.data.shape_keys
    ours, ours_cpu = [], []
    for i in range(args.repeat):
        curves = {name: values[:, c] for c, name in enumerate(names)}
        t0, c0 = time.perf_counter(), time.process_time()
        written = writer.write_key_action(key, f"bench {i}", frames, curves)
        ours.append(time.perf_counter() - t0)
        ours_cpu.append(time.process_time() - c0)
        assert written.fcurve_count == args.channels
    best = min(ours)

    obj = make_face(args.channels)
    blocks = obj.data.shape_keys.key_blocks
    t0, c0 = time.perf_counter(), time.process_time()
    for c, name in enumerate(names):
        kb = blocks[name]
        for f in range(args.frames):
            kb.value = float(values[f, c])
            kb.keyframe_insert("value", frame=float(frames[f]))
    insert, insert_cpu = time.perf_counter() - t0, time.process_time() - c0

    n = args.channels * args.frames
    print(f"Blender {bpy.app.version_string}, {args.channels} channels x {args.frames} frames = {n:,} keys")
    print("  (wall clock; CPU time of this process in brackets: on a shared machine the CPU time is the fairer one)")
    print(f"  writer (add + foreach_set): {best * 1000:8.1f} ms [{min(ours_cpu) * 1000:.1f} ms]  "
          f"(best of {args.repeat}; median {np.median(ours) * 1000:.1f} ms)")
    print(f"  keyframe_insert per key:    {insert * 1000:8.1f} ms [{insert_cpu * 1000:.1f} ms]")
    print(f"  ratio:                      {insert / best:8.0f}x [{insert_cpu / min(ours_cpu):.0f}x]")


if __name__ == "__main__":
    main()
