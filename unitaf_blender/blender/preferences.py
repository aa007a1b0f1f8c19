"""Add-on preferences: which backend, the default voice, where audio files go."""

from __future__ import annotations

import os
from dataclasses import dataclass

import bpy
from bpy.props import BoolProperty, EnumProperty, StringProperty

from .compat import addon_package


def default_interpreter() -> str:
    """The repository's backend interpreter (`.venv/bin/python`) when the add-on runs from a checkout."""
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for candidate in (os.path.join(repo, ".venv", "bin", "python"),
                      os.path.join(repo, ".venv", "Scripts", "python.exe")):
        if os.path.exists(candidate):
            return candidate
    return ""


@dataclass(frozen=True)
class Settings:
    """The preferences as plain values (the defaults when the add-on is not enabled as such, e.g. in tests)."""
    backend: str = "LOCAL"            # LOCAL: start `unitaf serve` here; REMOTE: a server at server_url
    use_in_process: bool = True       # call unitaf_backend directly when this Python can import it
    python_path: str = ""
    server_url: str = "http://127.0.0.1:8765"
    token: str = ""
    default_voice: str = ""
    audio_folder: str = ""            # "" = //unitaf_audio next to the .blend


class UNITAF_AddonPreferences(bpy.types.AddonPreferences):
    bl_idname = addon_package()

    backend: EnumProperty(  # type: ignore[valid-type]
        name="Backend",
        items=[("LOCAL", "Local (start automatically)", "Start the UniTAF backend on this computer when needed"),
               ("REMOTE", "Remote server", "Use a UniTAF server running elsewhere (e.g. a GPU machine)")],
        default="LOCAL",
    )
    use_in_process: BoolProperty(  # type: ignore[valid-type]
        name="In-process when available",
        description="Call the backend inside Blender's Python when it can import unitaf_backend "
                    "(bpy-module scripts and tests); otherwise start it as a separate process",
        default=True,
    )
    python_path: StringProperty(  # type: ignore[valid-type]
        name="Backend Python",
        description="The Python interpreter of the UniTAF backend environment (e.g. .venv/bin/python)",
        subtype="FILE_PATH", default="",
    )
    server_url: StringProperty(  # type: ignore[valid-type]
        name="Server URL", default="http://127.0.0.1:8765",
    )
    token: StringProperty(  # type: ignore[valid-type]
        name="Token", description="Access token of the remote server", subtype="PASSWORD", default="",
    )
    default_voice: StringProperty(  # type: ignore[valid-type]
        name="Default voice", description="Voice name the backend knows (empty: its default)", default="",
    )
    audio_folder: StringProperty(  # type: ignore[valid-type]
        name="Audio folder",
        description="Where generated WAV files go (empty: //unitaf_audio next to the .blend file)",
        subtype="DIR_PATH", default="",
    )

    def draw(self, context: bpy.types.Context) -> None:
        layout = self.layout
        if layout is None:
            return
        layout.prop(self, "backend")
        if self.backend == "LOCAL":
            layout.prop(self, "python_path")
            if not self.python_path:
                layout.label(text=f"Default: {default_interpreter() or 'none found'}", icon="INFO")
            layout.prop(self, "use_in_process")
        else:
            layout.prop(self, "server_url")
            layout.prop(self, "token")
        layout.prop(self, "default_voice")
        layout.prop(self, "audio_folder")
        row = layout.row()
        row.operator("unitaf.check_backend", icon="CHECKMARK")
        from .operators.check_backend import last_report  # set by the check (not at import: avoids a cycle)
        if last_report[0]:
            row.label(text=last_report[0])


def settings(context: bpy.types.Context | None = None) -> Settings:
    """The current preferences as a Settings value."""
    ctx = context or bpy.context
    addon = ctx.preferences.addons.get(addon_package()) if ctx.preferences is not None else None
    if addon is None or addon.preferences is None:
        return Settings(python_path=default_interpreter())
    p = addon.preferences
    return Settings(
        backend=str(p.backend), use_in_process=bool(p.use_in_process),
        python_path=str(p.python_path) or default_interpreter(), server_url=str(p.server_url),
        token=str(p.token), default_voice=str(p.default_voice), audio_folder=str(p.audio_folder),
    )


CLASSES = (UNITAF_AddonPreferences,)
