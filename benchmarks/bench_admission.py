"""What the admission checks cost per request, beside the normal line they guard, in one run.

    .venv/bin/python benchmarks/bench_admission.py            # 20 repeats each
    .venv/bin/python benchmarks/bench_admission.py --repeat 5

Text: the predicted-speech check (`pipeline.check_speech_length`: front end + eSpeak phone count) on a
typical line and on the 5,000-character maximum, beside speaking the typical line (`pipeline.speak`).
Audio: the header admission alone (`audio.read_header`) and the whole block decode (`audio.read_wav`) of a
4 s 48 kHz stereo WAV, beside animating it (`pipeline.animate`); and the refusal of a 590 s, 8-channel FLAC
of silence from its header. Medians in milliseconds, and each check as a share of the work it guards.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

LINE = "Hello there, how are you today? I hope the weather is kind to you."
PROSE = ("We walked down to the harbour, where the boats were waiting for the morning tide. " * 70)[:5000]


def median_ms(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def wav_bytes(seconds: float, rate: int = 48_000, channels: int = 2) -> bytes:
    t = np.arange(int(seconds * rate)) / rate
    tone = (0.2 * np.sin(2 * np.pi * 180 * t) * (1 + np.sin(2 * np.pi * 3 * t))).astype(np.float32) / 2
    buf = io.BytesIO()
    sf.write(buf, np.stack([tone] * channels, 1), rate, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def bomb() -> bytes:
    buf = io.BytesIO()
    with sf.SoundFile(buf, "w", samplerate=48_000, channels=8, format="FLAC", subtype="PCM_16") as f:
        for _ in range(59):
            f.write(np.zeros((480_000, 8), np.int16))
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=20)
    args = ap.parse_args()
    from unitaf_backend import audio, pipeline
    from unitaf_backend.errors import BadInput
    from unitaf_backend.pipeline.requests import check_speech_length

    pipeline.speak(pipeline.SpeakRequest(text="Ready.", mode="rules"))        # models loaded first
    speak_ms = median_ms(lambda: pipeline.speak(pipeline.SpeakRequest(text=LINE, mode="rules")),
                         max(3, args.repeat // 4))
    check_line_ms = median_ms(lambda: check_speech_length(LINE, None), args.repeat)
    check_prose_ms = median_ms(lambda: check_speech_length(PROSE, None), args.repeat)

    data = wav_bytes(4.0)
    header_ms = median_ms(lambda: audio.read_header(data), args.repeat)
    decode_ms = median_ms(lambda: audio.read_wav(data), args.repeat)
    mono, rate = audio.read_wav(data)
    animate_ms = median_ms(lambda: pipeline.animate(pipeline.AnimateRequest(
        audio=mono, sample_rate=rate, transcript=LINE, mode="rules")), max(3, args.repeat // 4))
    big = bomb()

    def refuse() -> None:
        try:
            audio.read_wav(big)
        except BadInput:
            return
        raise AssertionError("the bomb was decoded")

    bomb_ms = median_ms(refuse, args.repeat)
    rows = [
        ("speak a typical line (the work)", speak_ms, ""),
        ("  text admission, that line", check_line_ms, f"{100 * check_line_ms / speak_ms:.1f} % of the line"),
        ("  text admission, 5,000 characters", check_prose_ms, ""),
        ("animate a 4 s 48 kHz stereo WAV (the work)", animate_ms, ""),
        ("  audio header admission", header_ms, f"{100 * header_ms / animate_ms:.2f} % of the line"),
        ("  block decode to mono (incl. admission)", decode_ms, f"{100 * decode_ms / animate_ms:.1f} % of the line"),
        (f"  refuse the {len(big) // 1000} kB 8-channel FLAC bomb", bomb_ms, "from its header"),
    ]
    print(f"{'':48s}{'median ms':>10s}")
    for name, ms, note in rows:
        print(f"{name:48s}{ms:10.2f}  {note}")


if __name__ == "__main__":
    main()
