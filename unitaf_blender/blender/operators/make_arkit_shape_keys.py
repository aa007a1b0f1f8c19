"""unitaf.make_arkit_shape_keys: make the 52 ARKit shape keys for a head mesh that has none."""

from __future__ import annotations

from typing import Any

import bpy

from .keymaker_base import KeymakerOperator


class UNITAF_OT_make_arkit_shape_keys(KeymakerOperator, bpy.types.Operator):
    """Fit the UniTAF reference head to the selected head mesh (by its landmark empties where it has
    them) and add the ARKit shape keys it lacks (Basis and existing keys are kept)"""
    bl_idname = "unitaf.make_arkit_shape_keys"
    bl_label = "Make ARKit Shape Keys"
    bl_options = {"REGISTER", "UNDO"}
    failure = "could not make shape keys"

    def act(self, obj: Any, python: str, in_process: bool) -> str:
        from ..keymaker import make_arkit_keys
        return make_arkit_keys(obj, python=python, in_process=in_process).message(obj.name)
