"""Speed of the rules face model on a 60 s line: articulation alone, and with expression and life layers.

    .venv/bin/python benchmarks/bench_articulation.py                  # synthetic 60 s timeline
    .venv/bin/python benchmarks/bench_articulation.py --speak          # a real Piper line of about 60 s
    .venv/bin/python benchmarks/bench_articulation.py --seconds 60 --fps 30 60 --repeat 5

Prints, per fps, the median of --repeat runs (after a warm-up) as seconds, frames of output per second
and multiples of real time (target: at least 100x). The synthetic timeline repeats a phrase built from
real Piper phone durations (speed depends on the number of phones and frames, not on what is said).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "backend"))

from measure import timed

# "Before lunch, Bob promised to mop the floor." as Piper timed it (symbol, ms), with its pause.
PHRASE = ("b:46 ᵻ:46 f:69 ˈɔː:139 ɹ:23 _:46 l:46 ˈʌ:139 n:34 tʃ:116 _:255 b:34 ˈɑː:116 b:46 _:58 p:34 ɹ:46 "
          "ˈɑː:139 m:46 ɪ:34 s:58 t:34 _:46 t:23 ə:46 m:58 ˈɑː:139 p:69 ð:34 ə:34 _:69 f:46 l:58 ˈɔː:208 "
          "ɹ:69 _:450")


def synthetic_timeline(seconds: float):
    from unitaf_backend.emotion import emotion_vector
    from unitaf_backend.speech.timeline import Phone, Sentence, Timeline

    phones, sentences, t = [], [], 0.0
    while t < seconds:
        start = t
        for item in PHRASE.split():
            sym, _, ms = item.rpartition(":")
            stress = 1 if sym.startswith("ˈ") else 0
            sym = sym.lstrip("ˈ")
            phones.append(Phone(sym, t, t + float(ms) / 1000.0, stress))
            t += float(ms) / 1000.0
        sentences.append(Sentence("phrase", start, t, tuple(float(x) for x in emotion_vector("happy", 0.6))))
    return Timeline(tuple(phones), (), tuple(sentences), t, engine="synthetic"), None


def spoken_timeline(seconds: float):
    from unitaf_backend import speech

    words = ("Before lunch, Bob promised to mop the floor. Five very fine violins were found in the village. "
             "Who knew the moon would move so smoothly over the pool? ")
    text = words * max(1, round(seconds / 9.0))
    spoken = speech.synthesize(text, emotion="happy:0.6")
    return spoken.timeline, spoken.prosody


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--fps", type=float, nargs="+", default=[30.0, 60.0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--speak", action="store_true", help="use a real Piper line instead of a synthetic one")
    args = ap.parse_args()

    from unitaf_backend.face.articulation import articulate
    from unitaf_backend.face.layers import add_expression_and_life

    timeline, prosody = (spoken_timeline if args.speak else synthetic_timeline)(args.seconds)
    print(f"line: {timeline.duration:.1f} s, {len(timeline.phones)} phones, {len(timeline.sentences)} sentences, "
          f"{'Piper' if args.speak else 'synthetic'}, prosody {'yes' if prosody is not None else 'no'}")
    print(f"{'fps':>6} {'frames':>7} {'stage':<28} {'seconds':>9} {'frames/s':>10} {'x real time':>12}")
    for fps in args.fps:
        mouth = articulate(timeline, fps, prosody=prosody)
        frames = len(mouth)
        stages = {
            "articulation": lambda fps=fps: articulate(timeline, fps, prosody=prosody),
            "expression + life (+head)": lambda fps=fps, mouth=mouth: add_expression_and_life(
                mouth, timeline, fps, prosody=prosody, seed=0, head_motion=True),
        }
        total = 0.0
        for name, fn in stages.items():
            s = timed(fn, args.repeat)
            total += s
            print(f"{fps:>6g} {frames:>7} {name:<28} {s:>9.4f} {frames / s:>10.0f} {timeline.duration / s:>11.0f}x")
        print(f"{fps:>6g} {frames:>7} {'rules total':<28} {total:>9.4f} {frames / total:>10.0f} "
              f"{timeline.duration / total:>11.0f}x")


if __name__ == "__main__":
    main()
