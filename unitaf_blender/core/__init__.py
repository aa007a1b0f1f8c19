"""Pure logic of the add-on: no bpy here, so every module is unit-tested without Blender."""
