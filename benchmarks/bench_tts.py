"""Real-time factor of each TTS engine on ~30 s of speech, and the process's peak memory.

    .venv/bin/python benchmarks/bench_tts.py [--repeats 3] [--engines piper,espeak]
    .venv/bin/python benchmarks/bench_tts.py --emotions      # how each preset moves duration, f0, RMS

RTF = synthesis time / audio duration (lower is faster; < 1 is faster than real time), measured on a
warm engine (the first call, which loads the model, is reported separately). Both wall-clock and
process CPU time are given: on a shared machine the wall figure includes waiting for a core.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import time

import numpy as np
from unitaf_backend import speech

TEXT = (
    "The lighthouse keeper climbed the narrow stairs every evening at six. From the top he could see the "
    "whole bay, the fishing boats coming home, and the gulls circling over the harbour. Some nights the fog "
    "rolled in so thick that he could barely see his own hands, and then he would light the great lamp and "
    "wind the old clockwork that turned it. He had done this for thirty two years. Nobody in the village "
    "remembered a time when the light had failed, and he meant to keep it that way until the day he retired."
)
VOICES = {"piper": "en_US-joe-medium", "espeak": "espeak-en-us"}


def peak_memory_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux reports KiB


def bench(engine: str, repeats: int) -> dict[str, float]:
    voice = VOICES[engine]
    t0 = time.perf_counter()
    speech.synthesize("Warm up.", voice=voice)
    first_call = time.perf_counter() - t0
    walls, cpus, duration = [], [], 0.0
    for k in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        spoken = speech.synthesize(TEXT, voice=voice, seed=k)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
        duration = spoken.duration
    return {"audio_s": duration, "first_call_s": first_call, "rtf_wall": float(np.median(walls)) / duration,
            "rtf_cpu": float(np.median(cpus)) / duration, "peak_mb": peak_memory_mb()}


EMOTION_TEXT = "I never thought we would see the ocean again. The waves were bright and the wind was warm."


def emotion_table(engines: list[str]) -> None:
    """Each preset against neutral on the same text and seed: duration ratio, mean f0 and RMS change."""
    from unitaf_backend.emotion import EMOTIONS
    from unitaf_backend.speech import prosody

    def measure(name: str, voice: str) -> np.ndarray:
        s = speech.synthesize(EMOTION_TEXT, emotion=name, voice=voice, seed=0)
        return np.array([s.duration, prosody.mean_f0(s.prosody.f0), np.sqrt(np.mean(s.audio.astype(np.float64) ** 2))])

    for engine in engines:
        base = measure("neutral", VOICES[engine])
        print(f"{engine}: neutral {base[0]:.2f} s, mean f0 {base[1]:.1f} Hz, RMS {base[2]:.4f}")
        for name in EMOTIONS:
            d, f, r = measure(name, VOICES[engine]) / base
            print(f"  {name:12s} duration x{d:.3f}  f0 {12 * np.log2(f):+.2f} st  RMS {20 * np.log10(r):+.2f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--engines", default="piper,espeak")
    parser.add_argument("--emotions", action="store_true", help="print the emotion presets' measured effect")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emotions:
        emotion_table([e.strip() for e in args.engines.split(",")])
        return
    if args.child:      # one engine in this process, so the peak memory is that engine's own
        r = bench(args.engines, args.repeats)
        print(f"{args.engines:8s} {r['audio_s']:8.1f} {r['first_call_s']:7.2f} {r['rtf_wall']:9.3f} "
              f"{r['rtf_cpu']:8.3f} {r['peak_mb']:8.0f}", flush=True)
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"{'engine':8s} {'audio s':>8s} {'load s':>7s} {'RTF wall':>9s} {'RTF cpu':>8s} {'peak MB':>8s}",
          flush=True)
    for engine in args.engines.split(","):
        subprocess.run([sys.executable, __file__, "--child", "--engines", engine.strip(),
                        "--repeats", str(args.repeats)], check=True)
    print("each engine runs in its own process; peak MB is that process's resident peak (Python, numpy,\n"
          "onnxruntime and the model included); RTF cpu counts every thread's CPU time")


if __name__ == "__main__":
    main()
