"""unitaf.cancel: stop the line that is being generated (the same as ESC while it runs)."""

from __future__ import annotations

from typing import Any

import bpy

from .. import worker


class UNITAF_OT_cancel(bpy.types.Operator):
    """Stop generating; nothing is changed in the scene"""
    bl_idname = "unitaf.cancel"
    bl_label = "Cancel"

    @classmethod
    def poll(cls, context: Any) -> bool:
        return worker.current_job() is not None

    def execute(self, context: Any) -> set[str]:
        if worker.cancel_current():
            self.report({"INFO"}, "cancelling...")
        return {"FINISHED"}
