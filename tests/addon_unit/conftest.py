"""The add-on's unit tests run where Blender is absent (fake-bpy-module gives stubs only): install a small
importable stand-in for bpy first (see blender_standin.py)."""

import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import blender_standin

USING_STANDIN = blender_standin.install()
