"""Figures for emotion that moves: every preset on the held-out lines, spoken by our TTS.

For each preset: the share of (line, expression channel) pairs whose std over the line is >= 0.25 x their
mean; how often the expression's peaks fall within 150 ms of a pitch accent, beside the chance rate; the
expression's level at the clip's first frame, at the first phone, during speech and at the last frame;
the jawOpen range (95th - 5th percentile over speaking frames); and bilabial closure.

    .venv/bin/python tools/emotion_figures.py [--mode rules|neural] [--limit N] [--voice V] [--json FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "backend"))

from unitaf_backend import speech
from unitaf_backend.channels import CHANNEL_INDEX
from unitaf_backend.commands.evaluate import heldout_lines
from unitaf_backend.emotion import PRESETS, emotion_vector
from unitaf_backend.face import cues as prosodic_cues
from unitaf_backend.face import evaluate as ev
from unitaf_backend.face import motion_metrics as mm
from unitaf_backend.face.layers import add_expression_and_life
from unitaf_backend.pipeline.mouth import mouth, source_for, spoken_input

RATIO_MIN = 0.25


def preset_figures(preset: str, lines: list[str], mode: str, fps: float, voice: str | None) -> dict:
    source = source_for(mode, spoken=True)
    channels = mm.expression_channels(preset)
    upper = mm.expression_channels(preset, upper_face=True)
    ratios: list[float] = []
    peaks = near = 0
    chance: list[float] = []
    levels: list[tuple[float, float, float, float]] = []
    jaw_ranges: list[float] = []
    bilabial_passed = bilabial_total = 0
    for k, text in enumerate(lines):
        spoken = speech.synthesize(text, emotion=emotion_vector(preset), voice=voice, seed=k)
        mouth = mouth(source, spoken_input(spoken, fps))
        weights, _ = add_expression_and_life(mouth, spoken.timeline, fps, prosody=spoken.prosody, seed=k)
        span = prosodic_cues.speech_span(spoken.timeline)
        assert span is not None
        ratios += list(mm.variation(weights, channels))
        level = weights[:, channels].sum(axis=1)
        accents = prosodic_cues.accent_times(spoken.timeline, spoken.prosody)
        ap = mm.accent_peaks(weights[:, upper].sum(axis=1), fps, accents, span)
        peaks, near = peaks + ap.peaks, near + ap.near
        chance.append(ap.chance)
        os_ = mm.onset_and_settle(level, fps, span)
        levels.append((os_.first_frame, os_.at_first_phone, os_.speaking_mean, os_.last_frame))
        times = np.arange(len(weights)) / fps
        jaw = weights[(times >= span[0]) & (times <= span[1]), CHANNEL_INDEX["jawOpen"]]
        jaw_ranges.append(float(np.percentile(jaw, 95) - np.percentile(jaw, 5)))
        scores = ev.evaluate_clip(spoken.timeline, weights, fps)
        bilabial_passed += scores.bilabial.passed
        bilabial_total += scores.bilabial.total
    lv = np.array(levels)
    return {
        "channels": len(channels),
        "varying_share": float(np.mean(np.array(ratios) >= RATIO_MIN)),
        "ratio_median": float(np.median(ratios)),
        "ratio_min": float(np.min(ratios)),
        "peaks": peaks, "peaks_near_accent": near,
        "peak_rate": near / peaks if peaks else float("nan"),
        "chance_rate": float(np.mean(chance)),
        "level_first_frame": float(lv[:, 0].mean()), "level_first_phone": float(lv[:, 1].mean()),
        "level_speaking": float(lv[:, 2].mean()), "level_last_frame": float(lv[:, 3].mean()),
        "jaw_range": float(np.mean(jaw_ranges)),
        "bilabial": bilabial_passed / bilabial_total if bilabial_total else float("nan"),
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", default="rules", choices=("rules", "neural"))
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--voice", default=None)
    p.add_argument("--presets", default=",".join(PRESETS))
    p.add_argument("--json", type=Path, default=None)
    args = p.parse_args()
    lines = heldout_lines()[: args.limit]
    report = {}
    head = (f"{'preset':<12}{'varying':>8}{'ratio med':>10}{'peaks':>7}{'near acc':>9}{'chance':>8}"
            f"{'lvl f0':>8}{'lvl 1st':>8}{'lvl spk':>8}{'lvl end':>8}{'jaw rng':>8}{'bilab':>7}")
    print(f"{len(lines)} held-out lines, mode {args.mode}, {args.fps:g} fps")
    print(head)
    for preset in args.presets.split(","):
        f = preset_figures(preset, lines, args.mode, args.fps, args.voice)
        report[preset] = f
        print(f"{preset:<12}{f['varying_share']:>8.2f}{f['ratio_median']:>10.2f}{f['peaks']:>7}"
              f"{f['peak_rate']:>9.2f}{f['chance_rate']:>8.2f}{f['level_first_frame']:>8.3f}"
              f"{f['level_first_phone']:>8.3f}{f['level_speaking']:>8.3f}{f['level_last_frame']:>8.3f}"
              f"{f['jaw_range']:>8.3f}{f['bilabial']:>7.3f}", flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
