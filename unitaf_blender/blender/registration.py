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
    # persistent: kept when another file is opened (each reads whichever file is open)
    for name, handler in HANDLERS:
        getattr(bpy.app.handlers, name).append(bpy.app.handlers.persistent(handler))


def _put_away_on_save(*_args: Any) -> None:
    """WAVs of removed lines leave the audio folder when the file is saved without them."""
    lines.purge_retired_wavs()


def _bring_back_on_undo(*_args: Any) -> None:
    lines.bring_back_wavs()


def _forget_on_load(*_args: Any) -> None:
    lines.forget_put_away()


HANDLERS = (("save_pre", _put_away_on_save), ("undo_post", _bring_back_on_undo),
            ("redo_post", _bring_back_on_undo), ("load_pre", _forget_on_load))


def unregister() -> None:
    for name, handler in HANDLERS:
        registered = getattr(bpy.app.handlers, name)
        if handler in registered:
            registered.remove(handler)
    worker.cancel_current()
    backend_factory.close_all()
    properties.unregister_properties()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
