"""Lines per minute of `unitaf render-lines` on 1 and 2 Ray workers beside the single-process batch on the
same lines, and the time to assemble 1,000 cached lines into a .blend (target < 10 s).

    .venv/bin/python benchmarks/bench_cluster.py                       # 200 lines, rules mode
    .venv/bin/python benchmarks/bench_cluster.py --lines 60 --mode auto

Every figure is a fresh process, timed from its start to its end (imports, Ray start, model loading, the
work): the single-process batch writes the .blend too (speech + face + assembly), render-lines fills a
fresh cache. The per-line compute rate inside render-lines (after its start) is printed beside it. The
1,000-line scene reads a cache that render-lines filled for its 100 distinct lines (3 characters), with
`--url` pointing at a closed port, so no backend can be used.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BATCH = REPO / "unitaf_blender" / "batch.py"
WORDS = ("the door", "a quiet morning", "the old house", "your brother", "the last train", "that letter",
         "the garden", "a long winter", "the market", "our promise")
VERBS = ("I saw", "Did you find", "We lost", "They remember", "You forgot")

SCENE = r"""
import sys, bpy
sys.path.insert(0, sys.argv[-2])
from unitaf_blender.core.channels import ARKIT_CHANNELS
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.context.scene.render.fps = 24
for name in ("Ann", "Bob", "Cy"):
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4)
    obj = bpy.context.object
    obj.name = name
    obj.shape_key_add(name="Basis")
    for channel in ARKIT_CHANNELS:
        obj.shape_key_add(name=channel)
bpy.ops.wm.save_as_mainfile(filepath=sys.argv[-1])
"""


def sentence(i: int) -> str:
    return f"{VERBS[i % len(VERBS)]} {WORDS[(i // len(VERBS)) % len(WORDS)]}, number {i}?"


def write_dialogue(path: Path, n: int, distinct: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "object", "text", "emotion"])
        for i in range(n):
            w.writerow([f"l{i}", ("Ann", "Bob", "Cy")[i % 3], sentence(i % distinct), ("", "happy")[i % 2]])


def run(cmd: list[str]) -> tuple[float, str]:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout[-1500:]}{done.stderr[-1500:]}")
    return wall, done.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=200)
    ap.add_argument("--mode", default="rules", choices=("auto", "neural", "rules"))
    ap.add_argument("--assembly-lines", type=int, default=1000)
    args = ap.parse_args()
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-cluster-") as tmp:
        d = Path(tmp)
        scene = d / "scene.blend"
        run([py, "-c", SCENE, str(REPO), str(scene)])
        script = d / "lines.csv"
        write_dialogue(script, args.lines, args.lines)
        rows = []
        wall, _ = run([py, str(BATCH), str(scene), "--dialogue", str(script), "--save", str(d / "single.blend"),
                       "--backend", "inprocess", "--mode", args.mode])
        rows.append(("single-process batch (compute + .blend)", wall, ""))
        for workers in (1, 2):
            wall, out = run([py, "-m", "unitaf_backend", "render-lines", str(script), "--out", str(d / f"c{workers}"),
                             "--workers", str(workers), "--mode", args.mode])
            inner = re.search(r"([\d.]+) lines/min in", out)
            rows.append((f"render-lines, {workers} Ray worker(s)", wall,
                         f"{inner.group(1)} lines/min after start" if inner else ""))
        print(f"{args.lines} lines, mode {args.mode}:")
        base = 60.0 * args.lines / rows[0][1]
        for name, wall, note in rows:
            rate = 60.0 * args.lines / wall
            print(f"  {name:44s} {wall:7.1f} s  {rate:7.1f} lines/min  x{rate / base:4.2f}  {note}")

        n = args.assembly_lines
        big = d / "big.csv"
        write_dialogue(big, n, 50)                  # 50 sentences x 2 emotions = 100 distinct lines
        run([py, "-m", "unitaf_backend", "render-lines", str(big), "--out", str(d / "big-cache"), "--workers", "0",
             "--mode", args.mode])
        wall, out = run([py, str(BATCH), str(scene), "--dialogue", str(big), "--save", str(d / "big.blend"),
                         "--mode", args.mode, "--cache", str(d / "big-cache"), "--url", "http://127.0.0.1:9"])
        landed = re.search(r"(\d+) (?:line|row)s? (?:landed|written|new)", out)
        print(f"assembly of {n} cached lines into a .blend (no backend): {wall:.1f} s "
              f"(target < 10 s){'; ' + landed.group(0) if landed else ''}")
        driver_cost(d / "big-cache")


def driver_cost(cache_dir: Path) -> None:
    """What the driver does per line whatever the number of workers: store the entry, and read it back."""
    sys.path.insert(0, str(REPO / "backend"))
    from unitaf_backend.cache import LineCache, LineRecipe
    from unitaf_backend.cache.store import read_entry
    entries = [p.parent for p in sorted(cache_dir.glob("*/*/entry.json"))][:50]
    lines = [read_entry(e, e.name) for e in entries]
    size = sum(f.stat().st_size for e in entries for f in e.iterdir()) / len(entries)
    store = LineCache(cache_dir.parent / "driver-cost")
    store.prepare("bench")
    t0 = time.perf_counter()
    for i, line in enumerate(lines):
        assert line is not None
        store.put(f"{i:064x}", LineRecipe(kind="speak", text=str(i)), "bench", line)
    put_ms = 1000 * (time.perf_counter() - t0) / len(lines)
    t0 = time.perf_counter()
    for i in range(len(lines)):
        store.get(f"{i:064x}")
    get_ms = 1000 * (time.perf_counter() - t0) / len(lines)
    print(f"driver per line: store {put_ms:.1f} ms, read {get_ms:.1f} ms, entry {size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
