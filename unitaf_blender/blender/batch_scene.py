"""The batch's scene I/O: open the .blend, check targets, find the rows earlier runs left, tag what a row
wrote, remove earlier results, and save atomically (a temp file, then a rename; the previous save kept as
`.blend1`), with Blender's own chatter kept off the log.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import bpy

from ..core import timing
from ..core.dialogue import DialogueError, DialogueLine
from ..core.mapping import MappingError
from ..core.resume import ExistingRow
from . import lines
from .apply import AppliedLine, resolve_mapping
from .compat import all_strips

BATCH_TAG = "unitaf_batch"          # on what a batch run made: the run's id (a time stamp)
BATCH_OBJECT_TAG = "unitaf_batch_object"
ROW_ID_TAG = "unitaf_row_id"        # the dialogue row's id, its digest and its number
ROW_DIGEST_TAG = "unitaf_row_digest"
ROW_SETTINGS_TAG = "unitaf_row_settings"   # the run's options that shaped the line (core/resume.py)
ROW_TAG = "unitaf_row"


def scene_fps(scene: Any) -> float:
    return timing.scene_fps(scene.render.fps, scene.render.fps_base)


def sound_strips(scene: Any) -> list[Any]:
    se = scene.sequence_editor
    return [] if se is None else [s for s in all_strips(se) if s.type == "SOUND"]


def check_target(name: str) -> str | None:
    """Why an object cannot take a line (the add-on's own checks and words), or None when it can."""
    obj = bpy.data.objects.get(name)
    if obj is None:
        return f"no object named {name!r} in the scene"
    try:
        resolve_mapping(obj)
        lines.check_editable(obj)
    except (MappingError, lines.LineError) as exc:
        return str(exc)
    return None


def rows_in_scene(objects: set[str]) -> list[ExistingRow]:
    """The lines earlier batch runs wrote for dialogue rows on these objects."""
    found: list[ExistingRow] = []
    for name in sorted(objects):
        obj = bpy.data.objects.get(name)
        if obj is None or obj.type != "MESH":
            continue
        for line in lines.lines_of(obj):
            action = line.action
            if action.get(ROW_ID_TAG) is None:
                continue
            found.append(ExistingRow(row_id=str(action[ROW_ID_TAG]), digest=str(action.get(ROW_DIGEST_TAG, "")),
                                     row=int(action.get(ROW_TAG, 0)), object=name, line_id=line.line_id,
                                     start=line.span.start, end=line.span.end + 1,
                                     settings=str(action.get(ROW_SETTINGS_TAG, ""))))
    return found


def occupied_spans(objects: set[str]) -> dict[str, list[tuple[int, int]]]:
    """What already plays on each target (every NLA strip of its shape keys), as half-open spans."""
    out: dict[str, list[tuple[int, int]]] = {}
    for name in objects:
        obj = bpy.data.objects.get(name)
        anim = lines.shape_key_anim(obj) if obj is not None else None
        if anim is None:
            continue
        spans = []
        for track in anim.nla_tracks:
            for strip in track.strips:
                line = lines.line_of_action(obj, strip.action) if lines.is_line_action(strip.action) else None
                span = (line.span.start, line.span.end + 1) if line else (round(strip.frame_start),
                                                                          round(strip.frame_end) + 1)
                spans.append(span)
        out[name] = spans
    return out


def tag_row(scene: Any, applied: AppliedLine, line: DialogueLine, run_id: str, settings: str = "") -> None:
    """Record on the row's Action and sound strip which run and row made them, and with what settings."""
    tags = {BATCH_TAG: run_id, BATCH_OBJECT_TAG: line.object, ROW_ID_TAG: line.row_id,
            ROW_DIGEST_TAG: line.digest, ROW_TAG: line.row, ROW_SETTINGS_TAG: settings}
    action = bpy.data.actions.get(applied.action_name)
    targets = [action] if action is not None else []
    targets += lines.sound_strips_of(scene, applied.line_id)
    for block in targets:
        for k, v in tags.items():
            block[k] = v


def remove_row_line(scene: Any, row: ExistingRow) -> None:
    """Remove an earlier row's line (its row went to another object)."""
    obj = bpy.data.objects.get(row.object)
    if obj is not None:
        with contextlib.suppress(lines.LineError):
            lines.remove_line(scene, obj, lines.find_line(obj, row.line_id), scene_fps(scene))


def remove_batch_results(scene: Any, objects: set[str]) -> int:
    """Remove the lines earlier batch runs made for these objects (track, Action, sound strip; their WAVs
    once nothing uses them). Lines made by hand and other objects' lines stay. Returns how many went."""
    removed = 0
    for name in sorted(objects):
        obj = bpy.data.objects.get(name)
        found: list[lines.LineOnScene] = lines.lines_of(obj) if obj is not None else []
        for line in found:
            if line.action.get(BATCH_TAG) is not None:
                lines.remove_line(scene, obj, line, scene_fps(scene))
                removed += 1
    return removed


# ---------------------------------------------------------------------------------------- files

def _flush_c_stdio() -> None:
    try:
        import ctypes
        ctypes.CDLL(None).fflush(None)
    except (OSError, AttributeError, TypeError):     # no C library handle here (e.g. Windows): skip
        pass


@contextlib.contextmanager
def blender_quiet() -> Iterator[None]:
    """Hide what Blender itself prints to stdout ("Info: Saved ...", "Read blend ...") so the batch's own
    log stays readable; our errors still surface as exceptions."""
    import sys
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:             # no real file descriptor (an embedding host): print as it comes
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        yield
    finally:
        _flush_c_stdio()        # what C code buffered while hidden must not come out afterwards
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_SEEKABLE_FOOTER = b"\xb1\xea\x92\x8f"      # the last 4 bytes of zstd's seekable format
BLEND_MAGICS = (b"BLENDER", b"\x1f\x8b", ZSTD_MAGIC)   # plain, gzip and zstd compressed


def open_scene(blend: str | None) -> Any:
    """Open the .blend named on the command line (plain Python); inside Blender, the open file's scene."""
    if blend:
        if not os.path.isfile(blend):
            raise DialogueError(f".blend file not found: {blend}")
        with open(blend, "rb") as f:
            magic = f.read(7)
        if not magic.startswith(BLEND_MAGICS):
            raise DialogueError(f"{blend} is not a .blend file")
        try:
            with blender_quiet():
                bpy.ops.wm.open_mainfile(filepath=os.path.abspath(blend), load_ui=False)
        except RuntimeError as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unknown error"
            raise DialogueError(f"Blender cannot open {blend}: {reason}") from None
    return bpy.context.scene


def pack_sounds(sound_names: list[str], scene: Any) -> None:
    """Pack the new lines' audio into the .blend (--pack-audio)."""
    strips = {s.name: s for s in sound_strips(scene)}
    for name in sound_names:
        strip = strips.get(name)
        if strip is not None and strip.sound is not None and strip.sound.packed_file is None:
            strip.sound.pack()


def make_sounds_relative(scene: Any) -> bool:
    """Point our lines' sounds at their WAVs relative to the saved .blend; True when a path changed."""
    changed = False
    for strip in sound_strips(scene):
        sound = strip.sound if strip.get(lines.LINE_ID) else None
        if sound is None or sound.packed_file is not None or sound.filepath.startswith("//"):
            continue
        try:
            sound.filepath = bpy.path.relpath(bpy.path.abspath(sound.filepath))
            changed = True
        except ValueError:      # another drive on Windows: keep the absolute path
            pass
    return changed


def keep_previous(save_path: str) -> None:
    """The file about to be replaced becomes `<name>.blend1` (as Blender's own save does), atomically."""
    if not os.path.exists(save_path):
        return
    backup = save_path + "1"
    staging = f"{backup}.{os.getpid()}.tmp"
    try:
        os.link(save_path, staging)               # a second name for the old file: no copy, no gap
    except OSError:
        import shutil
        shutil.copy2(save_path, staging)
    os.replace(staging, backup)


def check_complete_blend(path: str) -> None:
    """Blender reports a save as done even when a write failed part way (a full disk), so the file is
    checked before it replaces anything: an uncompressed .blend ends with its ENDB block, a compressed one
    (zstd, Blender's default) with the seek table's footer magic."""
    with open(path, "rb") as f:
        magic = f.read(7)
        f.seek(max(0, os.path.getsize(path) - 32))
        tail = f.read()
    if magic == b"BLENDER":
        complete = b"ENDB" in tail
    elif magic.startswith(ZSTD_MAGIC):
        complete = tail.endswith(ZSTD_SEEKABLE_FOOTER)
    else:
        complete = True                  # gzip (files of old Blenders): no cheap check
    if not complete:
        raise OSError(f"the file Blender wrote is incomplete ({os.path.getsize(path):,} bytes, no end block); "
                      "the disk may be full")


def save_blend(save_path: str, sound_names: list[str], scene: Any, pack: bool) -> None:
    """Save as `save_path` without ever leaving a half-written file there: the .blend is written to a temp
    file beside it and renamed over it; the file it replaces is kept as `.blend1`. WAVs of removed lines
    that nothing uses any more are deleted first (and the add-on's own save handler finds none left)."""
    lines.purge_retired_wavs(delete=True)        # a batch has no undo to bring them back
    folder = os.path.dirname(save_path) or "."           # must exist: the batch makes no folders
    temp = os.path.join(folder, f".{os.path.basename(save_path)}.{os.getpid()}.tmp.blend")
    prefs: Any = bpy.context.preferences
    paths = prefs.filepaths
    versions, paths.save_version = paths.save_version, 0      # no .blend1 of the temp file
    try:
        with blender_quiet():
            if pack:
                pack_sounds(sound_names, scene)
            bpy.ops.wm.save_as_mainfile(filepath=temp)   # relative paths are remapped to the new folder
            if make_sounds_relative(scene):
                bpy.ops.wm.save_mainfile()
        check_complete_blend(temp)
        keep_previous(save_path)
        os.replace(temp, save_path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.remove(temp)
        raise
    finally:
        paths.save_version = versions
