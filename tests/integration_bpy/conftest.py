"""Fixtures of the add-on's integration tests (real bpy): the add-on registered, and a fresh saved scene
(so new audio goes to tmp_path/unitaf_audio) with a stand-in backend."""

from __future__ import annotations

import bpy
import pytest
from addon_helpers import StandInBackend

import unitaf_blender
from unitaf_blender.blender import backend_factory


@pytest.fixture(scope="module")
def addon():
    unitaf_blender.register()
    yield
    backend_factory.set_test_backend(None)
    unitaf_blender.unregister()


@pytest.fixture
def blend(tmp_path):
    bpy.ops.wm.read_factory_settings(use_empty=True)
    bpy.ops.wm.save_as_mainfile(filepath=str(tmp_path / "scene.blend"))
    backend = StandInBackend()
    backend_factory.set_test_backend(backend)
    yield backend
    backend_factory.set_test_backend(None)
