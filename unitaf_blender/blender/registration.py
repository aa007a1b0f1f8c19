"""register()/unregister() for everything bpy-facing; unregister leaves nothing behind."""

from __future__ import annotations

from typing import Any

import bpy

from . import backend_factory, lines, panel, preferences, properties, worker
from .operators import CLASSES as OPERATOR_CLASSES

CLASSES = (*preferences.CLASSES, *properties.CLASSES, *OPERATOR_CLASSES, *panel.CLASSES)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    properties.register_properties()
    # persistent: kept when another file is opened (the handler reads whichever file is being saved)
    bpy.app.handlers.save_pre.append(bpy.app.handlers.persistent(_purge_before_save))


def _purge_before_save(*_args: Any) -> None:
    """WAVs of removed lines go when the file is saved without them (until then an undo may need them)."""
    lines.purge_retired_wavs()


def unregister() -> None:
    if _purge_before_save in bpy.app.handlers.save_pre:
        bpy.app.handlers.save_pre.remove(_purge_before_save)
    worker.cancel_current()
    backend_factory.close_all()
    properties.unregister_properties()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
