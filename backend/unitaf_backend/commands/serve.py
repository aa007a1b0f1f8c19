"""Run the local HTTP service (the versioned /v1 API the Blender add-on talks to).

Binds 127.0.0.1 by default. Listening on any other address needs a token; with a token, every request
must send `Authorization: Bearer <token>`. With --port 0 a free port is picked. The first line on stdout
is machine-readable: `UNITAF_READY port=N host=H version=V api=A`. See docs/api.md.
"""

from __future__ import annotations

import argparse
import os

TOKEN_ENV = "UNITAF_TOKEN"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine only)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on; 0 = any free port (default 8765)")
    p.add_argument("--token", default=None,
                   help=f"require this bearer token on every request (or set {TOKEN_ENV}, which keeps it out "
                        "of the process list); required for a non-loopback --host")
    p.add_argument("--max-running", type=int, default=1, help="jobs computed at once (default 1)")
    p.add_argument("--max-queued", type=int, default=8, help="jobs waiting beyond those; more get 429 (default 8)")
    p.add_argument("--job-timeout", type=float, default=600.0, help="seconds before a job is stopped (default 600)")
    p.add_argument("--header-timeout", type=float, default=10.0,
                   help="seconds a connection may take to send a request's headers before it is closed (default 10)")
    p.add_argument("--no-warmup", action="store_true",
                   help="do not load the speech and face stages at start (the first line then loads them)")
    p.add_argument("--access-log", action="store_true", help="log every request to stderr")
    p.add_argument("--stop-on-stdin-eof", action="store_true",
                   help="exit when stdin closes (used when the add-on starts the backend)")


def run(args: argparse.Namespace) -> int:
    from ..errors import BadInput
    from ..service.config import Limits, ServiceConfig
    from ..service.server import serve

    if not 0 <= args.port <= 65535:
        raise BadInput(f"--port must be between 0 and 65535, got {args.port}")
    if args.max_running < 1 or args.max_queued < 0 or not args.job_timeout > 0 or not args.header_timeout > 0:
        raise BadInput("--max-running must be >= 1, --max-queued >= 0, --job-timeout and --header-timeout > 0")
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV) or None
    limits = Limits(max_running_jobs=args.max_running, max_queued_jobs=args.max_queued,
                    job_timeout_s=args.job_timeout, header_timeout_s=args.header_timeout)
    serve(ServiceConfig(host=args.host, port=args.port, token=token, limits=limits),
          stop_on_stdin_eof=args.stop_on_stdin_eof, access_log=args.access_log, warm=not args.no_warmup)
    return 0
