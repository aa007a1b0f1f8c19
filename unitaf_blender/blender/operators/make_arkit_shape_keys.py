"""unitaf.make_arkit_shape_keys: make the 52 ARKit shape keys for a head mesh that has none."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from .common import target_object
from .keymaker_base import KEYMAKER_ERRORS, KeymakerOperator

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_make_arkit_shape_keys(KeymakerOperator, bpy.types.Operator):
    """Fit the UniTAF reference head to the selected head mesh (by its landmark empties where it has
    them) and add the ARKit shape keys it lacks (Basis and existing keys are kept)"""
    bl_idname = "unitaf.make_arkit_shape_keys"
    bl_label = "Make ARKit Shape Keys"
    bl_options = {"REGISTER", "UNDO"}
    failure = "could not make shape keys"

    def execute(self, context: Any) -> Result:
        from .. import preferences
        from ..keymaker import make_arkit_keys
        try:
            obj = target_object(context)
            prefs = preferences.settings(context)
            added = make_arkit_keys(obj, python=prefs.python_path, in_process=prefs.use_in_process)
        except KEYMAKER_ERRORS as exc:
            return self.fail(context, exc)
        return self.succeed(context, added.message(obj.name))
