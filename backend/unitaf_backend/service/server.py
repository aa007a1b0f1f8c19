"""Running the app under uvicorn: bind (with a clear message when the port is taken), announce the bound
port on stdout, and stop cleanly on a signal or when the parent closes our stdin."""

from __future__ import annotations

import errno
import logging
import logging.config
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TextIO

import uvicorn

from .. import __version__
from ..errors import BadInput
from .app import create_app
from .config import API_VERSION, ServiceConfig
from .connections import guarded_protocol
from .security import check_bind

READY_PREFIX = "UNITAF_READY"
log = logging.getLogger("unitaf.service")

_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.access": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "unitaf": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
    },
}


def bind_socket(host: str, port: int) -> socket.socket:
    """Listen on host:port (port 0 = any free port); a taken port is one clear line, not a traceback."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as err:
        raise BadInput(f"cannot listen on {host!r}: {err.strerror}") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    if os.name != "nt":        # on Windows SO_REUSEADDR would let two servers share a port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as err:
        sock.close()
        if err.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
            raise BadInput(f"port {port} on {host} is already in use; pick another with --port, "
                           "or --port 0 for any free port") from None
        raise BadInput(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def warm_up() -> None:
    """Load the speech engine, voice and face stages by speaking one word, so the first real line is quick.
    Runs on the job worker after the ready line; a job sent meanwhile waits for it."""
    start = time.perf_counter()
    try:
        from .. import pipeline
        pipeline.speak(pipeline.SpeakRequest(text="Ready."))
    except Exception as err:  # noqa: BLE001 - a stage that cannot load is reported by /v1/info and jobs
        log.warning("warm-up failed: %s: %s", type(err).__name__, err)
        return
    log.info("warmed up in %.1f s", time.perf_counter() - start)


class _Server(uvicorn.Server):
    """uvicorn's server that prints the ready line once it accepts requests, then warms up."""

    def __init__(self, config: uvicorn.Config, sock: socket.socket, ready_out: TextIO,
                 on_ready: Callable[[], None] | None) -> None:
        super().__init__(config)
        self._sock = sock
        self._ready_out = ready_out
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started and not self.should_exit:
            host, port = self._sock.getsockname()[:2]
            print(f"{READY_PREFIX} port={port} host={host} version={__version__} api={API_VERSION}",
                  file=self._ready_out, flush=True)
            if self._on_ready is not None:
                self._on_ready()


def _stop_when_stdin_closes(server: uvicorn.Server) -> None:
    """The parent (Blender) holds our stdin; when it exits, even by a crash, the pipe closes and we stop."""

    def watch() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        server.should_exit = True

    threading.Thread(target=watch, name="unitaf-stdin-watch", daemon=True).start()


def serve(config: ServiceConfig, *, stop_on_stdin_eof: bool = False, access_log: bool = False,
          warm: bool = True, ready_out: TextIO | None = None) -> None:
    """Run until stopped. The first stdout line is `UNITAF_READY port=N host=H version=V api=A`."""
    check_bind(config.host, config.token)
    sock = bind_socket(config.host, config.port)
    logging.config.dictConfig(_LOGGING)
    app = create_app(config)
    uv_config = uvicorn.Config(
        app, log_config=_LOGGING, access_log=access_log, lifespan="on",
        http=guarded_protocol(config.limits.header_timeout_s, config.limits.max_connections),
        timeout_keep_alive=config.limits.keep_alive_s,
        timeout_graceful_shutdown=5, h11_max_incomplete_event_size=64 * 1024, server_header=False,
    )
    on_ready = (lambda: app.state.jobs.run_in_background(warm_up)) if warm else None
    server = _Server(uv_config, sock, ready_out or sys.stdout, on_ready)
    if stop_on_stdin_eof:
        _stop_when_stdin_closes(server)
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
