"""unitaf.check_backend: say whether the backend in the preferences can be used, and if not, what to do.

Runs the service engineer's startup check (core.startup_check) on a thread, because starting the backend
interpreter to probe it takes seconds; the answer is reported and shown in the preferences.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import bpy

from ..backend_factory import in_process_available
from ..preferences import Settings
from ..preferences import settings as addon_settings

if TYPE_CHECKING:
    from .common import Result

POLL_SECONDS = 0.2
last_report: list[str] = [""]      # shown under the button in the preferences


def run_check(settings: Settings) -> tuple[bool, str]:
    """(ok, one-line summary) for these preferences."""
    from ...core import startup_check
    if settings.backend == "REMOTE":
        report = startup_check.check_remote(settings.server_url, settings.token or None)
    elif settings.use_in_process and in_process_available():
        return True, "ready: the UniTAF backend runs inside this Python"
    elif not settings.python_path:
        return False, "no backend interpreter: set 'Backend Python' (the .venv/bin/python of a UniTAF install)"
    else:
        report = startup_check.check_local(settings.python_path)
    return report.ok, report.summary().replace("\n", "; ")


class UNITAF_OT_check_backend(bpy.types.Operator):
    """Check that the backend in the preferences answers (starts the local interpreter to probe it)"""
    bl_idname = "unitaf.check_backend"
    bl_label = "Check Backend"

    _thread: threading.Thread | None = None
    _answer: tuple[bool, str] | None = None
    _timer: Any = None

    def _finish(self, ok: bool, summary: str) -> Result:
        last_report[0] = summary
        self.report({"INFO"} if ok else {"ERROR"}, summary)
        return {"FINISHED"} if ok else {"CANCELLED"}

    def execute(self, context: Any) -> Result:
        return self._finish(*run_check(addon_settings(context)))

    def invoke(self, context: Any, event: Any) -> Result:
        if bpy.app.background or context.window is None:
            return self.execute(context)
        settings = addon_settings(context)
        last_report[0] = "checking..."

        def work() -> None:
            try:
                self._answer = run_check(settings)
            except Exception as exc:     # reported, never raised into Blender's event loop
                self._answer = (False, f"check failed: {exc}")

        self._thread = threading.Thread(target=work, name="unitaf-check", daemon=True)
        self._thread.start()
        self._timer = context.window_manager.event_timer_add(POLL_SECONDS, window=context.window)
        context.window_manager.modal_handler_add(self)
        return {"RUNNING_MODAL"}

    def modal(self, context: Any, event: Any) -> Result:
        if event.type != "TIMER" or self._answer is None:
            return {"PASS_THROUGH"}
        context.window_manager.event_timer_remove(self._timer)
        for area in context.screen.areas if context.screen is not None else ():
            area.tag_redraw()
        return self._finish(*self._answer)
