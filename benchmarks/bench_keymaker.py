#!/usr/bin/env python3
"""The key maker's speed and memory on heads of 5,676 / 12,810 / 22,555 vertices, side by side in one run.

    .venv/bin/python benchmarks/bench_keymaker.py [--repeat 1]

Heads: the reference head as one mesh (skin, eyeballs, teeth, tongue: 5,676 vertices), a sqrt(3)-
re-meshed test head (12,810) and the whole reference head Loop-subdivided (22,555, the "20,000-vertex
head"). Each is run in a fresh process (`--one`), so the peak resident memory (VmHWM) is that head's
alone; the process's resident memory after loading numpy, scipy and the reference head is shown beside
it. Time: `make_shape_keys` alone (wall, median of --repeat).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))
sys.path.insert(0, str(REPO / "benchmarks"))

HEADS = ("reference-head", "young-narrow-sqrt3", "reference-head-loop")


def build(name: str):  # type: ignore[no-untyped-def]
    from unitaf_backend.head import load_reference_head
    from unitaf_backend.keymaker.geometry import triangulate
    from unitaf_backend.keymaker.testheads import RECIPES, build_test_head, loop_subdivision

    head = load_reference_head()
    tris = triangulate(head.faces)
    if name == "reference-head":
        return head.basis.astype(float), tris
    if name == "reference-head-loop":
        r_mat, new_tris = loop_subdivision(len(head.basis), tris)
        return r_mat @ head.basis.astype(float), new_tris
    h = build_test_head(next(r for r in RECIPES if r.name == name))
    return h.vertices, h.tris


def one(name: str, repeat: int) -> dict:
    from measure import vm_kib
    from unitaf_backend.keymaker import make_shape_keys
    from unitaf_backend.keymaker.reference import reference_skin

    vertices, tris = build(name)
    reference_skin()
    base = vm_kib("VmRSS")
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        made = make_shape_keys(vertices, tris)
        times.append(time.perf_counter() - t0)
    times.sort()
    return {"head": name, "vertices": len(vertices), "seconds": times[len(times) // 2],
            "rss_before_mib": base / 1024, "peak_mib": vm_kib("VmHWM") / 1024, "summary": made.summary()}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--one", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.repeat)))
        return 0
    print("| head | vertices | seconds | RSS before MiB | peak RSS MiB |")
    print("|---|---:|---:|---:|---:|")
    for name in HEADS:
        run = subprocess.run([sys.executable, __file__, "--one", name, "--repeat", str(args.repeat)],
                             capture_output=True, text=True, check=True)
        r = json.loads(run.stdout.strip().splitlines()[-1])
        print(f"| {r['head']} | {r['vertices']:,} | {r['seconds']:.1f} | {r['rss_before_mib']:.0f} "
              f"| {r['peak_mib']:.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
