"""Headless batch: speak a whole dialogue script onto the faces of a .blend, line by line.

Inside Blender (the scene is opened by Blender, arguments after ``--``):

    blender -b scene.blend --python unitaf_blender/batch.py -- --dialogue lines.csv --save out.blend

With the ``bpy`` wheel (plain Python; the first argument is the .blend to open):

    python unitaf_blender/batch.py scene.blend --dialogue lines.csv --save out.blend

Every line becomes its own Action in an NLA strip on the target's shape keys plus a sound strip, laid
out without overlaps (see ``core.dialogue``). A bad row or a failing line is reported with its row
number and the others go on; the exit code is 0 when every line landed, 1 when any failed, 2 when the
run could not start (bad arguments, unreadable dialogue file, no backend). Re-running adds to what is
there; ``--replace`` first removes what earlier batch runs made (their actions and strips, not files).

The backend is opened once and kept warm; a small thread pool asks it for the next lines while the
main thread writes the current one into the scene (bpy is only touched on the main thread).
``docs/batch.md`` has the details.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import importlib
import itertools
import json
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

if __name__ == "__main__" and not __package__:
    # Run as a script (by Blender's --python or plain Python): make the add-on package this file lives
    # in importable under its folder's name, so the relative imports below work (PEP 366).
    _here = Path(__file__).resolve().parent
    sys.path.insert(0, str(_here.parent))
    __package__ = _here.name
    importlib.import_module(__package__)

from .core.backend_api import AnimateRequest, Backend, BackendError, FaceResult, SpeakRequest
from .core.dialogue import (
    Dialogue,
    DialogueError,
    DialogueLine,
    RowProblem,
    TimelineLayout,
    default_gap,
    frames_for,
    read_dialogue,
)
from .core.keymaker_client import KeymakerError

BATCH_TAG = "unitaf_batch"          # custom property on what a batch run made: the run's id
BATCH_OBJECT_TAG = "unitaf_batch_object"
EXIT_OK, EXIT_LINES_FAILED, EXIT_CANNOT_RUN, EXIT_INTERRUPTED = 0, 1, 2, 130


class SaveError(Exception):
    """The result could not be saved (the scene in memory has it; nothing on disk was changed)."""


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
        epilog="Columns: object,start,text,audio,transcript,emotion,intensity,voice. See docs/batch.md.",
    )
    p.add_argument("blend", nargs="?", help="the .blend to open (plain Python; in Blender, the open file)")
    p.add_argument("--dialogue", required=True, help="the dialogue file, .csv (with a header row) or .json")
    p.add_argument("--save", help="where to save the result (may be the file that was opened)")
    p.add_argument("--check", action="store_true",
                   help="only check the dialogue against the scene (rows, objects, WAV files): no backend, "
                        "nothing saved")
    p.add_argument("--object", help="target object for rows whose 'object' cell is empty")
    p.add_argument("--replace", action="store_true",
                   help="first remove what earlier batch runs made for the dialogue's objects "
                        "(actions and strips; WAV files stay)")
    p.add_argument("--gap", type=int, default=None,
                   help="frames between lines on one object when 'start' is empty (default: half a second)")
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
    p.add_argument("--make-shape-keys", metavar="OBJECT",
                   help="first add the ARKit shape keys this head mesh lacks (docs/keymaker.md)")
    return p


@dataclass(frozen=True)
class BatchOptions:
    dialogue: str
    save: str
    blend: str | None = None
    object: str | None = None
    replace: bool = False
    gap: int | None = None
    mode: str = "auto"
    seed: int = 0
    workers: int = 1
    overlap: bool = True
    backend: str = "auto"
    urls: tuple[str, ...] = ()
    token: str | None = None
    backend_python: str | None = None
    audio_dir: str | None = None
    pack_audio: bool = False
    report: str | None = None
    check: bool = False
    make_shape_keys: str | None = None

    @staticmethod
    def from_args(ns: argparse.Namespace) -> BatchOptions:
        return BatchOptions(
            dialogue=ns.dialogue, save=ns.save or "", blend=ns.blend, object=ns.object, replace=ns.replace,
            gap=ns.gap, mode=ns.mode, seed=ns.seed, workers=ns.workers or max(1, len(ns.url or ())),
            overlap=not ns.no_overlap, backend="http" if ns.url else ns.backend, urls=tuple(ns.url or ()),
            token=ns.token,
            backend_python=ns.backend_python,
            audio_dir=ns.audio_dir, pack_audio=ns.pack_audio, report=ns.report, check=ns.check,
            make_shape_keys=ns.make_shape_keys,
        )


# ---------------------------------------------------------------------------------------------- results

@dataclass(frozen=True)
class LineOutcome:
    row: int
    object: str
    label: str
    ok: bool
    message: str = ""               # the error, or a note (e.g. "moved from 120")
    frame_start: int = 0
    frame_end: int = 0              # exclusive
    duration: float = 0.0           # seconds of audio
    action: str = ""
    sound_strip: str = ""


@dataclass
class BatchReport:
    outcomes: list[LineOutcome]
    wall_s: float
    saved: str
    removed: int = 0                # earlier batch results removed by --replace
    interrupted: bool = False       # Ctrl-C: the lines that landed were saved, the rest not run
    checked_only: bool = False      # --check: rows were checked, nothing was spoken or saved

    @property
    def landed(self) -> list[LineOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[LineOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def audio_s(self) -> float:
        return sum(o.duration for o in self.landed)

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        return EXIT_LINES_FAILED if self.failed else EXIT_OK

    def to_json(self) -> dict:
        return {
            "lines": [dataclasses.asdict(o) for o in self.outcomes],
            "landed": len(self.landed), "failed": len(self.failed), "audio_s": self.audio_s,
            "wall_s": self.wall_s, "saved": self.saved, "removed": self.removed,
            "interrupted": self.interrupted, "exit_code": self.exit_code,
        }

    def summary(self) -> str:
        n, bad = len(self.outcomes), self.failed
        if self.checked_only:
            rows = ", ".join(str(o.row) for o in bad)
            return f"{n - len(bad)} of {n} rows are fine" + (f", {len(bad)} not (row(s) {rows})" if bad else "")
        per_min = 60.0 * len(self.landed) / self.wall_s if self.wall_s > 0 else 0.0
        speed = self.audio_s / self.wall_s if self.wall_s > 0 else 0.0
        head = f"{len(self.landed)} of {n} lines landed"
        if bad:
            head += f", {len(bad)} failed (row{'s' if len(bad) > 1 else ''} {', '.join(str(o.row) for o in bad)})"
        lines = [
            head,
            (f"{self.audio_s:.1f} s of audio in {self.wall_s:.1f} s: {per_min:.1f} lines/min, "
             f"{speed:.2f} audio s per wall s"),
        ]
        if self.interrupted:
            lines.append("interrupted: the lines that landed were saved, the others were not run")
        if self.removed:
            lines.append(f"--replace removed {self.removed} earlier batch result(s)")
        if self.saved:
            lines.append(f"saved {self.saved}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------- progress

class Progress:
    """One line per dialogue row on stdout; on a terminal also a bar that redraws under them."""

    def __init__(self, total: int, stream: TextIO | None = None):
        self.total = max(1, total)
        self.done = 0
        self.stream = stream or sys.stdout
        self.bar = bool(getattr(self.stream, "isatty", lambda: False)())
        self.t0 = time.perf_counter()

    def line(self, text: str) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
        self.stream.write(text + "\n")
        self._draw()
        self.stream.flush()

    def step(self, text: str) -> None:
        self.done += 1
        self.line(f"[{self.done:>{len(str(self.total))}}/{self.total}] {text}")

    def _draw(self) -> None:
        if not self.bar or self.done >= self.total:
            return
        width = 30
        filled = int(width * self.done / self.total)
        elapsed = time.perf_counter() - self.t0
        left = f", about {elapsed / self.done * (self.total - self.done):.0f} s left" if self.done else ""
        self.stream.write(f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total}"
                          f"  {elapsed:.0f} s{left}")

    def close(self) -> None:
        if self.bar:
            self.stream.write("\r\033[K")
            self.stream.flush()


# ---------------------------------------------------------------------------------------------- backend

def request_for(line: DialogueLine, fps: float, mode: str, seed: int) -> SpeakRequest | AnimateRequest:
    """The backend request for one dialogue line (reads the WAV for audio lines)."""
    if line.audio is not None:
        with open(line.audio, "rb") as f:
            wav = f.read()
        return AnimateRequest(wav_bytes=wav, transcript=line.transcript, emotion=line.emotion,
                              intensity=line.intensity, fps=fps, mode=mode, seed=seed)
    return SpeakRequest(text=line.text or "", emotion=line.emotion, intensity=line.intensity, voice=line.voice,
                        fps=fps, mode=mode, seed=seed)


def run_request(backend: Backend, request: SpeakRequest | AnimateRequest) -> FaceResult:
    if isinstance(request, AnimateRequest):
        return backend.animate(request)
    return backend.speak(request)


class Synthesizer:
    """Asks the backend for lines ahead of the writer, with at most ``workers`` backends, all kept warm.

    ``results(lines)`` yields (line, FaceResult or the exception) in the lines' order, keeping up to
    ``workers + 1`` requests in flight so the next line is synthesised while the current one is written.
    With ``overlap=False`` every line is synthesised on the caller's thread right before it is written.
    A backend serves one request at a time and is reused for the next one; a second one is opened only when
    every open one is busy (so one worker means one backend, e.g. a single local service process).
    """

    def __init__(self, open_backend: Callable[[], Backend], workers: int = 1, overlap: bool = True):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self._open = open_backend
        self._workers = workers
        self._overlap = overlap
        self._backends: list[Backend] = []
        self._idle: queue.Queue[Backend] = queue.Queue()
        self._lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    def _acquire(self) -> Backend:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._lock:
            may_open = len(self._backends) < self._workers
            if may_open:
                backend = self._open()
                self._backends.append(backend)
                return backend
        return self._idle.get()

    def warm_up(self) -> dict:
        """Open the first backend now, so 'no backend' stops the run before anything is written."""
        backend = self._acquire()
        try:
            return backend.info()
        finally:
            self._idle.put(backend)

    def _one(self, request: Callable[[], SpeakRequest | AnimateRequest]) -> FaceResult:
        backend = self._acquire()
        try:
            return run_request(backend, request())
        finally:
            self._idle.put(backend)

    def results(self, lines: list[DialogueLine],
                make_request: Callable[[DialogueLine], SpeakRequest | AnimateRequest],
                ) -> Iterator[tuple[DialogueLine, FaceResult | BaseException]]:
        if not self._overlap:
            for line in lines:
                try:
                    yield line, self._one(functools.partial(make_request, line))
                except Exception as exc:  # noqa: BLE001 - any failure is this line's, reported by the caller
                    yield line, exc
            return
        self._pool = ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="unitaf-batch")
        ahead = self._workers + 1
        pending: list[tuple[DialogueLine, Future[FaceResult]]] = []
        todo = iter(lines)
        try:
            while True:
                while len(pending) < ahead:
                    nxt = next(todo, None)
                    if nxt is None:
                        break
                    pending.append((nxt, self._pool.submit(self._one, functools.partial(make_request, nxt))))
                if not pending:
                    return
                line, fut = pending.pop(0)
                try:
                    yield line, fut.result()
                except Exception as exc:  # noqa: BLE001 - any failure is this line's, reported by the caller
                    yield line, exc
        finally:
            for _, fut in pending:
                fut.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        with self._lock:
            backends, self._backends = self._backends, []
        for b in backends:
            try:
                b.close()
            except Exception as exc:  # noqa: BLE001 - closing must not hide the run's own outcome
                print(f"batch: closing the backend: {exc}", file=sys.stderr)


def backend_opener(opts: BatchOptions) -> Callable[[], Backend]:
    """How each worker opens its backend: in-process when possible, else the HTTP service."""
    from .blender import backend_factory
    opened = itertools.count()

    def open_one() -> Backend:
        # Worker i talks to the i-th service (round robin when there are more workers than URLs).
        url = opts.urls[next(opened) % len(opts.urls)] if opts.urls else None
        return backend_factory.make_backend(kind=opts.backend, url=url, token=opts.token,
                                            python=opts.backend_python)
    return open_one


def error_text(exc: BaseException) -> str:
    """One line for the log: our own errors as they are, anything else with its type."""
    if isinstance(exc, (BackendError, DialogueError, ValueError, OSError)):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}"


# ---------------------------------------------------------------------------------------------- the scene

def scene_fps(scene: Any) -> float:
    return float(scene.render.fps) / float(scene.render.fps_base)


def sound_strips(scene: Any) -> list[Any]:
    from .blender.compat import all_strips
    se = scene.sequence_editor
    return [] if se is None else [s for s in all_strips(se) if s.type == "SOUND"]


def nla_spans(obj: Any) -> list[tuple[int, int]]:
    """Frames covered by the NLA strips on an object's shape keys (earlier lines, batch or not)."""
    key = getattr(getattr(obj, "data", None), "shape_keys", None)
    ad = key.animation_data if key is not None else None
    if ad is None:
        return []
    spans = []
    for track in ad.nla_tracks:
        for strip in track.strips:
            spans.append((round(strip.frame_start), round(strip.frame_end) + 1))
    return spans


def occupied_spans(scene: Any, objects: set[str]) -> dict[str, list[tuple[int, int]]]:
    """What is already on each target's timeline: its NLA strips and the batch's sound strips for it."""
    import bpy
    out: dict[str, list[tuple[int, int]]] = {}
    for name in objects:
        obj = bpy.data.objects.get(name)
        if obj is not None:
            out[name] = nla_spans(obj)
    for s in sound_strips(scene):
        name = s.get(BATCH_OBJECT_TAG)
        if name in out:
            out[name].append((int(s.frame_final_start), int(s.frame_final_end)))
    return out


def remove_batch_results(scene: Any, objects: set[str]) -> int:
    """Remove the actions, NLA strips and sound strips earlier batch runs made for these objects.

    Lines made by hand, other objects' lines and every WAV file stay. Returns how many lines were removed.
    """
    import bpy

    from .blender.compat import strips_collection
    from .blender.writer import NLA_TRACK_NAME
    se = scene.sequence_editor
    for s in sound_strips(scene):
        if s.get(BATCH_TAG) is not None and s.get(BATCH_OBJECT_TAG) in objects and se is not None:
            strips_collection(se).remove(s)
    batch_actions = {a for a in bpy.data.actions
                     if a.get(BATCH_TAG) is not None and a.get(BATCH_OBJECT_TAG) in objects}
    for key in bpy.data.shape_keys:
        ad = key.animation_data
        if ad is None:
            continue
        if ad.action in batch_actions:
            ad.action = None
        for track in list(ad.nla_tracks):
            for strip in list(track.strips):
                if strip.action in batch_actions:
                    track.strips.remove(strip)
            if len(track.strips) == 0 and track.name.startswith(NLA_TRACK_NAME):
                ad.nla_tracks.remove(track)
    for action in batch_actions:
        bpy.data.actions.remove(action)
    return len(batch_actions)


def check_target(name: str) -> str | None:
    """Why an object cannot take a line, or None when it can."""
    import bpy
    obj = bpy.data.objects.get(name)
    if obj is None:
        return f"no object named {name!r} in the scene"
    if obj.type != "MESH":
        return f"object {name!r} is a {obj.type.lower()}, not a mesh with shape keys"
    if obj.data.shape_keys is None:
        return f"object {name!r} has no shape keys"
    return None


def _flush_c_stdio() -> None:
    try:
        import ctypes
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):     # no C library handle here (e.g. Windows): skip
        pass


@contextlib.contextmanager
def blender_quiet() -> Iterator[None]:
    """Hide what Blender itself prints to stdout ("Info: Saved ...", "Read blend ...") so the batch's own
    log stays readable; our errors still surface as exceptions."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:             # no real file descriptor (an embedding host): print as it comes
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _flush_c_stdio()        # what C code buffered while hidden must not come out afterwards
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


def pack_sounds(sound_names: list[str], scene: Any) -> None:
    """Pack the new lines' audio into the .blend (--pack-audio)."""
    strips = {s.name: s for s in sound_strips(scene)}
    for name in sound_names:
        strip = strips.get(name)
        if strip is not None and strip.sound is not None and strip.sound.packed_file is None:
            strip.sound.pack()


def make_sounds_relative(sound_names: list[str], scene: Any) -> bool:
    """Point the new sounds at their WAVs relative to the saved .blend; True when a path changed."""
    import bpy
    changed = False
    strips = {s.name: s for s in sound_strips(scene)}
    for name in sound_names:
        strip = strips.get(name)
        sound = None if strip is None else strip.sound
        if sound is None or sound.packed_file is not None or sound.filepath.startswith("//"):
            continue
        try:
            sound.filepath = bpy.path.relpath(bpy.path.abspath(sound.filepath))
            changed = True
        except ValueError:      # another drive on Windows: keep the absolute path
            pass
    return changed


def save_blend(save_path: str, sound_names: list[str], scene: Any, pack: bool) -> None:
    """Save as `save_path` (Blender keeps the file it replaces as .blend1), with the new audio relative."""
    import bpy
    os.makedirs(os.path.dirname(save_path) or ".", exist_ok=True)
    with blender_quiet():
        if pack:
            pack_sounds(sound_names, scene)
        bpy.ops.wm.save_as_mainfile(filepath=save_path)     # relative paths are remapped to the new folder
        if make_sounds_relative(sound_names, scene):
            # Store the now relative paths; this second write of our own output needs no backup copy.
            prefs: Any = bpy.context.preferences
            paths = prefs.filepaths
            versions, paths.save_version = paths.save_version, 0
            try:
                bpy.ops.wm.save_mainfile()
            finally:
                paths.save_version = versions


# ---------------------------------------------------------------------------------------------- the run

def open_scene(opts: BatchOptions) -> Any:
    """Open the .blend named on the command line (plain Python); inside Blender, the open file's scene."""
    import bpy
    if opts.blend:
        if not os.path.isfile(opts.blend):
            raise DialogueError(f".blend file not found: {opts.blend}")
        with blender_quiet():
            bpy.ops.wm.open_mainfile(filepath=os.path.abspath(opts.blend), load_ui=False)
    return bpy.context.scene


def check_dialogue(opts: BatchOptions, out: TextIO | None = None) -> BatchReport:
    """--check: every row checked against the scene, without a backend; nothing is changed or saved."""
    t0 = time.perf_counter()
    open_scene(opts)
    dialogue = read_dialogue(opts.dialogue, default_object=opts.object)
    progress = Progress(dialogue.n_rows, out or sys.stdout)
    errors = {name: check_target(name) for name in {ln.object for ln in dialogue.lines}}
    outcomes = [LineOutcome(p.row, "", "", ok=False, message=p.message) for p in dialogue.problems]
    for ln in dialogue.lines:
        err = errors[ln.object]
        outcomes.append(LineOutcome(ln.row, ln.object, ln.label, ok=err is None, message=err or ""))
    outcomes.sort(key=lambda o: o.row)
    for o in outcomes:
        progress.step(f"row {o.row}: {'ok' if o.ok else 'FAILED: ' + o.message}")
    progress.close()
    return BatchReport(outcomes=outcomes, wall_s=time.perf_counter() - t0, saved="", checked_only=True)


def run_batch(opts: BatchOptions, out: TextIO | None = None,
              open_backend: Callable[[], Backend] | None = None) -> BatchReport:
    """Open (if asked), speak every line, save. Raises DialogueError/BackendError when it cannot start."""
    from .blender.apply import apply_face_result

    stream = out or sys.stdout
    t0 = time.perf_counter()
    scene: Any = open_scene(opts)
    if opts.make_shape_keys:
        from .blender.keymaker import make_keys_for_object_named
        stream.write(make_keys_for_object_named(opts.make_shape_keys, opts.backend_python or "") + "\n")
    dialogue: Dialogue = read_dialogue(opts.dialogue, default_object=opts.object)
    fps = scene_fps(scene)
    save_path = os.path.abspath(opts.save)
    audio_dir = os.path.abspath(opts.audio_dir or os.path.join(os.path.dirname(save_path), "unitaf_audio"))
    run_id = time.strftime("%Y%m%d-%H%M%S")

    progress = Progress(dialogue.n_rows, stream)
    interrupted = False
    synth = Synthesizer(open_backend or backend_opener(opts), workers=opts.workers, overlap=opts.overlap)
    try:
        try:
            info = synth.warm_up()
        except BackendError as exc:
            hint = "" if opts.urls or opts.backend_python else " (batch: --backend-python PATH or --url URL)"
            raise BackendError(f"{exc}{hint}") from None
        progress.line(f"UniTAF batch: {dialogue.n_rows} rows from {opts.dialogue}, "
                      f"backend {info.get('name', info.get('kind', 'ready'))}, {fps:g} fps")

        targets = {ln.object for ln in dialogue.lines}
        removed = remove_batch_results(scene, targets) if opts.replace else 0
        layout = TimelineLayout(first_frame=scene.frame_start,
                                gap=default_gap(fps) if opts.gap is None else opts.gap,
                                occupied=occupied_spans(scene, targets))

        problems = {p.row: p for p in dialogue.problems}
        target_errors = {name: check_target(name) for name in targets}
        runnable = [ln for ln in dialogue.lines if target_errors[ln.object] is None]
        outcomes: dict[int, LineOutcome] = {}
        sounds: list[str] = []

        def report_problems_before(row: int) -> None:
            for r in sorted(problems):
                if r >= row:
                    break
                p = problems.pop(r)
                outcomes[r] = LineOutcome(row=r, object="", label="", ok=False, message=p.message)
                progress.step(f"row {r}: FAILED: {p.message}")

        for ln in dialogue.lines:
            if target_errors[ln.object] is not None:
                problems[ln.row] = RowProblem(ln.row, target_errors[ln.object] or "")

        def make(ln: DialogueLine) -> SpeakRequest | AnimateRequest:
            return request_for(ln, fps, opts.mode, opts.seed)

        def land(line: DialogueLine, got: FaceResult | BaseException) -> None:
            outcome = _write_line(scene, line, got, layout, fps, audio_dir, run_id, apply_face_result)
            outcomes[line.row] = outcome
            if outcome.ok:
                sounds.append(outcome.sound_strip)
                note = f"  ({outcome.message})" if outcome.message else ""
                progress.step(f"row {line.row}: {line.object} frames {outcome.frame_start}-{outcome.frame_end - 1}"
                              f" ({outcome.duration:.1f} s) {line.label!r} ok{note}")
            else:
                progress.step(f"row {line.row}: FAILED: {outcome.message}")

        try:
            for line, got in synth.results(runnable, make):
                report_problems_before(line.row)
                land(line, got)
        except KeyboardInterrupt:
            # Stop asking for more; what landed so far is saved below, the rest is reported as not run.
            interrupted = True
            for ln in runnable:
                if ln.row not in outcomes:
                    problems.setdefault(ln.row, RowProblem(ln.row, "not run: the batch was interrupted"))
        report_problems_before(sys.maxsize)
    finally:
        synth.close()
        progress.close()

    ends = [o.frame_end - 1 for o in outcomes.values() if o.ok]
    if ends and max(ends) > scene.frame_end:
        scene.frame_end = max(ends)
    try:
        save_blend(save_path, sounds, scene, opts.pack_audio)
    except (OSError, RuntimeError) as exc:
        raise SaveError(f"could not save {save_path}: {exc}") from None
    return BatchReport(outcomes=[outcomes[r] for r in sorted(outcomes)], wall_s=time.perf_counter() - t0,
                       saved=save_path, removed=removed, interrupted=interrupted)


def _write_line(scene: Any, line: DialogueLine, got: FaceResult | BaseException, layout: TimelineLayout,
                fps: float, audio_dir: str, run_id: str, apply: Callable[..., Any]) -> LineOutcome:
    """Place one synthesised line and write it; any failure is the line's outcome, not the run's."""
    import bpy
    if isinstance(got, BaseException):
        return LineOutcome(line.row, line.object, line.label, ok=False, message=error_text(got))
    try:
        place = layout.place(line.object, line.start, frames_for(got.duration, fps))
        obj = bpy.data.objects[line.object]
        applied = apply(scene, obj, got, start_frame=place.start, name=_line_name(line),
                        add_sound=True, use_nla=True, audio_dir=audio_dir, audio_file=line.audio)
    except Exception as exc:  # noqa: BLE001 - a line that cannot be written fails alone
        return LineOutcome(line.row, line.object, line.label, ok=False, message=error_text(exc))
    start, end = int(applied.frame_start), int(applied.frame_end) + 1
    layout.reserve(line.object, start, max(end, place.end))
    action = bpy.data.actions.get(applied.action_name)
    if action is not None:
        action[BATCH_TAG] = run_id
        action[BATCH_OBJECT_TAG] = line.object
    for s in sound_strips(scene):
        if s.name == applied.sound_strip_name:
            s[BATCH_TAG] = run_id
            s[BATCH_OBJECT_TAG] = line.object
    warnings = "; ".join(applied.warnings)
    note = f"asked for frame {place.requested}, moved to avoid an overlap" if place.moved else ""
    note = "; ".join(n for n in (note, warnings) if n)
    return LineOutcome(line.row, line.object, line.label, ok=True, message=note, frame_start=start,
                       frame_end=end, duration=float(got.duration), action=applied.action_name,
                       sound_strip=applied.sound_strip_name or "")


def _line_name(line: DialogueLine) -> str:
    return f"{line.object} {line.row:03d} {line.label}"


def main(argv: list[str] | None = None) -> int:
    args, _in_blender = script_args(sys.argv if argv is None else argv)
    parser = build_parser()
    ns = parser.parse_args(args)
    if not ns.save and not ns.check:
        parser.error("--save is required (or --check to only check the dialogue)")
    opts = BatchOptions.from_args(ns)
    if opts.workers < 1:
        print("batch: --workers must be at least 1", file=sys.stderr)
        return EXIT_CANNOT_RUN
    try:
        report = check_dialogue(opts) if opts.check else run_batch(opts)
    except (DialogueError, BackendError, SaveError, KeymakerError) as exc:
        print(f"batch: {exc}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    print(report.summary())
    if opts.report:
        with open(opts.report, "w", encoding="utf-8") as f:
            json.dump(report.to_json(), f, indent=1)
    return report.exit_code


if __name__ == "__main__":
    sys.exit(main())
