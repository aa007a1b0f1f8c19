"""unitaf.find_face_landmarks: find the face's landmarks on the head mesh and show them as empties the
user can move; Make ARKit Shape Keys then places the face by them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import bpy

from .common import target_object
from .keymaker_base import KEYMAKER_ERRORS, KeymakerOperator

if TYPE_CHECKING:
    from .common import Result


class UNITAF_OT_find_face_landmarks(KeymakerOperator, bpy.types.Operator):
    """Find the eyes, nose tip, mouth corners, lips, chin and jaw on the selected head mesh and show them
    as empties parented to it: move any that are off, then Make ARKit Shape Keys uses them"""
    bl_idname = "unitaf.find_face_landmarks"
    bl_label = "Find Face Landmarks"
    bl_options = {"REGISTER", "UNDO"}
    failure = "could not find the face's landmarks"

    def execute(self, context: Any) -> Result:
        from .. import preferences
        from ..keymaker import show_landmarks
        try:
            obj = target_object(context)
            prefs = preferences.settings(context)
            count = show_landmarks(obj, python=prefs.python_path, in_process=prefs.use_in_process)
        except KEYMAKER_ERRORS as exc:
            return self.fail(context, exc)
        return self.succeed(context, f"'{obj.name}': {count} face landmarks shown as empties; move any that are "
                                     "off, then Make ARKit Shape Keys places the face by them")
