"""What both line operators share: checks first, the backend call off the main thread (or synchronously
in background mode), the result applied on the main thread, one report for every outcome.

Every UniTAF operator that changes the scene derives from `SceneOperator` (one poll: nothing runs while
a line is being generated). A line operator subclasses `LineOperator` and implements `prepare(context) -> PreparedLine`, which checks all
input and raises a user-facing error before anything runs. Undo: the operators have the UNDO flag, so
Blender pushes one undo step when they finish (FINISHED); a cancelled or failed run changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import bpy

from ...core.backend_api import BackendCancelled, BackendError, FaceResult
from ...core.line_inputs import InputError
from ...core.mapping import MappingError
from .. import worker
from ..apply import AppliedLine, apply_face_result
from ..head_motion import HeadMotionError
from ..lines import LineError

if TYPE_CHECKING:     # fake-bpy-module's literal type of an operator's result set
    from bpy.stub_internal.rna_enums import OperatorReturnItems
    Result = set[OperatorReturnItems]

# Errors that are the user's to fix: reported as they are, in one line.
USER_ERRORS = (BackendError, MappingError, InputError, LineError, HeadMotionError, OSError)
POLL_SECONDS = 0.1


@dataclass
class PreparedLine:
    """Everything needed to run one line, already checked."""
    obj: Any
    name: str                                   # the line's text or label (names the Action and WAV)
    start_frame: int
    mapping: dict[str, str] | None
    work: worker.Work                           # the backend call
    add_sound: bool = True
    extend_range: bool = False
    replace_line: str | None = None             # the id of a line of `obj` this one replaces (a retake)
    replace_overlapping: bool = True            # also replace lines the new one mostly covers
    markers: str = "none"                       # timeline markers: "none", "words" or "sentences"
    head_motion: bool = False                   # the backend's head angles onto the head bone / object
    head_bone: str = ""
    audio_dir: str | None = None
    audio_file: str | None = None


def error_message(exc: BaseException) -> str:
    if isinstance(exc, BackendCancelled):
        return "cancelled; nothing was changed"
    if isinstance(exc, USER_ERRORS):
        return str(exc) or type(exc).__name__
    return f"unexpected error ({type(exc).__name__}: {exc}); nothing was changed"


def result_message(applied: AppliedLine, obj_name: str) -> str:
    parts = [(f"'{applied.action_name}' on {obj_name}: {applied.mapped_channels} shape keys, "
              f"frames {applied.frame_start}-{applied.frame_end}")]
    if applied.sound_strip_name:
        parts.append(f"sound strip '{applied.sound_strip_name}'")
    if applied.replaced:
        parts.append("replaced " + ", ".join(f"'{name}'" for name in applied.replaced))
    parts.extend(applied.notes)
    parts.extend(applied.warnings)
    return "; ".join(parts)


def settings_of(context: Any) -> Any:
    """The scene's panel settings (None when the add-on's properties are not registered)."""
    return getattr(context.scene, "unitaf", None)


class SceneOperator:
    """Mixin for every bpy.types.Operator of ours that changes the scene: the shared poll."""

    @classmethod
    def poll(cls, context: Any) -> bool:
        return worker.current_job() is None     # one line at a time; Cancel stops the one running


class LineOperator(SceneOperator):
    """Mixin for bpy.types.Operator subclasses that turn one line into a FaceResult and apply it."""

    _job: worker.Job | None = None
    _prepared: PreparedLine | None = None
    _timer: Any = None

    def prepare(self, context: Any) -> PreparedLine:   # pragma: no cover - each operator implements it
        raise NotImplementedError

    # -- the outcomes (one report each)
    def _fail(self, context: Any, exc: BaseException) -> Result:
        message = error_message(exc)
        level = "WARNING" if isinstance(exc, BackendCancelled) else "ERROR"
        self.report({level}, message)  # type: ignore[attr-defined]
        settings = settings_of(context)
        if settings is not None:
            settings.last_error = message
        return {"CANCELLED"}

    def _apply(self, context: Any, prepared: PreparedLine, result: FaceResult) -> Result:
        try:
            prepared.obj.name    # deleted while the backend worked? (raises ReferenceError)
        except ReferenceError:
            return self._fail(context, MappingError("the target object was deleted while the line was being "
                                                    "generated; nothing was changed"))
        try:
            applied = apply_face_result(
                context.scene, prepared.obj, result, start_frame=prepared.start_frame, name=prepared.name,
                mapping=prepared.mapping, add_sound=prepared.add_sound,
                audio_dir=prepared.audio_dir, audio_file=prepared.audio_file,
                extend_range=prepared.extend_range, replace_line=prepared.replace_line,
                replace_overlapping=prepared.replace_overlapping, markers=prepared.markers,
                head_motion=prepared.head_motion, head_bone=prepared.head_bone)
        except Exception as exc:     # apply_face_result removed anything it had made
            return self._fail(context, exc)
        # the backend's own warnings (e.g. a transcript that does not match the recording) are the user's too
        backend_warnings = [str(w) for w in result.meta.get("warnings", ())]
        message = "; ".join([result_message(applied, prepared.obj.name), *backend_warnings])
        level = "WARNING" if applied.warnings or backend_warnings else "INFO"
        self.report({level}, message)  # type: ignore[attr-defined]
        settings = settings_of(context)
        if settings is not None:
            settings.last_result = message
            settings.last_error = ""
        return {"FINISHED"}

    def _prepare_or_fail(self, context: Any) -> PreparedLine | Result:
        try:
            return self.prepare(context)
        except Exception as exc:
            return self._fail(context, exc)

    # -- synchronous: scripts, background mode
    def execute(self, context: Any) -> Result:
        prepared = self._prepare_or_fail(context)
        if isinstance(prepared, set):
            return prepared
        job = worker.Job(prepared.work, label=prepared.name)
        try:
            result = job.run_here()
        except BaseException as exc:
            return self._fail(context, exc)
        return self._apply(context, prepared, result)

    # -- interactive: a worker thread, polled by a modal timer
    def invoke(self, context: Any, event: Any) -> Result:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        return self.start_async(context)

    def start_async(self, context: Any) -> Result:
        if worker.current_job() is not None:
            self.report({"ERROR"}, "UniTAF is still working on a line: wait or press Cancel")  # type: ignore[attr-defined]
            return {"CANCELLED"}
        prepared = self._prepare_or_fail(context)
        if isinstance(prepared, set):
            return prepared
        self._prepared = prepared
        self._job = worker.Job(prepared.work, label=prepared.name)
        worker.begin(self._job)
        wm = context.window_manager
        self._timer = wm.event_timer_add(POLL_SECONDS, window=context.window)
        wm.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: Any, event: Any) -> Result:
        job = self._job
        assert job is not None and self._prepared is not None
        if event.type == "ESC" and event.value == "PRESS":
            job.cancel()
        if event.type != "TIMER" and event.type != "ESC":
            return {"PASS_THROUGH"}
        redraw_panels(context)
        if not job.done:
            return {"RUNNING_MODAL"}
        context.window_manager.event_timer_remove(self._timer)
        worker.finish(job)
        if job.error is not None:
            return self._fail(context, job.error)
        if job.cancelled or job.result is None:
            return self._fail(context, BackendCancelled("cancelled"))
        return self._apply(context, self._prepared, job.result)

    def cancel(self, context: Any) -> None:
        """Blender calls this when the operator is stopped from outside (e.g. the file is closed)."""
        if self._job is not None:
            self._job.cancel()
            worker.finish(self._job)
        if self._timer is not None:
            context.window_manager.event_timer_remove(self._timer)


def redraw_panels(context: Any) -> None:
    """Repaint the 3D views so the panel's progress bar moves."""
    for window in context.window_manager.windows:
        for area in window.screen.areas:
            if area.type == "VIEW_3D":
                area.tag_redraw()


def target_object(context: Any) -> Any:
    """The panel's target if set, else the active object; a MappingError when there is none."""
    settings = settings_of(context)
    obj = settings.target if settings is not None and settings.target is not None else context.active_object
    if obj is None:
        raise MappingError("no active object: select the mesh to animate (or add the demo head)")
    return obj


