#!/usr/bin/env python3
"""Retargeting speed: the viseme solver on a 60 s line at 60 fps beside the shape-key writer, in one run.

    .venv/bin/python benchmarks/bench_retarget.py [--seconds 60] [--fps 60] [--repeat 3]

The ARKit motion is a line spoken by the real backend (`unitaf speak` at the given fps), repeated to the
length asked for. Prints, per viseme set, the best-of-N time of `retarget_curves` (the solve for all the
set's visemes plus the feature extraction) as frames of compute per second, and the same for
`writer.write_key_action` writing those curves onto a mesh (what a line adds after retargeting), so the
two can be compared as a ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bpy
from bench_writer import make_face

from unitaf_blender.blender import writer
from unitaf_blender.core.retarget import VISEME_SETS, retarget_curves

LINE = "Bob made a happy map, but Pam sat by a big bump. Please bring my big brown bag, mom."


def spoken_motion(seconds: float, fps: int) -> tuple[np.ndarray, list[str]]:
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([str(REPO / ".venv" / "bin" / "unitaf"), "speak", LINE, "--fps", str(fps), "--out", out],
                       check=True, capture_output=True)
        anim = np.load(Path(out) / "animation.npz")
        weights, channels = anim["weights"].astype(np.float32), [str(c) for c in anim["channels"]]
    n = int(seconds * fps) + 1
    reps = -(-n // len(weights))
    return np.tile(weights, (reps, 1))[:n], channels


def best_of(repeat: int, fn) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--fps", type=int, default=60)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    weights, channels = spoken_motion(args.seconds, args.fps)
    n = len(weights)
    frames = np.arange(1, n + 1, dtype=np.float32)
    print(f"{args.seconds:g} s line at {args.fps} fps: {n} frames; Blender {bpy.app.version_string}")
    print(f"{'viseme set':10} {'visemes':>7} {'retarget ms':>12} {'frames/s':>10} {'writer ms':>10} "
          f"{'frames/s':>10} {'retarget/writer':>16}")
    for vs in VISEME_SETS:
        mapping = {f"{vs.name}_{v}": vs.source(v) for v in vs.signatures}
        curves: dict[str, np.ndarray] = {}

        def solve(mapping: dict[str, str] = mapping, curves: dict[str, np.ndarray] = curves) -> None:
            curves.update(retarget_curves(weights, channels, mapping, float(args.fps)))

        t_solve = best_of(args.repeat, solve)
        obj = make_face(len(mapping), list(mapping))
        key = obj.data.shape_keys

        def write(key=key, curves: dict[str, np.ndarray] = curves) -> None:
            written = writer.write_key_action(key, "bench", frames, curves)
            bpy.data.actions.remove(written.action)

        t_write = best_of(args.repeat, write)
        print(f"{vs.name:10} {len(mapping):7d} {t_solve * 1e3:12.1f} {n / t_solve:10.0f} {t_write * 1e3:10.1f} "
              f"{n / t_write:10.0f} {t_solve / t_write:15.1f}x")


if __name__ == "__main__":
    main()
