"""Scoring the A2F model with the face evaluator on the held-out sentences, side by side with rules mode.

- text path ("neural"): the default voice's TTS features -> adapter -> decoder;
- audio path ("audio"): every held-out line in every held-out voice (never in the training corpus), heard
  only through the encoder (5 x 59 clips: about 530 bilabials, so a score is good to about +-0.015);
- "rules": the articulation model on the same timelines, the reference.
Every clip is spoken once per voice with a fixed seed; the timeline is the TTS's own, so the scores are
measured against the truth. Every row's mouth comes from the pipeline's mouth sources, the same functions speak and animate use;
the scores are of the mouth alone (the expression and life layers do not touch the scored channels).
With `--recordings`: the recording path with a transcript, as `animate` runs it: every held-out line in
every held-out voice treated as a recording, its transcript aligned to it (a2f.align), and the mouth from
the decoder alone, the rules on the aligned timeline, and the two fused (the source animate picks); all
scored against the TTS's true timeline. The alignment cost of the right transcript and of a wrong one
(the next held-out line) is reported too (what the mismatch threshold is set from).
Run: `python -m unitaf_backend.pipeline.a2f_evaluation [--weights PATH] [--limit N] [--recordings]`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..a2f.corpus import HELD_OUT_VOICES, heldout_sentences
from ..emotion import parse_emotion
from .mouth import MouthInput, mouth, spoken_input

METRICS = ("bilabial", "labiodental", "rounded", "open", "rest")


def evaluate_a2f(weights: str | Path | None = None, fps: float = 30.0, limit: int | None = None,
                 audio_voices: tuple[str, ...] = HELD_OUT_VOICES, emotion: str = "neutral",
                 progress: bool = True) -> dict[str, dict]:
    """Summaries (face.evaluate.summarise) per row: rules and neural on the default voice, rules and audio on
    the held-out voices (each line in each of them)."""
    from tqdm import tqdm

    from .. import speech
    from ..a2f import infer
    from ..face import evaluate as ev

    # the shipped graphs on the default runtime; other weights (a training run's a2f.pt) through torch
    model = infer.load_runtime() if weights is None else infer.load_model(weights)
    lines = sorted(heldout_sentences())[:limit]
    emo = parse_emotion(emotion)
    clips: dict[str, list] = {"rules (default voice)": [], "neural text path": [],
                              "rules (held-out voices)": [], "audio path (held-out voices)": []}
    jobs = [(None, line) for line in lines] + [(v, line) for v in audio_voices for line in lines]
    for voice, line in tqdm(jobs, disable=not progress, unit="clip"):
        spoken = speech.synthesize(line, emotion=emo, voice=voice, seed=0)
        inp = spoken_input(spoken, fps)
        rows = (("rules (default voice)", "rules"), ("neural text path", "neural text")) if voice is None else \
            (("rules (held-out voices)", "rules"), ("audio path (held-out voices)", "neural audio"))
        for row, source in rows:
            clips[row].append(ev.evaluate_clip(spoken.timeline, mouth(source, inp, model), fps, line))
    return {name: ev.summarise(c) for name, c in clips.items() if c}


RECORDING_ROWS = (("neural audio (no transcript)", "neural audio"), ("rules, aligned transcript", "rules"),
                  ("fused, aligned transcript", "fused"))


def evaluate_recordings(weights: str | Path | None = None, fps: float = 30.0, limit: int | None = None,
                        voices: tuple[str, ...] = HELD_OUT_VOICES, progress: bool = True) -> dict[str, dict]:
    """Summaries per RECORDING_ROWS on held-out voices heard as recordings with their transcript, and the
    alignment costs {"alignment_cost": {"matched": [...], "mismatched": [...]}}."""
    from tqdm import tqdm

    from .. import speech
    from ..a2f import align, infer
    from ..a2f.encoder import shared_encoder
    from ..face import evaluate as ev
    from .recording import recording_prosody

    model = infer.load_runtime() if weights is None else infer.load_model(weights)
    encoder = shared_encoder()
    lines = sorted(heldout_sentences())[:limit]
    emo = parse_emotion("neutral")
    clips: dict[str, list] = {row: [] for row, _ in RECORDING_ROWS}
    costs: dict[str, list[float]] = {"matched": [], "mismatched": []}
    jobs = [(v, k) for v in voices for k in range(len(lines))]
    for voice, k in tqdm(jobs, disable=not progress, unit="clip"):
        line = lines[k]
        spoken = speech.synthesize(line, emotion=emo, voice=voice, seed=0)
        feats = encoder.encode(spoken.audio, spoken.sample_rate)
        aligned = align.align_transcript(spoken.audio, spoken.sample_rate, line, feats, emo, encode=encoder.encode)
        costs["matched"].append(aligned.meta["alignment_cost"])
        if len(lines) > 1:
            wrong = align.align_transcript(spoken.audio, spoken.sample_rate, lines[(k + 1) % len(lines)], feats,
                                           emo, encode=encoder.encode)
            costs["mismatched"].append(wrong.meta["alignment_cost"])
        inp = MouthInput(timeline=aligned, fps=float(fps), audio=spoken.audio, sample_rate=spoken.sample_rate,
                         emotion=emo, prosody=recording_prosody(spoken.audio, spoken.sample_rate),
                         encoder_features=feats)
        for row, source in RECORDING_ROWS:
            clips[row].append(ev.evaluate_clip(spoken.timeline, mouth(source, inp, model), fps, line))
    out: dict[str, dict] = {name: ev.summarise(c) for name, c in clips.items() if c}
    out["alignment_cost"] = {k: v for k, v in costs.items()}
    return out


def cost_summary(costs: dict[str, list[float]]) -> str:
    parts = []
    for name, values in costs.items():
        if values:
            arr = np.array(values)
            parts.append(f"{name}: min {arr.min():.3f} median {np.median(arr):.3f} max {arr.max():.3f} "
                         f"(n={len(arr)})")
    return "alignment cost " + "; ".join(parts)


def markdown_table(summaries: dict[str, dict]) -> str:
    head = "| | " + " | ".join(METRICS) + " | sync lag ms | jitter |"
    rows = [head, "|" + "---|" * (len(METRICS) + 3)]
    for name, s in summaries.items():
        cells = [f"{s[m]['score']:.3f}" if s[m]["total"] else "-" for m in METRICS]
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {s['sync_lag_ms']:+.1f} | {s['jitter']:.4f} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m unitaf_backend.pipeline.a2f_evaluation", description=__doc__)
    p.add_argument("--weights", type=Path, default=None, help="a2f.pt (default: the shipped weights)")
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--limit", type=int, default=None, help="only the first N held-out lines")
    p.add_argument("--json", type=Path, default=None, help="also write the summaries here")
    p.add_argument("--recordings", action="store_true",
                   help="the recording path with a transcript (neural, rules on the alignment, fused)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    if args.recordings:
        summaries = evaluate_recordings(args.weights, args.fps, args.limit, progress=sys.stderr.isatty())
        costs = summaries.pop("alignment_cost")
        print(markdown_table(summaries))
        print(cost_summary(costs))
        summaries["alignment_cost"] = costs
    else:
        summaries = evaluate_a2f(args.weights, args.fps, args.limit, progress=sys.stderr.isatty())
        print(markdown_table(summaries))
    print(f"\n{time.perf_counter() - t0:.0f} s; held-out voices: {', '.join(HELD_OUT_VOICES)}")
    if args.json is not None:
        args.json.write_text(json.dumps(summaries, indent=1, default=float), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
