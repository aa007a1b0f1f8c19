"""Render every row of a dialogue file into a line cache (speech + face per row, skipped when cached).

`unitaf render-lines DIALOGUE --out CACHE [--workers N] [--address auto|HOST:PORT|ray://HOST:PORT]`

Rows already in the cache are not computed again, so a re-run after a script edit computes only the rows
that changed, and an interrupted run resumes. With --workers N (default 2) the rows run on a pool of N Ray
actors, each holding one warm pipeline: a local Ray is started unless --address joins a running cluster
(`pip install .[cluster]`). --workers 0 computes every row in this process, without Ray. The Blender batch
reads the cache with `--cache CACHE` (docs/cluster.md). Exit 1 when a row failed (the rest is cached).
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dialogue", help="the dialogue file (.csv with a header row, or .json), as the batch reads")
    p.add_argument("--out", required=True, help="the cache folder (may be on shared storage)")
    p.add_argument("--workers", type=int, default=2, help="Ray actors, one warm pipeline each (0: this process)")
    p.add_argument("--address", default=None,
                   help="join a Ray cluster: auto, HOST:PORT or ray://HOST:PORT (default: start a local one)")
    p.add_argument("--fps", type=float, default=24.0, help="frame rate (the scene's, for the batch to find rows)")
    p.add_argument("--mode", choices=("auto", "neural", "rules"), default="auto", help="face model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head-motion", action="store_true", help="also compute head yaw/pitch/roll")
    p.add_argument("--retries", type=int, default=2, help="times a row is sent again after its worker died")


def run(args: argparse.Namespace) -> int:
    from ..cache.rows import RenderSettings, read_script
    from ..cache.store import LineCache
    from ..cache.version import pipeline_version
    from ..cluster.render import InProcess, render_script
    from ..errors import BadInput
    from ..pipeline.requests import check_common

    if args.workers < 0:
        raise BadInput("--workers must be 0 (this process) or more")
    check_common(args.fps, args.mode)
    script = read_script(args.dialogue, RenderSettings(fps=args.fps, mode=args.mode, seed=args.seed,
                                                       head_motion=args.head_motion))
    version = pipeline_version()
    cache = LineCache(args.out)
    cache.prepare(version)
    if args.workers == 0:
        if args.address:
            raise BadInput("--address needs --workers 1 or more")
        summary = render_script(script, cache, version, InProcess(), sys.stderr)
    else:
        from ..cluster.ray_pool import RayPool
        with RayPool(workers=args.workers, address=args.address, retries=args.retries, stream=sys.stderr) as pool:
            summary = render_script(script, cache, version, pool, sys.stderr)
    print(summary.text())
    return 1 if summary.failed else 0
