"""`python -m unitaf_backend.service [options]`: exactly `unitaf serve`, without loading the CLI's other
commands first (some of them import torch at load time), so the add-on's local backend starts quickly."""

from __future__ import annotations

import argparse
import sys

from ..commands import serve
from ..errors import UnitafError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="unitaf serve", description=serve.__doc__)
    serve.add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return serve.run(args)
    except UnitafError as err:
        print(f"unitaf serve: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
