"""unitaf.cancel: stop the line that is being generated (the same as ESC while it runs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from .. import worker

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_cancel(bpy.types.Operator):
    """Stop generating; nothing is changed in the scene"""
    bl_idname = "unitaf.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context: Any) -> bool:
        return worker.current_job() is not None

    def execute(self, context: Any) -> Result:
        if worker.cancel_current():
            self.report({"INFO"}, "cancelling...")
        return {"FINISHED"}
