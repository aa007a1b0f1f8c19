"""The batch run: read the dialogue, decide per row (new, retake, unchanged), lay lines out, speak them with
the look-ahead pool, write each with the add-on's one writer, save atomically.

A row lands all-or-nothing: Ctrl-C (SIGINT) and SIGTERM are held while a row is written and take effect
between rows, so what is saved is exactly the rows that landed and no row leaves a WAV behind without its
line. bpy is only touched on the main thread.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from .batch_report import BatchReport, LineOutcome, Progress
from .batch_synth import Synthesizer, backend_opener, cache_first, error_text, request_for
from .core import timing
from .core.backend_api import Backend, BackendError, FaceResult, IdleRequest
from .core.dialogue import (
    ConversationLayout,
    Dialogue,
    DialogueLine,
    LayoutError,
    PerCharacterLayout,
    RowProblem,
    default_gap,
    estimated_seconds,
    read_dialogue,
)
from .core.resume import RowAction, RowPlan, RowSettings, encode_settings, plan_rows

LAYOUTS = ("conversation", "per-character")


class SaveError(Exception):
    """The result could not be saved (the scene in memory has it; nothing on disk was changed)."""


@dataclass(frozen=True)
class BatchOptions:
    dialogue: str
    save: str
    blend: str | None = None
    object: str | None = None
    replace: bool = False
    gap: int | None = None
    layout: str = "conversation"
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
    idle: tuple[str, ...] = ()          # objects to fill with idle motion between lines ("all": every one)
    markers: str = "none"               # timeline markers per line: "none", "words", "sentences"
    head_motion: bool = False           # the backend's head angles onto each character's head bone / object
    head_bone: str = ""
    make_shape_keys: str | None = None  # a head mesh to give the ARKit shape keys it lacks, before the rows
    cache: str | None = None            # a line cache (unitaf render-lines): cached lines need no backend


class StopRequests:
    """SIGINT and SIGTERM as KeyboardInterrupt, held back while a row is being written."""

    def __init__(self) -> None:
        self.requested = False
        self._raised = False            # only the first stop interrupts; later ones wait for the save
        self._holding = 0
        self._previous: dict[signal.Signals, Any] = {}

    def _handler(self, signum: int, frame: Any) -> None:
        self.requested = True
        if not self._holding:
            self._stop()

    def _stop(self) -> None:
        if not self._raised:
            self._raised = True
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        import threading
        if threading.current_thread() is not threading.main_thread():
            yield                       # signals reach the main thread only; nothing to install
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._previous[sig] = signal.signal(sig, self._handler)
        try:
            yield
        finally:
            for sig, handler in self._previous.items():
                signal.signal(sig, handler)

    @contextlib.contextmanager
    def held(self, then_stop: bool = True) -> Iterator[None]:
        """No interruption inside; a stop asked for meanwhile takes effect at the end (with `then_stop`)."""
        self._holding += 1
        try:
            yield
        finally:
            self._holding -= 1
        if then_stop and not self._holding and self.requested:
            self._stop()


def line_frames(duration: float, fps: float) -> int:
    """Scene frames a line of `duration` seconds plays in (the writer's own rule)."""
    return timing.end_frame(0, duration, fps) + 1


def make_layout(opts: BatchOptions, scene: Any, first_frame: int, fps: float,
                occupied: dict[str, list[tuple[int, int]]]) -> ConversationLayout | PerCharacterLayout:
    gap = default_gap(fps) if opts.gap is None else opts.gap
    if opts.layout == "per-character":
        return PerCharacterLayout(first_frame=scene.frame_start, gap=gap, occupied=occupied)
    return ConversationLayout(first_frame=first_frame, gap=gap)


def _conversation_start(scene: Any, occupied: dict[str, list[tuple[int, int]]], plans: list[RowPlan],
                        gap: int) -> int:
    """Where the first turn goes: the scene's start, or after lines already there that no row owns."""
    owned = {(p.existing.object, p.existing.start) for p in plans if p.existing is not None}
    ends = [e for name, spans in occupied.items() for s, e in spans if (name, s) not in owned]
    return max(scene.frame_start, max(ends) + gap) if ends else int(scene.frame_start)


@dataclass
class _Run:
    """The state of one run, shared by its steps."""
    scene: Any
    opts: BatchOptions
    fps: float
    plans: list[RowPlan]
    problems: dict[int, RowProblem]
    layout: ConversationLayout | PerCharacterLayout
    progress: Progress
    outcomes: dict[int, LineOutcome]

    def settle_before(self, row: int) -> None:
        """Report, in file order, the bad rows and the unchanged rows before `row`."""
        for plan in self.plans:
            r = plan.line.row
            if r >= row or r in self.outcomes:
                continue
            if r in self.problems:
                self._fail(r, plan.line, self.problems.pop(r).message)
            elif plan.action is RowAction.SKIP and plan.existing is not None:
                e = plan.existing
                self.layout.reserve_line(plan.line, e.start, e.end)
                self.outcomes[r] = LineOutcome(r, plan.line.object, plan.line.label, ok=True, status="unchanged",
                                               frame_start=e.start, frame_end=e.end)
                self.progress.step(f"row {r}: {plan.line.object} frames {e.start}-{e.end - 1} "
                                   f"{plan.line.label!r} unchanged (already in the scene)")
        for r in sorted(p for p in self.problems if p < row):      # rows that did not parse
            self._fail(r, None, self.problems.pop(r).message)

    def _fail(self, row: int, line: DialogueLine | None, message: str) -> None:
        self.outcomes[row] = LineOutcome(row, line.object if line else "", line.label if line else "", ok=False,
                                         message=message)
        self.progress.step(f"row {row}: FAILED: {message}")


def _plan_start(run: _Run, plan: RowPlan, length: int) -> tuple[int, str]:
    """Where a row goes, and a note: a retake keeps its line's start unless the row names another."""
    line = plan.line
    if plan.action is RowAction.RETAKE and plan.existing is not None and line.start is None \
            and line.anchor is None:
        return plan.existing.start, ""
    place = run.layout.place_line(line, length)
    note = f"asked for frame {place.requested}, moved to avoid an overlap" if place.moved else ""
    return place.start, note


def _write_row(run: _Run, plan: RowPlan, got: FaceResult | BaseException, audio_dir: str, run_id: str) -> None:
    """Write one synthesised row; any failure is the row's outcome, not the run's."""
    import bpy

    from .blender import batch_scene
    from .blender.apply import apply_face_result
    line = plan.line
    if isinstance(got, BaseException):
        run._fail(line.row, line, error_text(got))
        return
    try:
        length = line_frames(got.duration, run.fps)
        start, note = _plan_start(run, plan, length)
        replace = None
        if plan.existing is not None and plan.action is RowAction.RETAKE:
            if plan.existing.object == line.object:
                replace = plan.existing.line_id
            else:
                batch_scene.remove_row_line(run.scene, plan.existing)
        applied = apply_face_result(run.scene, bpy.data.objects[line.object], got, start_frame=start,
                                    name=f"{line.object} {line.row:03d} {line.label}", audio_dir=audio_dir,
                                    audio_file=line.audio, replace_line=replace, replace_overlapping=False,
                                    markers=run.opts.markers, head_motion=run.opts.head_motion,
                                    head_bone=run.opts.head_bone)
        batch_scene.tag_row(run.scene, applied, line, run_id, encode_settings(row_settings(run.opts, run.fps)))
    except Exception as exc:  # noqa: BLE001 - a line that cannot be written fails alone
        run._fail(line.row, line, error_text(exc))
        return
    end = int(applied.frame_end) + 1
    run.layout.reserve_line(line, int(applied.frame_start), max(end, start + length))
    status = "retake" if plan.action is RowAction.RETAKE else "new"
    if plan.action is RowAction.RETAKE and line.start is None and line.anchor is None:
        hit = _overlapped_rows(run, line.row, int(applied.frame_start), end)
        if hit:
            note = (f"the new take is longer and now overlaps row{'s' if len(hit) > 1 else ''} "
                    f"{', '.join(map(str, hit))}")
    why = plan.reason if plan.action is RowAction.RETAKE else ""
    notes = "; ".join(n for n in (why, note, *applied.warnings, *got.meta.get("warnings", ())) if n)
    run.outcomes[line.row] = LineOutcome(line.row, line.object, line.label, ok=True, message=notes,
                                         frame_start=int(applied.frame_start), frame_end=end,
                                         duration=float(got.duration), action=applied.action_name,
                                         sound_strip=applied.sound_strip_name or "", status=status)
    extra = f"  ({notes})" if notes else ""
    run.progress.step(f"row {line.row}: {line.object} frames {applied.frame_start}-{end - 1} "
                      f"({got.duration:.1f} s) {line.label!r} {status}{extra}")


def row_settings(opts: BatchOptions, fps: float) -> RowSettings:
    """The run's options that shape every row's line (a change retakes the rows written otherwise)."""
    return RowSettings(mode=opts.mode, fps=fps, seed=opts.seed, markers=opts.markers,
                       head_motion=opts.head_motion, head_bone=opts.head_bone)


def _fill_idle(run: _Run, synth: Synthesizer, targets: set[str]) -> list[str]:
    """Idle motion under the lines: for the objects --idle asks for that have none yet or one made with
    another --seed, and for every target whose idle motion (asked for now or earlier) no longer covers
    the scene's range and its lines, e.g. after rows were added. One idle track each: filling replaces it.
    Returns the objects filled. A failure is said and the run goes on (the lines are what matters)."""
    import bpy

    from .blender import idle
    asked = targets if "all" in run.opts.idle else set(run.opts.idle) & targets
    filled: list[str] = []
    for name in sorted(targets):
        obj = bpy.data.objects.get(name)
        if obj is None or obj.type != "MESH":
            continue
        seed, stale = idle.idle_seed(obj), idle.stale_reason(run.scene, obj)
        if name in asked and seed != run.opts.seed:
            why = "under its lines" if seed is None else f"renewed: --seed {seed} -> {run.opts.seed}"
            seed = run.opts.seed
        elif seed is not None and stale:
            why = f"renewed: {stale}"
        else:
            continue
        first, last = idle.idle_span(run.scene, obj)
        try:
            clip = synth.idle(IdleRequest(duration=(last - first) / run.fps, fps=run.fps, seed=seed))
            idle.fill_idle(run.scene, obj, clip, first, seed=seed)
        except Exception as exc:  # noqa: BLE001 - idle motion is extra: say why, keep the lines
            run.progress.line(f"idle: {name}: FAILED: {error_text(exc)}")
            continue
        filled.append(name)
        run.progress.line(f"idle: {name} frames {first}-{last}, {why}")
    return filled


def _overlapped_rows(run: _Run, row: int, start: int, end: int) -> list[int]:
    """Rows other than `row` whose lines (landed or already in the scene) share frames with [start, end)."""
    spans = {p.line.row: (p.existing.start, p.existing.end) for p in run.plans
             if p.action is RowAction.SKIP and p.existing is not None}
    for p in run.plans:
        placed = run.layout.row_span(p.line.row)
        if placed is not None:
            spans[p.line.row] = placed
    return sorted(r for r, (s, e) in spans.items() if r != row and s < end and start < e)


def _prepare(opts: BatchOptions, stream: TextIO) -> tuple[Any, Dialogue, _Run, int]:
    """Open the scene, read the dialogue, remove earlier results (--replace), decide every row, make the
    layout (shared by run and check; --check never saves, so its removal stays in memory). Returns the
    scene, the dialogue, the run's state and how many earlier results were removed."""
    from .blender import batch_scene
    scene: Any = batch_scene.open_scene(opts.blend)
    if opts.make_shape_keys and not opts.check:
        from .blender.keymaker import make_keys_for_object_named
        stream.write(make_keys_for_object_named(opts.make_shape_keys, opts.backend_python or "") + "\n")
    if opts.layout not in LAYOUTS:
        raise BackendError(f"unknown layout {opts.layout!r}; choose one of: {', '.join(LAYOUTS)}")
    dialogue: Dialogue = read_dialogue(opts.dialogue, default_object=opts.object)
    fps = batch_scene.scene_fps(scene)
    targets = {ln.object for ln in dialogue.lines}
    problems = {p.row: p for p in dialogue.problems}
    for name in sorted(targets):
        err = batch_scene.check_target(name)
        for ln in dialogue.lines:
            if err is not None and ln.object == name:
                problems[ln.row] = RowProblem(ln.row, err)
    removed = batch_scene.remove_batch_results(scene, targets) if opts.replace else 0
    existing = batch_scene.rows_in_scene(targets)
    plans = plan_rows(dialogue.lines, existing, row_settings(opts, fps))
    occupied = batch_scene.occupied_spans(targets)
    gap = default_gap(fps) if opts.gap is None else opts.gap
    layout = make_layout(opts, scene, _conversation_start(scene, occupied, plans, gap), fps, occupied)
    run = _Run(scene=scene, opts=opts, fps=fps, plans=plans, problems=problems, layout=layout,
               progress=Progress(dialogue.n_rows, stream), outcomes={})
    return scene, dialogue, run, removed


def check_dialogue(opts: BatchOptions, out: TextIO | None = None) -> BatchReport:
    """--check: every row checked against the scene and laid out, without a backend; nothing changes.

    Rows already in the scene show their real frames; the others an estimate from their text (about 15
    characters a second) or their WAV's length, marked with '~'.
    """
    t0 = time.perf_counter()
    _scene, _dialogue, run, _removed = _prepare(opts, out or sys.stdout)
    for plan in run.plans:
        line = plan.line
        run.settle_before(line.row)
        if plan.action is RowAction.SKIP or line.row in run.outcomes or line.row in run.problems:
            continue
        seconds = estimated_seconds(line)
        try:
            start, _note = _plan_start(run, plan, line_frames(seconds, run.fps))
        except LayoutError as exc:
            run._fail(line.row, line, str(exc))
            continue
        end = start + line_frames(seconds, run.fps)
        run.layout.reserve_line(line, start, end)
        run.outcomes[line.row] = LineOutcome(line.row, line.object, line.label, ok=True, frame_start=start,
                                             frame_end=end, duration=seconds, status=plan.action.value,
                                             message=plan.reason)
        why = f"  ({plan.reason})" if plan.reason else ""
        run.progress.step(f"row {line.row}: {line.object} frames ~{start}-{end - 1} (~{seconds:.1f} s) "
                          f"{line.label!r} {plan.action.value}{why}")
    run.settle_before(sys.maxsize)
    run.progress.close()
    return BatchReport(outcomes=[run.outcomes[r] for r in sorted(run.outcomes)],
                       wall_s=time.perf_counter() - t0, saved="", checked_only=True)


def run_batch(opts: BatchOptions, out: TextIO | None = None,
              open_backend: Callable[[], Backend] | None = None) -> BatchReport:
    """Open (if asked), speak every row that needs it, save. Raises DialogueError/BackendError when it
    cannot start, SaveError when it cannot save."""
    from .blender import batch_scene

    stream = out or sys.stdout
    t0 = time.perf_counter()
    stops = StopRequests()
    with stops.installed():
        with stops.held():
            scene, dialogue, run, removed = _prepare(opts, stream)
        save_path = os.path.abspath(opts.save)
        audio_dir = os.path.abspath(opts.audio_dir or os.path.join(os.path.dirname(save_path), "unitaf_audio"))
        run_id = time.strftime("%Y%m%d-%H%M%S")
        interrupted = False
        idled: list[str] = []
        synth = Synthesizer(cache_first(opts.cache, open_backend or backend_opener(opts)), workers=opts.workers,
                            overlap=opts.overlap)
        try:
            try:
                info = synth.warm_up()
            except BackendError as exc:
                hint = "" if opts.urls or opts.backend_python else " (batch: --backend-python PATH or --url URL)"
                raise BackendError(f"{exc}{hint}") from None
            run.progress.line(f"UniTAF batch: {dialogue.n_rows} rows from {opts.dialogue}, "
                              f"backend {info.get('name', info.get('kind', 'ready'))}, {run.fps:g} fps, "
                              f"{opts.layout} layout")
            todo = [p for p in run.plans if p.action is not RowAction.SKIP and p.line.row not in run.problems]
            by_row = {p.line.row: p for p in todo}
            try:
                for line, got in synth.results([p.line for p in todo],
                                               lambda ln: request_for(ln, run.fps, opts.mode, opts.seed,
                                                                      opts.head_motion)):
                    run.settle_before(line.row)
                    with stops.held():
                        _write_row(run, by_row[line.row], got, audio_dir, run_id)
            except KeyboardInterrupt:
                # Stop asking for more; what landed so far is saved below, the rest is reported as not run.
                interrupted = True
                for p in todo:
                    if p.line.row not in run.outcomes:
                        run.problems.setdefault(p.line.row, RowProblem(p.line.row,
                                                                       "not run: the batch was interrupted"))
            run.settle_before(sys.maxsize)
            if not interrupted:
                with stops.held():
                    idled = _fill_idle(run, synth, {ln.object for ln in dialogue.lines})
        finally:
            synth.close()
            run.progress.close()

        report = BatchReport(outcomes=[run.outcomes[r] for r in sorted(run.outcomes)], wall_s=0.0, saved="",
                             removed=removed, interrupted=interrupted)
        ends = [o.frame_end - 1 for o in report.landed]
        if ends and max(ends) > scene.frame_end:
            scene.frame_end = max(ends)
        opened = os.path.abspath(opts.blend) if opts.blend else None
        unchanged_file = not report.landed and not removed and not idled and opened is not None \
            and os.path.exists(save_path) and os.path.samefile(save_path, opened)
        if not unchanged_file:
            with stops.held(then_stop=False):
                try:
                    batch_scene.save_blend(save_path, [o.sound_strip for o in report.landed], scene,
                                           opts.pack_audio)
                except (OSError, RuntimeError) as exc:
                    kept = "the previous file is kept as it was" if os.path.exists(save_path) else "nothing was saved"
                    reason = getattr(exc, "strerror", None) or exc
                    raise SaveError(f"could not save {save_path}: {reason}; {kept}") from None
            report.saved = save_path
    report.wall_s = time.perf_counter() - t0
    return report
