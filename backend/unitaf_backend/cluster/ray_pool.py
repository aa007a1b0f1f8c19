"""A pool of Ray actors, each holding one warm pipeline, fed rows with bounded work in flight.

Each actor is one worker process: its models load on its first row and serve every later one. The driver
keeps at most ``IN_FLIGHT`` rows queued per actor (one computing, one waiting, so no actor idles between
rows and the driver never holds the whole script in Ray's object store) and yields results as they
finish. A worker that dies (killed, out of memory, its node lost) costs a retry: its rows go to the other
actors, a new actor takes its place, and a row is given up after ``retries`` deaths. A row that fails for
its own reason (bad input) comes back as a ``RowFailure`` and is never retried.

Needs the ``cluster`` extra (``pip install .[cluster]``).
"""

from __future__ import annotations

import os
import socket
import sys
from collections import deque
from collections.abc import Iterator
from typing import Any, Self, TextIO

from ..cache.key import LineRecipe
from ..cache.rows import LineJob
from ..cache.store import CachedLine
from ..errors import BadInput, NotInstalled
from .render import RowFailure

IN_FLIGHT = 2
CONNECT_TIMEOUT_S = 10.0


class LineWorker:
    """The actor's body: one pipeline per process, kept warm between rows."""

    def __init__(self) -> None:
        # one thread per worker: the pool, not the threads inside a line, uses the cores
        os.environ.setdefault("OMP_NUM_THREADS", "1")

    def pid(self) -> int:
        return os.getpid()

    def version(self) -> str:
        from ..cache.version import pipeline_version
        return pipeline_version()

    def render(self, recipe: LineRecipe, audio: bytes | None) -> tuple[str, CachedLine | str]:
        from ..errors import UnitafError
        from .compute import compute_line
        try:
            return "ok", compute_line(recipe, audio)
        except (UnitafError, OSError, ValueError) as err:
            return "bad", str(err)


def _check_reachable(address: str) -> None:
    """A HOST:PORT address that nothing answers on is refused now, not after Ray's own long retries."""
    if address == "auto":
        return
    hostport = address.removeprefix("ray://")
    host, sep, port = hostport.rpartition(":")
    if not sep or not port.isdigit():
        raise BadInput(f"--address must be auto, HOST:PORT or ray://HOST:PORT, got {address!r}")
    try:
        socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as err:
        raise BadInput(f"cannot reach the Ray cluster at {address}: {err.strerror or err} "
                       "(is `ray start --head` running there, and the port open?)") from None


class RayPool:
    def __init__(self, workers: int, address: str | None = None, retries: int = 2, stream: TextIO | None = None):
        if workers < 1:
            raise BadInput("the Ray pool needs at least one worker")
        self.workers = workers
        self.address = address
        self.max_retries = retries
        self.retries = 0
        self._stream = stream or sys.stderr
        self._ray: Any = None
        self._actor_class: Any = None
        self._actors: list[Any] = []
        self._connected_here = False

    # ----------------------------------------------------------------------------------------- lifetime

    def __enter__(self) -> Self:
        try:
            import ray
        except ImportError:
            raise NotInstalled("render-lines on workers needs Ray: pip install 'unitaf[cluster]' "
                               "(or --workers 0 to compute in this process)") from None
        self._ray = ray
        if not ray.is_initialized():
            if self.address:
                _check_reachable(self.address)
            try:
                if self.address:
                    ray.init(address=self.address, logging_level="WARNING", log_to_driver=False)
                else:
                    ray.init(num_cpus=self.workers, include_dashboard=False, logging_level="WARNING",
                             log_to_driver=False)
            except (ConnectionError, RuntimeError, TimeoutError, ValueError) as err:
                what = f"join the Ray cluster at {self.address}" if self.address else "start a local Ray"
                raise BadInput(f"cannot {what}: {str(err).splitlines()[0]}") from None
            self._connected_here = True
        self._actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(LineWorker)
        self._actors = [self._actor_class.remote() for _ in range(self.workers)]
        self._check_versions()
        print(f"render-lines: {self.workers} Ray worker(s), "
              f"{int(ray.cluster_resources().get('CPU', 0))} CPU(s) in the cluster", file=self._stream)
        return self

    def __exit__(self, *exc: object) -> None:
        for actor in self._actors:
            try:
                self._ray.kill(actor)
            except Exception:  # noqa: BLE001, S110 - an actor already gone needs no killing
                pass
        self._actors = []
        if self._connected_here:
            self._ray.shutdown()

    def _check_versions(self) -> None:
        """Every worker must run the driver's pipeline: the keys are the driver's, the results the workers'."""
        from ..cache.version import pipeline_version
        mine = pipeline_version()
        theirs = set(self._ray.get([a.version.remote() for a in self._actors]))
        if theirs != {mine}:
            self.__exit__()
            raise BadInput(f"the workers run another UniTAF pipeline ({', '.join(sorted(theirs))}) than this "
                           f"machine ({mine}); install the same backend and models on every node")

    def worker_pids(self) -> list[int]:
        return list(self._ray.get([a.pid.remote() for a in self._actors]))

    # ------------------------------------------------------------------------------------------ running

    def run(self, jobs: list[LineJob]) -> Iterator[tuple[LineJob, CachedLine | RowFailure]]:
        ray = self._ray
        from ray.exceptions import ActorDiedError, ActorUnavailableError, RayActorError

        died = (RayActorError, ActorDiedError, ActorUnavailableError)
        queue: deque[tuple[LineJob, int]] = deque((job, 0) for job in jobs)
        in_flight: dict[Any, tuple[Any, LineJob, int]] = {}      # ref -> (actor, job, deaths so far)
        load = {id(a): 0 for a in self._actors}

        def feed() -> None:
            for actor in list(self._actors):
                while queue and load[id(actor)] < IN_FLIGHT:
                    job, deaths = queue.popleft()
                    audio = job.audio_path.read_bytes() if job.audio_path is not None else None
                    in_flight[actor.render.remote(job.recipe, audio)] = (actor, job, deaths)
                    load[id(actor)] += 1

        feed()
        while in_flight:
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            ref = ready[0]
            actor, job, deaths = in_flight.pop(ref)
            try:
                status, value = ray.get(ref)
            except died:
                self._replace(actor, load)
                if deaths < self.max_retries:
                    self.retries += 1
                    queue.appendleft((job, deaths + 1))
                    print(f"render-lines: a worker died; row {job.row} goes to another one", file=self._stream)
                else:
                    yield job, RowFailure(f"its worker died {deaths + 1} times")
                feed()
                continue
            if id(actor) in load:
                load[id(actor)] -= 1
            feed()
            yield job, (value if status == "ok" else RowFailure(str(value)))

    def _replace(self, dead: Any, load: dict[int, int]) -> None:
        if id(dead) not in load:
            return                        # already replaced (it had several rows in flight)
        del load[id(dead)]
        self._actors = [a for a in self._actors if a is not dead]
        fresh = self._actor_class.remote()
        self._actors.append(fresh)
        load[id(fresh)] = 0
