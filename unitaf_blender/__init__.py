"""UniTAF for Blender: type a line, get speech audio and lip-synced ARKit-52 shape-key animation.

Installed as an extension (see blender_manifest.toml), this package's name is `bl_ext.<repo>.unitaf`; in
the repository it is `unitaf_blender`. Only relative imports. bpy is imported inside register() so that
`unitaf_blender.core` (pure logic) imports anywhere, also where Blender is absent.
"""

from __future__ import annotations


def register() -> None:
    from .blender.registration import register as register_all
    register_all()


def unregister() -> None:
    from .blender.registration import unregister as unregister_all
    unregister_all()
