"""Speak a line of text and write its audio, timeline and face animation.

Writes OUT/speech.wav, OUT/timeline.json, OUT/animation.npz (weights, channels, fps) and
OUT/animation.csv (Live Link Face CSV).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="the line to speak (use --text-file for long scripts)", nargs="?")
    p.add_argument("--text-file", type=Path, help="read the text from this UTF-8 file instead")
    p.add_argument("--emotion", default="neutral", help="NAME[:INTENSITY], e.g. happy:0.8, or a mix a:0.5+b:0.3")
    p.add_argument("--voice", default=None, help="voice name (see `unitaf speak --list-voices`)")
    p.add_argument("--list-voices", action="store_true", help="list installed voices and exit")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second of the animation (default 30)")
    p.add_argument("--mode", default="auto", choices=("auto", "neural", "rules"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head-motion", action="store_true", help="also write head yaw/pitch/roll")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (created if missing)")


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInput

    if args.list_voices:
        from ..speech import list_voices
        for v in list_voices():
            print(f"{v.name}\t{v.language}\t{v.engine}\t{v.description}")
        return 0
    if args.text_file is not None:
        try:
            text = args.text_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise BadInput(f"cannot read {args.text_file}: {err}") from None
    elif args.text is not None:
        text = args.text
    else:
        raise BadInput("give the text to speak, or --text-file")

    from ..output import write_outputs
    from ..pipeline import SpeakRequest, speak

    anim = speak(SpeakRequest(text=text, emotion=args.emotion, voice=args.voice, fps=args.fps,
                              mode=args.mode, seed=args.seed, head_motion=args.head_motion))
    for path in write_outputs(anim, args.out):
        print(path)
    return 0
