"""The line's audio: a new WAV file (never overwriting one) and a sound strip on a free channel.

Where WAVs go: the folder the caller names, else `//unitaf_audio/` next to the saved .blend, else the
extension's user folder (an unsaved file has no "next to"), else Blender's user data folder when the
add-on runs outside an installed extension (tests, bpy-module scripts).
"""

from __future__ import annotations

import contextlib
import os
from typing import Any

import bpy

from ..core.naming import file_stem, unique_file_path
from .compat import addon_package, all_strips, strips_collection

AUDIO_SUBDIR = "unitaf_audio"
MAX_CHANNEL = 128


def audio_directory(override: str | None = None) -> str:
    """Absolute folder for new WAV files (created if missing)."""
    if override:
        folder = bpy.path.abspath(override)
    elif bpy.data.filepath:
        folder = bpy.path.abspath("//" + AUDIO_SUBDIR)
    else:
        try:
            folder = bpy.utils.extension_path_user(addon_package(), path=AUDIO_SUBDIR, create=True)
        except ValueError:       # not running as an installed extension
            folder = bpy.utils.user_resource("DATAFILES", path=os.path.join("unitaf", AUDIO_SUBDIR),
                                             create=True)
    folder = os.path.abspath(folder)
    os.makedirs(folder, exist_ok=True)
    return folder


def save_wav(wav_bytes: bytes, directory: str, text: str) -> str:
    """Write the WAV under a new name derived from the text; returns its absolute path.

    All or nothing: the bytes go to a hidden temp file in the same folder, which is then linked to the new
    name (a link never replaces an existing file) and removed, so a full disk never leaves a truncated WAV;
    the OSError then names the path and says nothing was kept."""
    stem = file_stem(text)
    temp = os.path.join(directory, f".{stem}.{os.getpid()}.{id(wav_bytes):x}.tmp")
    try:
        with open(temp, "xb") as f:
            f.write(wav_bytes)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise OSError(f"cannot write the line's audio in {directory}: {exc.strerror or exc}; "
                      "no WAV was left there") from None
    try:
        for _ in range(100):
            path = unique_file_path(directory, stem, ".wav")
            try:
                os.link(temp, path)         # never replaces a file; the temp name goes below
                return path
            except FileExistsError:
                continue
            except OSError:                 # a file system without hard links: a rename, checked first
                if not os.path.exists(path):
                    os.replace(temp, path)
                    return path
        raise OSError(f"could not find a free file name for {stem!r} in {directory}")
    finally:
        with contextlib.suppress(OSError):
            os.remove(temp)


def free_channel(scene: Any, frame_start: int, frame_end: int) -> int:
    """The lowest sequencer channel with no strip overlapping [frame_start, frame_end)."""
    sed = scene.sequence_editor
    busy: set[int] = set()
    if sed is not None:
        for strip in all_strips(sed):
            if strip.frame_final_start < frame_end and frame_start < strip.frame_final_end:
                busy.add(int(strip.channel))
    for channel in range(1, MAX_CHANNEL + 1):
        if channel not in busy:
            return channel
    raise RuntimeError(f"no free sequencer channel between frames {frame_start} and {frame_end}")


def add_sound_strip(scene: Any, filepath: str, name: str, frame_start: int, frame_end: int) -> Any:
    """A sound strip for `filepath` at frame_start on a channel free over [frame_start, frame_end)."""
    sed = scene.sequence_editor or scene.sequence_editor_create()
    channel = free_channel(scene, frame_start, frame_end)
    strip = strips_collection(sed).new_sound(name, filepath, channel, frame_start)
    if bpy.data.filepath:
        try:
            strip.sound.filepath = bpy.path.relpath(filepath)   # the .blend and its audio move together
        except ValueError:       # another drive on Windows: keep the absolute path
            pass
    return strip


def keep_in_sync(scene: Any) -> str | None:
    """Play back in step with the audio (frames are dropped rather than letting the face drift from the
    sound); returns a sentence for the report when the scene's setting was changed."""
    if getattr(scene, "sync_mode", "AUDIO_SYNC") == "AUDIO_SYNC":
        return None
    scene.sync_mode = "AUDIO_SYNC"
    return "playback now syncs to audio (Playback > Sync: Sync to Audio) so the face keeps step with the sound"
