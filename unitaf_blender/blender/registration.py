"""register()/unregister() for everything bpy-facing; unregister leaves nothing behind."""

from __future__ import annotations

import bpy

from . import backend_factory, panel, preferences, properties, worker
from .operators import CLASSES as OPERATOR_CLASSES

CLASSES = (*preferences.CLASSES, *properties.CLASSES, *OPERATOR_CLASSES, *panel.CLASSES)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    properties.register_properties()


def unregister() -> None:
    worker.cancel_current()
    backend_factory.close_all()
    properties.unregister_properties()
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
