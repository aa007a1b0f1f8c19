"""Which backend a Generate click (or the batch) talks to.

- in-process (`core.inprocess.InProcessBackend`) when `unitaf_backend` is importable in this Python
  (bpy-module scripts, tests) and the preferences allow it;
- otherwise HTTP (`core.http_client.HttpBackend`): a remote server (URL + token), or a local
  `unitaf serve` started on demand with the backend interpreter named in the preferences.
The UI keeps one backend per settings and reuses it (a started server stays warm); `close_all` on
unregister. Tests can put a stand-in in front of everything with `set_test_backend`.
"""

from __future__ import annotations

import importlib.util
import threading

from ..core.backend_api import Backend, BackendError
from .preferences import Settings, default_interpreter

KINDS = ("auto", "inprocess", "http")

_test_backend: Backend | None = None
_cache: dict[tuple, Backend] = {}
_lock = threading.Lock()


def set_test_backend(backend: Backend | None) -> None:
    """Make every make_backend/backend_for_settings call return `backend` (None restores the real ones)."""
    global _test_backend
    _test_backend = backend


def in_process_available() -> bool:
    try:
        return importlib.util.find_spec("unitaf_backend") is not None
    except (ImportError, ValueError):
        return False


def make_backend(kind: str = "auto", url: str | None = None, token: str | None = None,
                 python: str | None = None) -> Backend:
    """A new backend. kind: auto (in-process when importable, else HTTP), inprocess, http.
    HTTP without a URL starts (or reuses) a local `unitaf serve` run by `python`."""
    if _test_backend is not None:
        return _test_backend
    if kind not in KINDS:
        raise BackendError(f"unknown backend kind {kind!r}; choose one of: {', '.join(KINDS)}")
    if kind == "inprocess" or (kind == "auto" and not url and in_process_available()):
        if not in_process_available():
            raise BackendError("the UniTAF backend (unitaf_backend) is not installed in this Python; "
                               "use the HTTP backend instead")
        from ..core.inprocess import InProcessBackend
        return InProcessBackend()
    from ..core.http_client import HttpBackend
    if url:
        return HttpBackend(url, token=token or None)
    return _local_http_backend(python or default_interpreter())


def _local_http_backend(python: str) -> Backend:
    if not python:
        raise BackendError("no backend interpreter: set 'Backend Python' in the UniTAF preferences "
                           "(the .venv/bin/python of a UniTAF install), or use a remote server")
    from ..core import backend_process
    return backend_process.local_backend(python)


def backend_for_settings(settings: Settings) -> Backend:
    """The UI's backend for these preferences, reused between clicks."""
    if _test_backend is not None:
        return _test_backend
    if settings.backend == "REMOTE":
        spec: tuple = ("http", settings.server_url, settings.token)
    elif settings.use_in_process and in_process_available():
        spec = ("inprocess",)
    else:
        spec = ("local", settings.python_path)
    with _lock:
        if spec not in _cache:
            if spec[0] == "http":
                _cache[spec] = make_backend("http", url=settings.server_url, token=settings.token)
            elif spec[0] == "inprocess":
                _cache[spec] = make_backend("inprocess")
            else:
                _cache[spec] = _local_http_backend(settings.python_path)
        return _cache[spec]


def close_all() -> None:
    """Close every cached backend (stops a local server this add-on started)."""
    with _lock:
        backends = list(_cache.values())
        _cache.clear()
    for backend in backends:
        try:
            backend.close()
        except Exception:      # closing must never stop unregister
            pass
