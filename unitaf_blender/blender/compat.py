"""The few places where Blender 4.2/4.3 and 4.4+/5.x differ, in one module."""

from __future__ import annotations

from typing import Any

import bpy

# Layered actions with slots exist from 4.4; 5.0 removed the legacy `Action.fcurves`.
LAYERED_ACTIONS: bool = bpy.app.version >= (4, 4, 0)


def strips_collection(sequence_editor: Any) -> Any:
    """Top-level strips of a sequence editor: `strips` (4.4+; 5.0 removed `sequences`) or `sequences`."""
    return sequence_editor.strips if hasattr(sequence_editor, "strips") else sequence_editor.sequences


def all_strips(sequence_editor: Any) -> Any:
    """Every strip, meta strips' contents included."""
    if hasattr(sequence_editor, "strips_all"):
        return sequence_editor.strips_all
    return sequence_editor.sequences_all


def addon_package() -> str:
    """The add-on's package name: 'unitaf_blender' in the repository, 'bl_ext.<repo>.unitaf' installed."""
    return __name__.rpartition(".blender.")[0]
