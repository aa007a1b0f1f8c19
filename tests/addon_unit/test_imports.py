"""Every add-on module imports without Blender (the stand-in bpy), as add-on developers expect; the add-on's
copies of the backend's names are equal to the backend's (read from its source: no backend import)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from pathlib import Path

import pytest

import unitaf_blender
from unitaf_blender.core.channels import ARKIT_CHANNELS
from unitaf_blender.core.line_inputs import EMOTION_PRESETS, MODES

REPO = Path(__file__).resolve().parents[2]
MODULES = sorted(m.name for m in pkgutil.walk_packages(unitaf_blender.__path__, "unitaf_blender."))


def test_every_module_is_listed():
    for expected in ("unitaf_blender.blender.writer", "unitaf_blender.blender.operators.generate_speech_animation",
                     "unitaf_blender.blender.panel", "unitaf_blender.core.mapping"):
        assert expected in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_module_imports(name):
    importlib.import_module(name)


def _literal(path: Path, name: str):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets) and node.value is not None:
                value = node.value
                if isinstance(value, ast.BinOp):      # PRESETS = ("neutral",) + EMOTIONS
                    return _literal_expr(path, value)
                return ast.literal_eval(value)
    raise AssertionError(f"{name} not found in {path}")


def _literal_expr(path: Path, node: ast.BinOp):
    left = ast.literal_eval(node.left) if not isinstance(node.left, ast.Name) else _literal(path, node.left.id)
    right = ast.literal_eval(node.right) if not isinstance(node.right, ast.Name) else _literal(path, node.right.id)
    return left + right


def test_channels_equal_the_backends():
    assert ARKIT_CHANNELS == _literal(REPO / "backend" / "unitaf_backend" / "channels.py", "ARKIT_CHANNELS")


def test_emotion_presets_and_modes_equal_the_backends():
    assert EMOTION_PRESETS == _literal(REPO / "backend" / "unitaf_backend" / "emotion.py", "PRESETS")
    assert MODES == _literal(REPO / "backend" / "unitaf_backend" / "pipeline" / "requests.py", "MODES")


def test_register_and_unregister_leave_nothing(monkeypatch):
    import bpy

    from unitaf_blender.blender import registration
    if hasattr(bpy, "ops"):
        pytest.skip("the real bpy is loaded: the integration tests cover registration")
    before = list(bpy.utils.registered)
    unitaf_blender.register()
    assert len(bpy.utils.registered) == len(before) + len(registration.CLASSES)
    assert hasattr(bpy.types.Scene, "unitaf")
    handlers = ("save_pre", "undo_post", "redo_post", "load_pre")
    assert [len(getattr(bpy.app.handlers, h)) for h in handlers] == [1, 1, 1, 1]
    unitaf_blender.unregister()
    assert bpy.utils.registered == before
    assert all(getattr(bpy.app.handlers, h) == [] for h in handlers)
    assert not hasattr(bpy.types.Scene, "unitaf")


def test_manifest_is_valid_and_matches_the_addon_version():
    import tomllib

    from unitaf_blender.core.version import ADDON_VERSION
    manifest = tomllib.loads((REPO / "blender_manifest.toml").read_text())
    assert manifest["version"] == ADDON_VERSION
    assert manifest["schema_version"] == "1.0.0" and manifest["type"] == "add-on"
    assert manifest["blender_version_min"] == "4.2.0"
    assert len(manifest["tagline"]) <= 64 and manifest["tagline"][-1].isalnum()
    assert manifest["license"] == ["SPDX:GPL-3.0-or-later"]
