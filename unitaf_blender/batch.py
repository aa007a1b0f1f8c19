"""Headless batch: speak a whole dialogue script onto the faces of a .blend, line by line.

Inside Blender (the scene is opened by Blender, arguments after ``--``):

    blender -b scene.blend --python unitaf_blender/batch.py -- --dialogue lines.csv --save out.blend

With the ``bpy`` wheel (plain Python; the first argument is the .blend to open):

    python unitaf_blender/batch.py scene.blend --dialogue lines.csv --save out.blend

This module is the command line; ``batch_runner`` runs the rows (``batch_synth`` asks the backend,
``batch_report`` reports) and ``blender/batch_scene`` reads and saves the scene. Exit codes: 0 every row
landed (or was already in the scene), 1 some row failed, 2 the run could not start, save or write its
report (a missing folder for --save/--report, a file that is not a .blend, an unreadable dialogue), 130
stopped by Ctrl-C or SIGTERM (what landed is saved). ``docs/batch.md`` has the details.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # Run as a script (by Blender's --python or plain Python): make the add-on package this file lives
    # in importable under its folder's name, so the relative imports below work (PEP 366).
    _here = Path(__file__).resolve().parent
    sys.path.insert(0, str(_here.parent))
    __package__ = _here.name
    importlib.import_module(__package__)

from .batch_report import (  # noqa: F401 - the batch's public names, for scripts and the demo
    EXIT_CANNOT_RUN,
    EXIT_INTERRUPTED,
    EXIT_LINES_FAILED,
    EXIT_OK,
    BatchReport,
    LineOutcome,
    Progress,
    output_path_problem,
    write_report,
)
from .batch_runner import LAYOUTS, BatchOptions, SaveError, check_dialogue, run_batch
from .batch_synth import Synthesizer, request_for  # noqa: F401
from .core.backend_api import BackendError
from .core.dialogue import DialogueError
from .core.keymaker_client import KeymakerError

# ---------------------------------------------------------------------------------------------- arguments

def script_args(argv: list[str]) -> tuple[list[str], bool]:
    """The arguments meant for this script, and whether Blender itself is running it.

    Blender passes its own options first and the script's after ``--``; plain Python passes them all.
    """
    if "--" in argv:
        return argv[argv.index("--") + 1:], True
    return argv[1:], False


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="batch.py",
        description="Speak a dialogue script (CSV or JSON) onto the faces of a .blend file.",
        epilog="Columns: id,object,start,overlap,after,text,audio,transcript,emotion,intensity,voice. "
               "See docs/batch.md.",
    )
    p.add_argument("blend", nargs="?", help="the .blend to open (plain Python; in Blender, the open file)")
    p.add_argument("--dialogue", required=True, help="the dialogue file, .csv (with a header row) or .json")
    p.add_argument("--save", help="where to save the result (may be the file that was opened)")
    p.add_argument("--check", action="store_true",
                   help="only check the dialogue against the scene (rows, objects, WAV files) and print the "
                        "layout (row, object, frames; estimated for rows not yet spoken): no backend, "
                        "nothing saved")
    p.add_argument("--object", help="target object for rows whose 'object' cell is empty")
    p.add_argument("--replace", action="store_true",
                   help="first remove what earlier batch runs made for the dialogue's objects "
                        "(their lines, sound strips and unused WAVs) and speak every row again")
    p.add_argument("--gap", type=int, default=None,
                   help="frames between one line and the next when 'start' is empty (default: half a second)")
    p.add_argument("--layout", choices=LAYOUTS, default="conversation",
                   help="conversation (default): a row without 'start' begins after the previous row ends, "
                        "whoever speaks; per-character: after that character's previous line")
    p.add_argument("--idle", action="append", metavar="OBJECT",
                   help="fill this object's time between lines with idle motion (blinks, gaze, breathing); "
                        "repeat it for more, or 'all' for every object in the dialogue")
    p.add_argument("--markers", choices=("none", "words", "sentences"), default="none",
                   help="timeline markers at each line's words or sentences")
    p.add_argument("--head-motion", action="store_true",
                   help="move the head with the speech: the head bone of the mesh's armature, else the object")
    p.add_argument("--head-bone", default="", help="the armature's head bone (default: one named head, Head ...)")
    p.add_argument("--mode", choices=("auto", "neural", "rules"), default="auto", help="face model")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=None,
                   help="lines synthesised in parallel, each worker with its own backend client "
                        "(default 1, or one per --url)")
    p.add_argument("--no-overlap", action="store_true",
                   help="synthesise and write strictly one line after the other (for comparison)")
    p.add_argument("--backend", choices=("auto", "inprocess", "http"), default="auto",
                   help="in-process when unitaf_backend is importable (auto), else a local or remote service")
    p.add_argument("--url", action="append",
                   help="URL of a running `unitaf serve` (implies --backend http); repeat it to spread the lines "
                        "over several services (one worker each unless --workers says otherwise)")
    p.add_argument("--token", default=os.environ.get("UNITAF_TOKEN") or None,
                   help="access token for a remote service (default: $UNITAF_TOKEN, which keeps it out of "
                        "the process list)")
    p.add_argument("--backend-python",
                   help="interpreter of a UniTAF install, to start a local service (--backend http, no --url)")
    p.add_argument("--audio-dir", help="folder for the WAV files (default: unitaf_audio/ beside --save)")
    p.add_argument("--pack-audio", action="store_true", help="pack the audio into the .blend")
    p.add_argument("--report", help="also write every line's outcome to this JSON file (for pipeline tools)")
    p.add_argument("--cache", metavar="DIR",
                   help="a line cache filled by `unitaf render-lines`: its lines are used without a backend")
    p.add_argument("--make-shape-keys", metavar="OBJECT",
                   help="first add the ARKit shape keys this head mesh lacks (docs/keymaker.md)")
    return p


def options_from_args(ns: argparse.Namespace) -> BatchOptions:
    return BatchOptions(
        dialogue=ns.dialogue, save=ns.save or "", blend=ns.blend, object=ns.object, replace=ns.replace,
        gap=ns.gap, layout=ns.layout, mode=ns.mode, seed=ns.seed, workers=ns.workers or max(1, len(ns.url or ())),
        overlap=not ns.no_overlap, backend="http" if ns.url else ns.backend, urls=tuple(ns.url or ()),
        token=ns.token, backend_python=ns.backend_python,
        audio_dir=ns.audio_dir, pack_audio=ns.pack_audio, report=ns.report, check=ns.check,
        idle=tuple(ns.idle or ()), markers=ns.markers, head_motion=ns.head_motion, head_bone=ns.head_bone,
        make_shape_keys=ns.make_shape_keys, cache=ns.cache,
    )


def main(argv: list[str] | None = None) -> int:
    args, _in_blender = script_args(sys.argv if argv is None else argv)
    parser = build_parser()
    ns = parser.parse_args(args)
    if not ns.save and not ns.check:
        parser.error("--save is required (or --check to only check the dialogue)")
    opts = options_from_args(ns)
    if opts.workers < 1:
        print("batch: --workers must be at least 1", file=sys.stderr)
        return EXIT_CANNOT_RUN
    problem = (None if opts.check else output_path_problem(opts.save, "--save")) \
        or output_path_problem(opts.report, "--report")
    if problem:
        print(f"batch: {problem}; nothing was run", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        report = check_dialogue(opts) if opts.check else run_batch(opts)
    except (DialogueError, BackendError, SaveError, KeymakerError) as exc:
        print(f"batch: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except KeyboardInterrupt:
        print("batch: stopped before any line was written; nothing was saved", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(report.summary())
    if opts.report:
        try:
            write_report(opts.report, report)
        except OSError as exc:
            kept = f"the scene was saved as {report.saved}" if report.saved else "nothing else was changed"
            print(f"batch: could not write the report {os.path.abspath(opts.report)}: {exc.strerror or exc}; "
                  f"{kept}", file=sys.stderr)
            return EXIT_CANNOT_RUN
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
