"""Before using a backend, say exactly what is missing: the interpreter, the backend in it, a free port,
matching versions; or, for a remote server, whether it answers and accepts the token.

Each problem has a stable `code` (for the UI and tests) and one sentence that says what to do.
"""

from __future__ import annotations

import errno
import json
import socket
import subprocess
from dataclasses import dataclass

from .backend_api import BackendError
from .backend_process import child_env, find_interpreter
from .http_client import Endpoint, TransportError, send
from .version import ADDON_VERSION, API_VERSION, versions_compatible

# Run inside the backend interpreter: report its Python, the backend's version, and whether the service
# (FastAPI, uvicorn) can load. Prints one JSON line.
_PROBE = r"""
import json, sys
out = {"python": sys.version.split()[0]}
try:
    import unitaf_backend
    out["version"] = unitaf_backend.__version__
    try:
        import unitaf_backend.service.server
    except Exception as err:
        out["service_error"] = f"{type(err).__name__}: {err}"
except Exception as err:
    out["import_error"] = f"{type(err).__name__}: {err}"
print("UNITAF_PROBE " + json.dumps(out))
"""


@dataclass(frozen=True)
class Problem:
    code: str        # interpreter_not_found | interpreter_failed | backend_not_installed | backend_broken |
    #                  version_mismatch | port_busy | unreachable | unauthorized | bad_answer
    message: str


@dataclass(frozen=True)
class StartupReport:
    problems: tuple[Problem, ...]
    backend_version: str | None = None
    python_version: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.problems)

    def summary(self) -> str:
        if self.ok:
            return f"ready: UniTAF backend {self.backend_version}" + (
                f" (Python {self.python_version})" if self.python_version else "")
        return "\n".join(p.message for p in self.problems)


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1), errno.EACCES):
                return False
            raise
    return True


def _version_problem(backend_version: str, where: str) -> Problem | None:
    if versions_compatible(ADDON_VERSION, backend_version):
        return None
    return Problem("version_mismatch", f"version mismatch: the add-on is {ADDON_VERSION} but the backend {where} is "
                                       f"{backend_version}; install the same major.minor version of both")


def check_local(python: str, port: int = 0, host: str = "127.0.0.1", timeout: float = 60.0) -> StartupReport:
    """Can this add-on start a backend with `python` (on `port`, 0 = any free port)?"""
    problems: list[Problem] = []
    if port and not port_is_free(port, host):
        problems.append(Problem("port_busy", f"port {port} on {host} is already in use by another program: "
                                             "choose another port, or 0 for any free port"))
    exe = find_interpreter(python)
    if exe is None:
        problems.append(Problem("interpreter_not_found", f"Python interpreter not found: {python!r}. Set "
                                "'Backend Python' in the UniTAF preferences to the python of a UniTAF install "
                                "(e.g. <UniTAF folder>/.venv/bin/python)"))
        return StartupReport(tuple(problems))
    try:
        run = subprocess.run([exe, "-c", _PROBE], check=False, capture_output=True, timeout=timeout,
                             stdin=subprocess.DEVNULL, env=child_env())
    except subprocess.TimeoutExpired:
        problems.append(Problem("interpreter_failed", f"{python} did not answer within {timeout:g} s"))
        return StartupReport(tuple(problems))
    except OSError as err:
        problems.append(Problem("interpreter_failed", f"cannot run {python}: {err.strerror or err}"))
        return StartupReport(tuple(problems))
    probe = _probe_result(run.stdout.decode("utf-8", "replace"))
    if probe is None:
        last = run.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        problems.append(Problem("interpreter_failed", f"{python} is not a working Python interpreter ({last[0]})"))
        return StartupReport(tuple(problems))
    py = probe.get("python")
    if "import_error" in probe:
        problems.append(Problem("backend_not_installed", f"the UniTAF backend is not installed in {python} "
                                f"({probe['import_error']}): install it there (pip install <UniTAF folder>) or "
                                "choose the python of a UniTAF install"))
        return StartupReport(tuple(problems), python_version=py)
    version = str(probe.get("version"))
    if "service_error" in probe:
        problems.append(Problem("backend_broken", f"the UniTAF backend {version} in {python} cannot run its "
                                f"service ({probe['service_error']}): reinstall it with its dependencies"))
    mismatch = _version_problem(version, f"in {python}")
    if mismatch:
        problems.append(mismatch)
    return StartupReport(tuple(problems), backend_version=version, python_version=py)


def _probe_result(stdout: str) -> dict | None:
    for line in stdout.splitlines():
        if line.startswith("UNITAF_PROBE "):
            try:
                value = json.loads(line[len("UNITAF_PROBE "):])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def check_remote(url: str, token: str | None = None, timeout: float = 10.0) -> StartupReport:
    """Does the server at `url` answer, accept the token, and match this add-on's version?"""
    endpoint = Endpoint(url.rstrip("/"), token or None)
    try:
        reply = send(endpoint, "GET", "/v1/health", timeout=timeout)
    except TransportError as err:
        return StartupReport((Problem("unreachable", f"{err}: is `unitaf serve` running there?"),))
    except BackendError as err:
        return StartupReport((Problem("unreachable", str(err)),))
    if reply.status == 401:
        return StartupReport((Problem("unauthorized", f"the backend at {url} refused the token: set the token it "
                                                      "was started with in the UniTAF preferences"),))
    if reply.status != 200:
        return StartupReport((Problem("bad_answer", f"the backend at {url} answered the health check with "
                                                    f"{reply.error_message()}"),))
    try:
        health = reply.json()
    except BackendError as err:
        return StartupReport((Problem("bad_answer", f"{url} does not look like a UniTAF backend ({err})"),))
    version = str(health.get("version", "?"))
    problems = []
    if health.get("api_version") != API_VERSION:
        problems.append(Problem("version_mismatch", f"the backend at {url} speaks API version "
                                f"{health.get('api_version')}, this add-on speaks {API_VERSION}"))
    mismatch = _version_problem(version, f"at {url}")
    if mismatch:
        problems.append(mismatch)
    return StartupReport(tuple(problems), backend_version=version)
