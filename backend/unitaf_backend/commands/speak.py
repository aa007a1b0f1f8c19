"""Speak a line of text and write its audio, timeline and face animation.

Writes OUT/speech.wav, OUT/timeline.json, OUT/animation.npz (weights, channels, fps) and
OUT/animation.csv (Live Link Face CSV). With --lines FILE, every non-empty line of the file (lines starting
with # are skipped) is spoken in one run into OUT/line-001/, OUT/line-002/ ... with a progress bar and a
summary; a line that fails is named and the others still finish (exit 1); an existing folder is left as
it is unless --force.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .many import read_text


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("text", help="the line to speak (use --text-file for long scripts)", nargs="?")
    p.add_argument("--text-file", type=Path, help="read the text from this UTF-8 file instead")
    p.add_argument("--lines", type=Path, default=None,
                   help="speak each line of this UTF-8 file as its own clip, in one run")
    p.add_argument("--force", action="store_true", help="with --lines: replace output folders that exist")
    p.add_argument("--emotion", default="neutral", help="NAME[:INTENSITY], e.g. happy:0.8, or a mix a:0.5+b:0.3")
    p.add_argument("--voice", default=None, help="voice name (see `unitaf speak --list-voices`)")
    p.add_argument("--list-voices", action="store_true", help="list installed voices and exit")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second of the animation (default 30)")
    p.add_argument("--mode", default="auto", choices=("auto", "neural", "rules"))
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head-motion", action=argparse.BooleanOptionalAction, default=True,
                   help="head yaw/pitch/roll at a low level, in animation.npz (default: on)")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (created if missing)")


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInput

    if args.list_voices:
        from ..speech import list_voices
        for v in list_voices():
            print(f"{v.name}\t{v.language}\t{v.engine}\t{v.description}")
        return 0
    from ..emotion import parse_emotion
    from ..output import write_output_folder, write_outputs
    from ..pipeline import SpeakRequest, speak

    parse_emotion(args.emotion)          # bad input fails before any model loads

    def request(text: str) -> SpeakRequest:
        return SpeakRequest(text=text, emotion=args.emotion, voice=args.voice, fps=args.fps,
                            mode=args.mode, seed=args.seed, head_motion=args.head_motion)

    if args.lines is not None:
        if args.text is not None or args.text_file is not None:
            raise BadInput("give either the text, --text-file or --lines")
        return _speak_lines(args, lambda text: speak(request(text)), write_output_folder)
    if args.text_file is not None:
        text = read_text(args.text_file)
    elif args.text is not None:
        text = args.text
    else:
        raise BadInput("give the text to speak, --text-file or --lines")
    for path in write_outputs(speak(request(text)), args.out):
        print(path)
    return 0


def _speak_lines(args: argparse.Namespace, speak_line, write) -> int:
    from .many import Item, run_many

    numbered = [(i + 1, ln.strip()) for i, ln in enumerate(read_text(args.lines).splitlines())]
    lines = [(n, text) for n, text in numbered if text and not text.startswith("#")]
    items = [Item(label=f"line {n}", folder=f"line-{n:03d}", source=text) for n, text in lines]
    return run_many(items, lambda item: speak_line(item.source), write, args.out, args.force,
                    seconds_of=lambda anim: len(anim.audio) / anim.sample_rate)
