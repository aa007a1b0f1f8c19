"""Animate a face from recorded voices (WAV), one or many in one run.

One recording: writes OUT/timeline.json (the transcript aligned to the recording, or speech and pauses
found from the energy when there is no transcript), OUT/animation.npz and OUT/animation.csv (Live Link
Face CSV). Several recordings, a folder of them or a --list file: the same files in OUT/<name>/ for each
(a transcript beside a recording, NAME.txt, is used for it); a progress bar, a line per file, a summary; a
file that fails is named and the others still finish (exit 1); an existing OUT/<name> is left as it is
unless --force.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .many import read_text

FOLDER_SUFFIXES = (".wav",)          # what a folder given as input contributes


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("audio", type=Path, nargs="*",
                   help="recordings (WAV, any sample rate, mono or stereo) or folders of them")
    p.add_argument("--list", type=Path, default=None, dest="list_file",
                   help="a text file naming one recording per line (relative to the file's folder)")
    p.add_argument("--transcript", default=None, help="what is said in the recording (improves the timeline)")
    p.add_argument("--transcript-file", type=Path, help="read the transcript from this UTF-8 file instead")
    p.add_argument("--emotion", default="neutral", help="NAME[:INTENSITY], e.g. happy:0.8, or a mix a:0.5+b:0.3; "
                   "auto: heard from the recording's prosody, per sentence (see docs/emotion.md)")
    p.add_argument("--fps", type=float, default=30.0, help="frames per second of the animation (default 30)")
    p.add_argument("--mode", default="auto", choices=("auto", "neural", "rules"),
                   help="neural: the A2F model on the audio encoder (default when trained weights are "
                        "installed); rules: the articulation model on the aligned transcript")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--head-motion", action=argparse.BooleanOptionalAction, default=True,
                   help="head yaw/pitch/roll at a low level, in animation.npz (default: on)")
    p.add_argument("--out", type=Path, default=Path("out"), help="output folder (created if missing)")
    p.add_argument("--force", action="store_true",
                   help="with several recordings: replace output folders that already exist")


def list_entries(list_file: Path) -> list[Path]:
    base = list_file.parent
    lines = [ln.strip() for ln in read_text(list_file).splitlines()]
    return [Path(ln) if Path(ln).is_absolute() else base / ln for ln in lines if ln and not ln.startswith("#")]


def collect(paths: list[Path], list_file: Path | None) -> list:
    """The recordings to animate, in order: files as given, a folder's WAVs sorted by name, a list's
    entries; a folder without WAVs is an item that fails with that message."""
    from .many import Item, unique_folders

    found: list[tuple[str, Path | None, str | None]] = []
    for p in [*paths, *(list_entries(list_file) if list_file is not None else [])]:
        if p.is_dir():
            wavs = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in FOLDER_SUFFIXES)
            if not wavs:
                found.append((str(p), None, f"no .wav files in folder {p}"))
            found += [(str(f), f, None) for f in wavs]
        else:
            found.append((str(p), p, None))
    folders = unique_folders([(path.stem if path is not None else Path(label).name) for label, path, _ in found])
    return [Item(label=label, folder=folder, source=path, problem=problem)
            for (label, path, problem), folder in zip(found, folders, strict=True)]


def run(args: argparse.Namespace) -> int:
    from ..audio import read_wav
    from ..emotion import parse_emotion
    from ..errors import BadInput
    from ..output import write_output_folder, write_outputs
    from ..pipeline import AnimateRequest, animate
    from ..prosody_emotion import is_auto
    from .many import run_many

    if not is_auto(args.emotion):
        parse_emotion(args.emotion)      # bad input fails before any model loads
    if not args.audio and args.list_file is None:
        raise BadInput("give a recording (WAV), several, a folder of them, or --list FILE")
    transcript = args.transcript
    if args.transcript_file is not None:
        transcript = read_text(args.transcript_file)

    def report(anim, prefix: str = "") -> None:
        """What the user should know about a result: the emotion heard, and any warning."""
        for heard in anim.meta.get("emotion_heard", []):
            print(f"{prefix}emotion heard {heard['start']:.2f}-{heard['end']:.2f} s: {heard['label']} "
                  f"({heard['confidence']:.2f}){'; ' + heard['note'] if 'note' in heard else ''}", file=sys.stderr)
        for warning in anim.meta.get("warnings", []):
            print(f"{prefix}warning: {warning}", file=sys.stderr)

    def request(audio, rate, text: str | None) -> AnimateRequest:
        return AnimateRequest(audio=audio, sample_rate=rate, transcript=text, emotion=args.emotion,
                              fps=args.fps, mode=args.mode, seed=args.seed, head_motion=args.head_motion)

    many = len(args.audio) != 1 or args.list_file is not None or args.audio[0].is_dir()
    if not many:
        audio, rate = read_wav(args.audio[0])
        anim = animate(request(audio, rate, transcript))
        report(anim)
        for path in write_outputs(anim, args.out, include_audio=False):
            print(path)
        return 0
    if transcript is not None:
        raise BadInput("--transcript is for one recording; for several, put each transcript beside its "
                       "recording as NAME.txt")

    def work(item):
        audio, rate = read_wav(item.source)
        beside = item.source.with_suffix(".txt")
        anim = animate(request(audio, rate, read_text(beside) if beside.is_file() else None))
        report(anim, f"{item.source}: ")
        return anim

    return run_many(collect(args.audio, args.list_file), work,
                    lambda anim, dest: write_output_folder(anim, dest, include_audio=False), args.out,
                    args.force, seconds_of=lambda anim: len(anim.audio) / anim.sample_rate)
