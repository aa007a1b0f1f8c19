"""unitaf.find_face_landmarks: find the face's landmarks on the head mesh and show them as empties the
user can move; Make ARKit Shape Keys then places the face by them."""

from __future__ import annotations

from typing import Any

import bpy

from .keymaker_base import KeymakerOperator


class UNITAF_OT_find_face_landmarks(KeymakerOperator, bpy.types.Operator):
    """Find the eyes, nose tip, mouth corners, lips, chin and jaw on the selected head mesh and show them
    as empties parented to it: move any that are off, then Make ARKit Shape Keys uses them"""
    bl_idname = "unitaf.find_face_landmarks"
    bl_label = "Find Face Landmarks"
    bl_options = {"REGISTER", "UNDO"}
    failure = "could not find the face's landmarks"

    def act(self, obj: Any, python: str, in_process: bool) -> str:
        from ..keymaker import show_landmarks
        count = show_landmarks(obj, python=python, in_process=in_process)
        return (f"'{obj.name}': {count} face landmarks shown as empties; move any that are off, then Make ARKit "
                "Shape Keys places the face by them")
