"""Start-up and many-file throughput of the backend, the default (onnxruntime) path beside the torch path.

    .venv/bin/python benchmarks/bench_startup.py               # 3 cold runs each, 100 recordings
    .venv/bin/python benchmarks/bench_startup.py --repeat 1 --recordings 20

Each figure is a fresh process (cold: imports, model loading and the work, until the outputs are written),
run once with the defaults and once with UNITAF_A2F_RUNTIME=torch (the A2F networks on torch, as before
the ONNX export); medians over --repeat runs, alternating the two. Targets on the 2-core machine:
animate 4 s WAV <= 1.5 s; 100 recordings of 2-6 s in one call >= 40x real time; speak of a 2 s line
<= 2 s; serve to its ready line <= 0.5 s and to its first line done <= 1.5 s; peak RSS of serve after a
text line and a recording <= 450 MB. Last, the A2F decoder alone: onnxruntime vs torch on 10 s of features.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from measure import timed, vm_kib  # noqa: E402

BIN = Path(sys.executable).parent
TWO_SECOND_LINE = "Hello there, how are you today?"
PATHS = {"onnx (default)": {}, "torch": {"UNITAF_A2F_RUNTIME": "torch"}}


def env_for(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "UNITAF_A2F_RUNTIME"}
    return {**env, **extra}


def cold(cmd: list[str], extra: dict[str, str], cwd: Path) -> float:
    t0 = time.perf_counter()
    run = subprocess.run(cmd, cwd=cwd, env=env_for(extra), capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{run.stderr[-2000:]}")
    return wall


def make_recordings(folder: Path, count: int, seed: int = 0) -> tuple[Path, list[Path], float]:
    """A 4 s recording and `count` recordings of 2-6 s, cut from real speech of several voices."""
    from unitaf_backend import speech
    from unitaf_backend.a2f.corpus import HELD_OUT_VOICES, heldout_sentences

    lines = sorted(heldout_sentences())[:12]
    voices = [None, *HELD_OUT_VOICES[:2]]
    parts = [speech.synthesize(line, emotion=np.zeros(8, np.float32), voice=voices[i % len(voices)], seed=0)
             for i, line in enumerate(lines)]
    rate = 22050
    from unitaf_backend.audio import resample
    pool = np.concatenate([resample(p.audio, p.sample_rate, rate) for p in parts])
    rng = np.random.default_rng(seed)
    four = folder / "four_seconds.wav"
    sf.write(four, pool[: 4 * rate], rate, subtype="PCM_16")
    many = folder / "many"
    many.mkdir()
    paths, total = [], 0.0
    for i in range(count):
        n = int(rng.uniform(2.0, 6.0) * rate)
        start = int(rng.integers(0, len(pool) - n))
        path = many / f"take{i:03d}.wav"
        sf.write(path, pool[start:start + n], rate, subtype="PCM_16")
        paths.append(path)
        total += n / rate
    return four, paths, total


def serve_once(extra: dict[str, str], wav: Path) -> tuple[float, float, float]:
    """(launch -> ready line, launch -> first line done, peak RSS MB after a line and a recording)."""
    from unitaf_blender.core.backend_api import AnimateRequest, SpeakRequest
    from unitaf_blender.core.http_client import HttpBackend

    t0 = time.perf_counter()
    proc = subprocess.Popen([str(BIN / "python"), "-m", "unitaf_backend.service", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.PIPE,
                            env=env_for(extra), text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        ready = time.perf_counter() - t0
        port = int(line.split("port=")[1].split()[0])
        http = HttpBackend(f"http://127.0.0.1:{port}", token=None, timeout=120)
        http.speak(SpeakRequest(text=TWO_SECOND_LINE))
        first = time.perf_counter() - t0
        http.animate(AnimateRequest(wav_bytes=wav.read_bytes()))
        peak = vm_kib("VmHWM", proc.pid) / 1024
    finally:
        proc.terminate()
        proc.wait(10)
    return ready, first, peak


def decoder_speed() -> tuple[float, float]:
    from unitaf_backend.a2f import infer, shipped
    from unitaf_backend.a2f.runtime import OnnxRuntime, TorchRuntime

    onnx_rt = OnnxRuntime(shipped.weights_dir())
    torch_rt = TorchRuntime(infer.load_model(device="cpu"))
    rng = np.random.default_rng(0)
    feats = rng.normal(size=(500, onnx_rt.cfg.enc_dim)).astype(np.float32)
    emo = np.zeros(8, np.float32)
    return (timed(lambda: infer.decode_windowed(onnx_rt, feats, emo), 20),
            timed(lambda: infer.decode_windowed(torch_rt, feats, emo), 20))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeat", type=int, default=3, help="cold runs per figure (median)")
    p.add_argument("--recordings", type=int, default=100, help="recordings in the many-files run")
    args = p.parse_args()
    rows: dict[str, dict[str, list[float]]] = {name: {} for name in PATHS}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        four, many, many_s = make_recordings(work, args.recordings)
        print(f"{args.recordings} recordings, {many_s:.0f} s of audio; {os.cpu_count()} CPUs", flush=True)
        for r in range(args.repeat):
            for name, extra in PATHS.items():
                got = rows[name]
                got.setdefault("animate 4 s WAV, cold (s)", []).append(
                    cold([str(BIN / "unitaf"), "animate", str(four), "--out", f"a{r}{len(name)}"], extra, work))
                got.setdefault("speak 2 s line, cold (s)", []).append(
                    cold([str(BIN / "unitaf"), "speak", TWO_SECOND_LINE, "--out", f"s{r}{len(name)}"], extra, work))
                ready, first, peak = serve_once(extra, four)
                got.setdefault("serve: launch -> ready line (s)", []).append(ready)
                got.setdefault("serve: launch -> first line done (s)", []).append(first)
                got.setdefault("serve: peak RSS after a line + a recording (MB)", []).append(peak)
                print(f"  run {r + 1} {name} done", flush=True)
        for name, extra in PATHS.items():
            wall = cold([str(BIN / "unitaf"), "animate", *map(str, many), "--out", f"many-{len(name)}"], extra, work)
            rows[name][f"{args.recordings} recordings in one call (x real time)"] = [many_s / wall]
    targets = {"animate": "<= 1.5", "speak": "<= 2", "ready line": "<= 0.5", "first line": "<= 1.5",
               "RSS": "<= 450", "real time": ">= 40"}
    names = list(PATHS)
    print(f"\n{'':52}" + "".join(f"{n:>16}" for n in names) + f"{'target':>10}")
    for key in rows[names[0]]:
        target = next((t for k, t in targets.items() if k in key), "")
        cells = "".join(f"{statistics.median(rows[n][key]):>16.2f}" for n in names)
        print(f"{key:52}{cells}{target:>10}")
    onnx_s, torch_s = decoder_speed()
    print(f"\nA2F decoder on 10 s of features (500 frames): onnxruntime {onnx_s * 1000:.1f} ms, "
          f"torch {torch_s * 1000:.1f} ms, torch / onnx = {torch_s / onnx_s:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
