"""Render every emotion preset on the reference head: a contact sheet of the nine presets on the same
word, and a strip of frames over one sentence, with the real bpy and Cycles (CPU).

    python tests/integration/emotion_sheet_job.py OUT_DIR [--size 160x200] [--samples 8]

Each preset's tile is the frame where its expression peaks (the summed expression channels, inside the
speech); the strip is eight frames evenly spaced over a happy sentence. Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "backend"))

from head_render_job import render_poses
from unitaf_backend import speech
from unitaf_backend.channels import ARKIT_CHANNELS
from unitaf_backend.emotion import PRESETS, emotion_vector
from unitaf_backend.face import cues, motion_metrics
from unitaf_backend.face.articulation import articulate
from unitaf_backend.face.layers import add_expression_and_life

FPS = 30.0
WORD = "Absolutely."
SENTENCE = "Maybe the baby bumped into the bookshelf, and then she laughed."
STRIP_PRESET = "happy"
STRIP_FRAMES = 8


def animate(text: str, preset: str) -> tuple[np.ndarray, tuple[float, float]]:
    spoken = speech.synthesize(text, emotion=emotion_vector(preset), seed=0)
    mouth = articulate(spoken.timeline, FPS, prosody=spoken.prosody)
    weights, _ = add_expression_and_life(mouth, spoken.timeline, FPS, prosody=spoken.prosody, seed=0,
                                         head_motion=False)
    span = cues.speech_span(spoken.timeline) or (0.0, spoken.duration)
    return weights, span


def pose(frame: np.ndarray) -> dict[str, float]:
    return {name: float(v) for name, v in zip(ARKIT_CHANNELS, frame) if v > 1e-4}


def main() -> None:
    argv = sys.argv[sys.argv.index("--") + 1:] if "--" in sys.argv else sys.argv[1:]
    p = argparse.ArgumentParser()
    p.add_argument("out", type=Path)
    p.add_argument("--size", default="160x200")
    p.add_argument("--samples", type=int, default=8)
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    out = args.out.resolve()
    tiles = []
    for preset in PRESETS:
        weights, span = animate(WORD, preset)
        level = weights[:, motion_metrics.expression_channels(preset, upper_face=True)].sum(axis=1)
        times = np.arange(len(weights)) / FPS
        inside = np.flatnonzero((times >= span[0]) & (times <= span[1]))
        # the silence-free frame where the expression is strongest; blinks are left out of the choice
        blink = weights[:, ARKIT_CHANNELS.index("eyeBlinkLeft")]
        frame = int(inside[np.argmax(level[inside] - 5.0 * (blink[inside] > 0.15))])
        tiles.append((f"{preset} {times[frame]:.2f}s", pose(weights[frame])))
    sheet = render_poses(out / "emotion_presets.png", width, height, args.samples, tuple(tiles))
    weights, span = animate(SENTENCE, STRIP_PRESET)
    frames = np.linspace(0, len(weights) - 1, STRIP_FRAMES).round().astype(int)
    strip_poses = tuple((f"{STRIP_PRESET} {f / FPS:.2f}s", pose(weights[f])) for f in frames)
    strip = render_poses(out / "emotion_strip.png", width, height, args.samples, strip_poses)
    print(json.dumps({"sheet": sheet, "strip": strip}))


if __name__ == "__main__":
    main()
