"""unitaf.add_demo_head: add the reference head with its 52 ARKit shape keys, ready to speak."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from ...core.backend_api import BackendError

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_add_demo_head(bpy.types.Operator):
    """Add the UniTAF demo head (52 ARKit shape keys) at the 3D cursor and make it active"""
    bl_idname = "unitaf.add_demo_head"
    bl_label = "Add Demo Head"
    bl_options = {"REGISTER", "UNDO"}

    def execute(self, context: Any) -> Result:
        try:
            from ..head import create_reference_head  # the asset module loads its data on demand
            obj = create_reference_head(context, location=tuple(context.scene.cursor.location))
        except (ImportError, OSError, ValueError, BackendError) as exc:
            self.report({"ERROR"}, f"could not add the demo head: {exc}")
            return {"CANCELLED"}
        for other in context.view_layer.objects:
            if other.select_get():
                other.select_set(False)
        obj.select_set(True)
        context.view_layer.objects.active = obj
        settings = getattr(context.scene, "unitaf", None)
        if settings is not None and settings.target is not None:
            settings.target = obj
        self.report({"INFO"}, f"added '{obj.name}' with {len(obj.data.shape_keys.key_blocks) - 1} shape keys")
        return {"FINISHED"}
