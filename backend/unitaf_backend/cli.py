"""The `unitaf` command line. Each sub-command lives in its own module under `commands/`.

Every command exits 0 on success, 2 with one clear line on bad input (`UnitafError`), and never writes
outside the folder it is given.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from . import __version__
from .errors import UnitafError

# sub-command name -> module under unitaf_backend.commands defining add_arguments(parser) and run(args) -> int
COMMANDS: dict[str, str] = {
    "speak": "speak",
    "animate": "animate",
    "evaluate": "evaluate",
    "train": "train",
    "serve": "serve",
    "make-shape-keys": "make_shape_keys",
    "export-onnx": "export_onnx",
    "render-lines": "render_lines",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="unitaf", description="UniTAF backend: text or voice in, ARKit-52 face animation out.")
    parser.add_argument("--version", action="version", version=f"unitaf {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(f".commands.{module_name}", __package__)
        except ModuleNotFoundError as err:
            if err.name != f"{__package__}.commands.{module_name}":
                raise
            continue  # that stage is not built yet
        p = sub.add_parser(name, help=module.__doc__.strip().splitlines()[0] if module.__doc__ else None,
                           description=module.__doc__)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except UnitafError as err:
        print(f"unitaf {args.command}: error: {err}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (e.g. `unitaf speak --list-voices | head`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"unitaf {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
