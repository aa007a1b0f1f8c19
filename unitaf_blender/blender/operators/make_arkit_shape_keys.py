"""unitaf.make_arkit_shape_keys: make the 52 ARKit shape keys for a head mesh that has none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from ...core.keymaker_client import KeymakerError
from ...core.mapping import MappingError
from .common import settings_of, target_object

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_make_arkit_shape_keys(bpy.types.Operator):
    """Fit the UniTAF reference head to the selected head mesh and add the ARKit shape keys it lacks
    (Basis and existing keys are kept)"""
    bl_idname = "unitaf.make_arkit_shape_keys"
    bl_label = "Make ARKit Shape Keys"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context: Any) -> bool:
        try:
            return target_object(context).type == "MESH"
        except MappingError:
            return False

    def execute(self, context: Any) -> Result:
        from .. import preferences
        from ..keymaker import make_arkit_keys
        try:
            obj = target_object(context)
            prefs = preferences.settings(context)
            added = make_arkit_keys(obj, python=prefs.python_path, in_process=prefs.use_in_process)
        except (KeymakerError, MappingError, OSError, ValueError) as exc:
            message = f"could not make shape keys: {exc}; nothing was changed"
            self.report({"ERROR"}, message)
            settings = settings_of(context)
            if settings is not None:
                settings.last_error = message
            return {"CANCELLED"}
        message = added.message(obj.name)
        self.report({"INFO"}, message)
        settings = settings_of(context)
        if settings is not None:
            settings.last_result = message
            settings.last_error = ""
        return {"FINISHED"}
