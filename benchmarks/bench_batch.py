"""Batch throughput: 50 dialogue lines onto a scene, one after the other vs. with look-ahead synthesis.

    .venv/bin/python benchmarks/bench_batch.py                 # 50 lines, rules mode, in-process backend
    .venv/bin/python benchmarks/bench_batch.py --lines 20 --mode neural --workers 1 2

Prints, per setting, lines per minute, seconds of audio per wall-clock second and CPU seconds per line (all
threads of this process; steadier than wall time on a shared machine), and the backend's peak
memory (the process's peak RSS after bpy and the scene were loaded, minus what it was before the backend
was first used). The backend is warmed up with one line before anything is timed; every setting writes the
same lines into a fresh copy of the same scene; settings alternate over rounds and each one's best counts.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from measure import vm_kib

SENTENCES = (
    "Good morning, did you sleep well?",
    "I found the key under the mat, just where you said.",
    "Wait. What was that noise?",
    "It is only the wind in the chimney, nothing more.",
    "We have to leave before the sun goes down.",
    "Nobody told me the bridge was closed.",
    "Can you hand me the map from the glove box?",
    "That is the worst idea I have heard all week.",
    "Thank you, really, I mean it.",
    "The train was late again, of course.",
)
EMOTIONS = ("neutral", "happy", "sad", "angry", "surprised", "afraid", "calm", "disgusted", "melancholic")


class KeptOpen:
    """A backend whose close() does nothing, so several batch runs share one warm service."""

    def __init__(self, inner):
        self.inner = inner

    def info(self):
        return self.inner.info()

    def speak(self, request, progress=None, cancel=None):
        return self.inner.speak(request, progress, cancel)

    def animate(self, request, progress=None, cancel=None):
        return self.inner.animate(request, progress, cancel)

    def close(self):
        pass


def write_dialogue(path: Path, n: int, obj: str) -> None:
    rows = ["object,text,emotion,intensity"]
    for i in range(n):
        rows.append(f'{obj},"{SENTENCES[i % len(SENTENCES)]}",{EMOTIONS[i % len(EMOTIONS)]},0.8')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def build_scene(path: Path) -> str:
    import bpy

    from unitaf_blender.core.channels import ARKIT_CHANNELS
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = 24, 1.0
    bpy.ops.mesh.primitive_grid_add(x_subdivisions=8, y_subdivisions=8)
    obj = bpy.context.object
    obj.name = "Face"
    obj.shape_key_add(name="Basis")
    for channel in ARKIT_CHANNELS:
        obj.shape_key_add(name=channel).value = 0.0
    bpy.ops.wm.save_as_mainfile(filepath=str(path))
    return obj.name


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lines", type=int, default=50)
    p.add_argument("--mode", choices=("auto", "neural", "rules"), default="rules")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2],
                   help="worker counts to try with look-ahead (the strict one-by-one run is always done)")
    p.add_argument("--repeat", type=int, default=2, help="rounds over all settings (the best one counts)")
    p.add_argument("--backend", choices=("auto", "inprocess", "http"), default="auto")
    p.add_argument("--url", action="append", help="a running `unitaf serve` (repeat for several)")
    args = p.parse_args()

    from unitaf_blender import batch

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        scene = d / "scene.blend"
        obj = build_scene(scene)
        rss_before = vm_kib("VmRSS")
        write_dialogue(d / "warm.csv", 1, obj)
        write_dialogue(d / "lines.csv", args.lines, obj)

        shared = None
        if args.backend == "http" and not args.url:
            # One local service for every setting, started once (a batch run would start its own each time,
            # and the start-up would swamp the comparison). One client: so one worker only.
            from unitaf_blender.blender.backend_factory import make_backend
            shared = KeptOpen(make_backend("http"))
            args.workers = [1]

        def run(name: str, csv: str, overlap: bool, workers: int) -> batch.BatchReport:
            opts = batch.BatchOptions(dialogue=str(d / csv), save=str(d / f"{name}.blend"), blend=str(scene),
                                      mode=args.mode, overlap=overlap, workers=workers, backend=args.backend,
                                      urls=tuple(args.url or ()))
            sink = io.StringIO()              # the per-line log would drown the table
            report = batch.run_batch(opts, out=sink, open_backend=None if shared is None else lambda: shared)
            if report.failed:
                print(sink.getvalue(), file=sys.stderr)
                raise SystemExit(f"{name}: {len(report.failed)} line(s) failed")
            return report

        t0 = time.perf_counter()
        run("warm", "warm.csv", overlap=False, workers=1)
        print(f"warm-up (backend start and first line): {time.perf_counter() - t0:.1f} s")

        settings = [("one by one", False, 1)] + [(f"look-ahead, {w} worker(s)", True, w) for w in args.workers]
        # Rounds alternate the settings and the best round counts, so a burst of load from other programs
        # on a shared machine does not decide the comparison.
        best: dict[str, tuple[float, float, float, int]] = {}
        for round_no in range(args.repeat):
            for i, (name, overlap, workers) in enumerate(settings):
                cpu0 = time.process_time()
                r = run(f"run{round_no}_{i}", "lines.csv", overlap=overlap, workers=workers)
                cpu = (time.process_time() - cpu0) / len(r.landed)
                if name not in best or r.wall_s < best[name][0]:
                    best[name] = (r.wall_s, r.audio_s, cpu, len(r.landed))
        print(f"{args.lines} lines, mode {args.mode}, {os.cpu_count()} CPU cores, best of {args.repeat} round(s)")
        print(f"{'setting':<26} {'wall s':>8} {'lines/min':>10} {'audio s/wall s':>15} {'CPU s/line':>11}")
        for name, _, _ in settings:
            wall, audio, cpu, n = best[name]
            print(f"{name:<26} {wall:>8.1f} {60.0 * n / wall:>10.1f} {audio / wall:>15.2f} {cpu:>11.2f}")
        peak = vm_kib("VmHWM")
        if shared is not None:
            server = shared.inner.process.pid           # read before close() stops it
            print(f"backend peak memory: {vm_kib('VmHWM', server) / 1024:.0f} MiB (the service process)")
            shared.inner.close()
        else:
            print(f"backend peak memory: {max(0, peak - rss_before) / 1024:.0f} MiB above the scene "
                  f"(process peak RSS {peak / 1024:.0f} MiB, {rss_before / 1024:.0f} MiB before the backend)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
