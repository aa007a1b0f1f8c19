"""Fit and measure the prosody emotion estimator (backend/unitaf_backend/prosody_emotion.py) on our own TTS.

    .venv/bin/python tools/emotion_estimator.py fit       # tuning voices, corpus sentences -> data/prosody_emotion.json
    .venv/bin/python tools/emotion_estimator.py measure   # held-out voices, held-out lines -> confusion table

The tuning voices and the measuring voices never overlap (the measuring ones are the A2F corpus's held-out
voices, which nothing else is tuned on either), and neither do the sentences.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))

from unitaf_backend import prosody_emotion as pe
from unitaf_backend import speech
from unitaf_backend.a2f.corpus import HELD_OUT_VOICES, heldout_sentences
from unitaf_backend.a2f.corpus_text import sentences
from unitaf_backend.emotion import PRESETS, emotion_vector
from unitaf_backend.face.cues import speech_span

TUNING_VOICES = ("en_US-joe-medium", "espeak-en-us", "espeak-en-us+m1", "espeak-en-us+f1", "espeak-en-us+m3",
                 "espeak-en-us+f2", "espeak-en-gb+m1", "espeak-en-gb+f3", "espeak-en-gb-x-rp", "espeak-en-029")
assert not set(TUNING_VOICES) & set(HELD_OUT_VOICES)
MODEL_PATH = Path(__file__).resolve().parent.parent / "backend" / "unitaf_backend" / "data" / pe.MODEL_FILE
NEUTRAL_RECALL_TUNED = 0.9


def heard(text: str, preset: str, voice: str, seed: int, model: pe.Model | None = None):
    spoken = speech.synthesize(text, emotion=emotion_vector(preset), voice=voice, seed=seed)
    span = speech_span(spoken.timeline) or (0.0, spoken.duration)
    if model is None:
        from unitaf_backend.speech.prosody import analyse
        hop = max(1, round(spoken.sample_rate * pe.HOP_S))
        a = analyse(spoken.audio, spoken.sample_rate, hop)
        fps = spoken.sample_rate / hop
        i, j = int(span[0] * fps), int(np.ceil(span[1] * fps))
        return pe.span_features(a.f0[i:j], a.energy[i:j], a.periodicity[i:j], fps)
    return pe.estimate(spoken.audio, spoken.sample_rate, [span], model=model)[0]


def fit(n_sentences: int) -> int:
    texts = sentences(n_sentences, seed=7, exclude=heldout_sentences())
    samples = []
    t0 = time.perf_counter()
    for v, voice in enumerate(TUNING_VOICES):
        for k, text in enumerate(texts):
            for preset in PRESETS:
                x = heard(text, preset, voice, seed=k)
                if x is not None:
                    samples.append((preset, x))
        print(f"{voice}: {len(samples)} samples, {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    # the smallest neutral prior that keeps neutral speech neutral on the tuning voices
    for prior in np.arange(0.0, 8.01, 0.25):
        model = pe.fit(samples, neutral_prior=float(prior))
        neutral = [x for p, x in samples if p == "neutral"]
        recall = np.mean([model.presets[int(np.argmax(model.posteriors(x)))] == "neutral" for x in neutral])
        if recall >= NEUTRAL_RECALL_TUNED:
            break
    accuracy = np.mean([model.presets[int(np.argmax(model.posteriors(x)))] == p for p, x in samples])
    MODEL_PATH.write_text(json.dumps({**model.to_dict(), "tuning_voices": list(TUNING_VOICES),
                                      "tuning_sentences": len(texts)}, indent=1) + "\n")
    print(f"{len(samples)} samples; neutral prior {prior:.2f} (neutral recall {recall:.2f}); "
          f"accuracy on the tuning set {accuracy:.2f} -> {MODEL_PATH}")
    return 0


def measure(limit: int) -> int:
    from unitaf_backend.commands.evaluate import heldout_lines

    model = pe.shipped_model()
    lines = heldout_lines()[:limit]
    confusion = {p: {q: 0 for q in PRESETS} for p in PRESETS}
    for voice in HELD_OUT_VOICES:
        for k, text in enumerate(lines):
            for preset in PRESETS:
                h = heard(text, preset, voice, seed=k, model=model)
                confusion[preset][h.label] += 1
        print(f"{voice} done", file=sys.stderr, flush=True)
    short = {p[:5]: p for p in PRESETS}
    print(f"{len(lines)} held-out lines x {len(HELD_OUT_VOICES)} held-out voices ({', '.join(HELD_OUT_VOICES)})")
    print("spoken \\ heard " + "".join(f"{s:>7}" for s in short) + "   recall")
    for p in PRESETS:
        row = confusion[p]
        total = sum(row.values())
        print(f"{p:<15}" + "".join(f"{row[q]:>7}" for q in PRESETS) + f"   {row[p] / total:.2f}")
    arousal = {"happy": 1, "angry": 1, "afraid": 1, "surprised": 1, "sad": -1, "melancholic": -1, "calm": -1,
               "disgusted": 0, "neutral": 0}
    hits = sum(confusion[p][q] for p in PRESETS for q in PRESETS if arousal[p] == arousal[q])
    total = sum(sum(r.values()) for r in confusion.values())
    correct = sum(confusion[p][p] for p in PRESETS)
    print(f"exact: {correct / total:.2f}; arousal class (high / neutral-ish / low): {hits / total:.2f}; "
          f"chance {1 / len(PRESETS):.2f}")
    return 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("what", choices=("fit", "measure"))
    p.add_argument("--sentences", type=int, default=12, help="corpus sentences per tuning voice (fit)")
    p.add_argument("--limit", type=int, default=12, help="held-out lines per held-out voice (measure)")
    args = p.parse_args()
    return fit(args.sentences) if args.what == "fit" else measure(args.limit)


if __name__ == "__main__":
    raise SystemExit(main())
