"""Everything that touches bpy: preferences, panel, operators, writers."""
