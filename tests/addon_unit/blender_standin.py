"""A tiny importable stand-in for Blender's modules, for the add-on's unit tests.

fake-bpy-module ships type stubs only (bpy-stubs/...): mypy reads them, but `import bpy` fails. So that
every add-on module imports here, `install()` puts minimal `bpy`, `bpy.types`, `bpy.props`, `bpy.app`,
`bpy.utils`, `bpy.path`, `mathutils` and `bpy_extras` modules into sys.modules when the real bpy is not
importable. Behaviour the tests need (bpy.data, scenes, objects) comes from the tests' own small classes.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import types
from typing import Any


class _Struct:
    """Base of the stand-in RNA classes: subclassable, attributes settable (as on bpy types)."""

    bl_rna = types.SimpleNamespace(properties={})

    def __init__(self, **kwargs: Any) -> None:
        for k, v in kwargs.items():
            setattr(self, k, v)


def _prop(kind: str):
    def make(**kwargs: Any) -> tuple[str, dict]:
        return (kind, kwargs)
    make.__name__ = kind
    return make


def _escape_identifier(name: str) -> str:
    return name.replace("\\", "\\\\").replace('"', '\\"')


def build() -> dict[str, types.ModuleType]:
    bpy = types.ModuleType("bpy")
    bpy.__path__ = []  # type: ignore[attr-defined]   # a package, so `from bpy.props import ...` works
    btypes = types.ModuleType("bpy.types")
    for name in ("Operator", "Panel", "UIList", "PropertyGroup", "AddonPreferences", "Object", "Text",
                 "Context", "Scene", "Action", "Key", "Mesh", "ID", "UILayout"):
        setattr(btypes, name, type(name, (_Struct,), {}))
    props = types.ModuleType("bpy.props")
    for name in ("BoolProperty", "EnumProperty", "FloatProperty", "IntProperty", "StringProperty",
                 "PointerProperty", "CollectionProperty"):
        setattr(props, name, _prop(name))
    app = types.ModuleType("bpy.app")
    app.version = (5, 0, 1)  # type: ignore[attr-defined]
    app.background = True  # type: ignore[attr-defined]
    app.build_options = types.SimpleNamespace(audaspace=True)  # type: ignore[attr-defined]
    app.handlers = types.SimpleNamespace(save_pre=[], undo_post=[], redo_post=[], load_pre=[],  # type: ignore[attr-defined]
                                         persistent=lambda f: f)
    utils = types.ModuleType("bpy.utils")
    utils.registered = []  # type: ignore[attr-defined]
    utils.register_class = utils.registered.append  # type: ignore[attr-defined]
    utils.unregister_class = utils.registered.remove  # type: ignore[attr-defined]
    utils.escape_identifier = _escape_identifier  # type: ignore[attr-defined]

    def extension_path_user(package: str, path: str = "", create: bool = False) -> str:
        raise ValueError(f'The "package" does not name an extension: {package}')

    utils.extension_path_user = extension_path_user  # type: ignore[attr-defined]
    path = types.ModuleType("bpy.path")
    path.abspath = lambda p: os.path.abspath(p[2:]) if p.startswith("//") else p  # type: ignore[attr-defined]
    path.relpath = lambda p: p  # type: ignore[attr-defined]
    bpy.types, bpy.props, bpy.app, bpy.utils, bpy.path = btypes, props, app, utils, path  # type: ignore[attr-defined]
    bpy.data = types.SimpleNamespace(filepath="", actions=None)  # type: ignore[attr-defined]
    bpy.context = types.SimpleNamespace()  # type: ignore[attr-defined]
    mathutils = types.ModuleType("mathutils")
    mathutils.Vector = tuple  # type: ignore[attr-defined]
    bpy_extras = types.ModuleType("bpy_extras")
    bpy_extras.__path__ = []  # type: ignore[attr-defined]
    return {"bpy": bpy, "bpy.types": btypes, "bpy.props": props, "bpy.app": app, "bpy.utils": utils,
            "bpy.path": path, "mathutils": mathutils, "bpy_extras": bpy_extras}


def install() -> bool:
    """Install the stand-in unless a real bpy is importable; True when the stand-in is in use."""
    if "bpy" in sys.modules:
        return not hasattr(sys.modules["bpy"], "ops")
    if importlib.util.find_spec("bpy") is not None:
        return False
    sys.modules.update(build())
    return True
