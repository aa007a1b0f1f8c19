"""Animate a face from a recorded voice (WAV), optionally with its transcript.

Writes OUT/timeline.json (the transcript aligned to the recording, or speech and pauses found from the
energy when there is no transcript), OUT/animation.npz and OUT/animation.csv (Live Link Face CSV).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("audio", type=Path, help="the recording: a WAV file (any sample rate, mono or stereo)")
    p.add_argument("--transcript", default=None, help="what is said in the recording (improves the timeline)")
    p.add_argument("--transcript-file", type=Path, help="read the transcript from this UTF-8 file instead")
    p.add_argument("--emotion", default="neutral", help="NAME[:INTENSITY], e.g. happy:0.8, or a mix a:0.5+b:0.3; "
                   "auto: heard from the recording's prosody, per sentence (see docs/emotion.md)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second of the animation (default 30)")
    p.add_argument("--mode", default="auto", choices=("auto", "neural", "rules"),
                   help="neural: the A2F model on the audio encoder (default when trained weights are "
                        "installed); rules: the articulation model on the aligned transcript")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head-motion", action="store_true", help="also write head yaw/pitch/roll")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (created if missing)")


def run(args: argparse.Namespace) -> int:
    from ..a2f.wav import read_wav
    from ..emotion import parse_emotion
    from ..errors import BadInput
    from ..output import write_outputs
    from ..pipeline import AnimateRequest, animate
    from ..prosody_emotion import is_auto

    if not is_auto(args.emotion):
        parse_emotion(args.emotion)      # bad input fails before any model loads
    transcript = args.transcript
    if args.transcript_file is not None:
        try:
            transcript = args.transcript_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise BadInput(f"cannot read {args.transcript_file}: {err}") from None
    audio, rate = read_wav(args.audio)
    anim = animate(AnimateRequest(audio=audio, sample_rate=rate, transcript=transcript, emotion=args.emotion,
                                  fps=args.fps, mode=args.mode, seed=args.seed, head_motion=args.head_motion))
    for heard in anim.meta.get("emotion_heard", []):
        print(f"emotion heard {heard['start']:.2f}-{heard['end']:.2f} s: {heard['label']} "
              f"({heard['confidence']:.2f}){'; ' + heard['note'] if 'note' in heard else ''}", file=sys.stderr)
    for path in write_outputs(anim, args.out, include_audio=False):
        print(path)
    return 0
