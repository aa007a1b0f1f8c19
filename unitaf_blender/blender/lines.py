"""The lines on a character, found and removed: each is an Action of ours playing from its own NLA track of
the mesh's shape keys (of the armature itself, for a bone face rig), a sound strip tagged with the same line id, and (when we wrote it) a WAV file.

Removal never deletes a WAV at once: an undo brings the sound strip back and it must still find its file.
When the file is saved, a WAV we wrote that nothing in it uses any more moves to a `.unitaf_removed`
folder beside it; an undo that brings its line back moves it back; opening another file (no undo can
reach the old lines then) deletes those for good. The batch, which has no undo, deletes them at once.
"""

from __future__ import annotations

import itertools
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import bpy
import numpy as np

from ..core import line_envelope
from ..core.line_envelope import Span
from .compat import all_strips, strips_collection
from .writer import (
    fcurves_of,
    is_line_action,
    line_tracks,
    read_keys,
    replace_keys,
    replace_strip,
    settle_tracks,
)

LINE_ID = "unitaf_line_id"        # on the Action and its sound strip: which line they belong to
WAV_OWNED = "unitaf_wav_owned"    # on the Action: True when the WAV is ours (a recording never is)
BODY_KEYS = "unitaf_body_keys"    # on the Action: how many keys from its start frame are the backend's
MARKERS = "unitaf_markers"        # on the Action: JSON [[name, frame], ...] of the timeline markers it added

_retired_wavs: set[str] = set()   # WAVs of ours (written, or of removed lines): put away once nothing uses them
_put_away: dict[str, str] = {}    # WAV path -> where it waits in case an undo brings its line back
TRASH_FOLDER = ".unitaf_removed"


class LineError(Exception):
    """The line asked for does not exist on this object (or cannot be changed); nothing was changed."""


@dataclass(frozen=True)
class LineOnScene:
    line_id: str
    name: str                  # the line's text or label
    action: Any                # bpy.types.Action
    track: Any                 # its NLA track
    span: Span                 # the frames its audio plays in

    @property
    def wav_path(self) -> str:
        return str(self.action.get("unitaf_wav", ""))


def new_line_id() -> str:
    return uuid.uuid4().hex[:16]


def shape_key_anim(obj: Any) -> Any:
    key = obj.data.shape_keys if obj is not None and obj.type == "MESH" else None
    return None if key is None else key.animation_data


def line_anim(obj: Any) -> Any:
    """The animation data a character's lines play from: its shape keys', or a bone face rig's own."""
    if obj is not None and obj.type == "ARMATURE":
        return obj.animation_data
    return shape_key_anim(obj)


def lines_of(obj: Any) -> list[LineOnScene]:
    """The object's lines, in the order they start."""
    out = []
    for track in line_tracks(line_anim(obj)):
        action = track.strips[0].action
        start = int(action.get("unitaf_start_frame", track.strips[0].frame_start))
        end = int(action.get("unitaf_frame_end", track.strips[0].frame_end))
        out.append(LineOnScene(line_id=str(action.get(LINE_ID, action.name)), name=str(action.get("unitaf_line")),
                               action=action, track=track, span=Span(start, end)))
    return sorted(out, key=lambda line: (line.span.start, line.line_id))


def find_line(obj: Any, line_id: str) -> LineOnScene:
    for line in lines_of(obj):
        if line.line_id == line_id:
            return line
    raise LineError(f"'{obj.name}' has no line {line_id!r} (it was removed, or belongs to another object)")


def line_of_action(obj: Any, action: Any) -> LineOnScene | None:
    """The line of `obj` that plays `action`, or None when that Action is not one of its lines."""
    return next((line for line in lines_of(obj) if line.action == action), None)


def retakes_of(obj: Any, span: Span) -> list[LineOnScene]:
    """The object's lines that a new line over `span` replaces (it covers most of them: see is_retake)."""
    from ..core.line_envelope import is_retake
    return [line for line in lines_of(obj) if is_retake(line.span, span)]


def sound_strips_of(scene: Any, line_id: str) -> list[Any]:
    sed = scene.sequence_editor
    if sed is None:
        return []
    return [s for s in all_strips(sed) if s.get(LINE_ID) == line_id]


def remove_line(scene: Any, obj: Any, line: LineOnScene, fps: float) -> None:
    """Remove the line's track, Action and sound strip; its WAV goes when nothing uses it any more."""
    anim = line_anim(obj)
    wav, owned = line.wav_path, bool(line.action.get(WAV_OWNED, False))
    for strip in sound_strips_of(scene, line.line_id):
        sound_data = strip.sound
        strips_collection(scene.sequence_editor).remove(strip)
        if sound_data is not None and sound_data.users == 0:
            bpy.data.sounds.remove(sound_data)
    _remove_markers(scene, line.action)
    head = bpy.data.actions.get(str(line.action.get("unitaf_head_action", "")))
    if head is not None:
        from .head_motion import remove_head_action
        remove_head_action(head)
    anim.nla_tracks.remove(line.track)
    bpy.data.actions.remove(line.action)
    settle(obj, fps)
    if owned and wav:
        _retired_wavs.add(os.path.abspath(wav))


@dataclass
class _Body:
    """A line's own keys (the backend's frames), per F-curve."""
    line: LineOnScene
    curves: list[Any]
    frames: np.ndarray            # [n]
    values: np.ndarray            # [n, len(curves)]


def _body(line: LineOnScene) -> _Body | None:
    n = int(line.action.get(BODY_KEYS, 0))
    start = int(line.action.get("unitaf_start_frame", line.span.start))
    curves = fcurves_of(line.action)
    if n <= 0 or not curves:
        return None               # not made by this version: left as it is
    columns = []
    frames = np.arange(start, start + n, dtype=np.float32)
    for fc in curves:
        f, v = read_keys(fc)
        columns.append(np.interp(frames, f, v).astype(np.float32))
    return _Body(line, curves, frames, np.stack(columns, axis=1))


def settle(obj: Any, fps: float, around: str | None = None) -> None:
    """Give every line of `obj` its ramps (onset and decay, or a shared ramp to a close neighbour) and
    make its strip cover them; then the tracks' extrapolation and blends (see writer.settle_tracks).

    With `around` (a line id just added), only that line and its two neighbours are re-written: a line's
    ramps depend on itself and its neighbours only, so the others are as they were (adding a line costs
    the same however many the character has). A bone line keeps the ramps it was written with (its rest is
    not zero: see bone_writer)."""
    anim = line_anim(obj)
    idle = idle_track(anim)
    every = lines_of(obj)
    at = next((i for i, line in enumerate(every) if line.line_id == around), None) if around else None
    if at is None:
        bodies = [b for b in (_body(line) for line in every) if b is not None]
        rewrite = {id(b) for b in bodies}
    else:   # the neighbours' own neighbours are read too: they decide whether a neighbour's far ramp is shared
        near = [(i, _body(every[i])) for i in range(max(0, at - 2), min(len(every), at + 3))]
        bodies = [b for _, b in near if b is not None]
        rewrite = {id(b) for i, b in near if b is not None and abs(i - at) <= 1}
    leads = {id(b): line_envelope.onset(b.values[0], int(b.frames[0]), fps) for b in bodies}
    tails = {id(b): line_envelope.decay(b.values[-1], int(b.frames[-1]), fps) for b in bodies}
    if idle is not None:          # the strip blends against the idle motion; the keys hold
        leads = {id(b): line_envelope.held(b.values[0], leads[id(b)]) for b in bodies}
        tails = {id(b): line_envelope.held(b.values[-1], tails[id(b)]) for b in bodies}
    shared: set[tuple[int, str]] = set()          # (line, "lead" | "tail") ramps shared with a neighbour
    for a, b in itertools.pairwise(bodies):
        same_curves = [fc.data_path for fc in a.curves] == [fc.data_path for fc in b.curves]
        if same_curves and line_envelope.bridged(int(a.frames[-1]), int(b.frames[0]), fps):
            tails[id(a)], leads[id(b)] = line_envelope.bridge(a.values[-1], int(a.frames[-1]),
                                                              b.values[0], int(b.frames[0]))
            shared |= {(id(a), "tail"), (id(b), "lead")}
    blends = {line.track.name: (line.track.strips[0].blend_in, line.track.strips[0].blend_out) for line in every}
    for b in bodies:
        if id(b) not in rewrite:
            continue
        frames, values = line_envelope.assemble(leads[id(b)], b.frames, b.values, tails[id(b)])
        for i, fc in enumerate(b.curves):
            replace_keys(fc, frames, values[:, i])
        replace_strip(b.line.track)
        # against idle motion, a ramp from or to rest blends in over its whole length (a shared ramp: 1 frame)
        blends[b.line.track.name] = (
            1.0 if (id(b), "lead") in shared else len(leads[id(b)].frames) + 1.0,
            1.0 if (id(b), "tail") in shared else len(tails[id(b)].frames) + 1.0)
    settle_tracks(anim, blends, idle)


IDLE_TAG = "unitaf_idle"          # on an idle Action of ours: the object it is for


def idle_track(anim: Any) -> Any | None:
    """The object's idle track (its one strip plays an Action tagged `unitaf_idle`), or None."""
    if anim is None:
        return None
    return next((t for t in anim.nla_tracks
                 if len(t.strips) == 1 and t.strips[0].action is not None
                 and t.strips[0].action.get(IDLE_TAG) is not None), None)


def _remove_markers(scene: Any, action: Any) -> None:
    """The timeline markers the line added (by name and frame; markers the user moved or renamed stay)."""
    try:
        wanted = {(str(n), int(f)) for n, f in json.loads(str(action.get(MARKERS, "[]")))}
    except (ValueError, TypeError):
        return
    for marker in list(scene.timeline_markers):
        if (marker.name, int(marker.frame)) in wanted:
            wanted.discard((marker.name, int(marker.frame)))
            scene.timeline_markers.remove(marker)


def wavs_in_use() -> set[str]:
    """Absolute paths of every sound file the open file references, and every line's WAV."""
    used = {os.path.abspath(bpy.path.abspath(s.filepath)) for s in bpy.data.sounds}
    used |= {os.path.abspath(str(a["unitaf_wav"])) for a in bpy.data.actions
             if is_line_action(a) and a.get("unitaf_wav")}
    return used


def watch_wav(path: str) -> None:
    """A WAV we just wrote for a line: if the line goes (removed, retaken, or its Generate undone), the
    WAV goes with it at the next save."""
    _retired_wavs.add(os.path.abspath(path))


def purge_retired_wavs(delete: bool = False) -> list[str]:
    """Put away (or, with `delete`, delete) the WAVs of removed lines that nothing uses any more; returns
    their paths."""
    used = wavs_in_use()
    gone = []
    for path in sorted(_retired_wavs):
        if path in used:
            continue
        _retired_wavs.discard(path)
        if not os.path.exists(path):
            continue
        if delete:
            os.remove(path)
        else:
            folder = os.path.join(os.path.dirname(path), TRASH_FOLDER)
            os.makedirs(folder, exist_ok=True)
            kept = os.path.join(folder, os.path.basename(path))
            os.replace(path, kept)
            _put_away[path] = kept
        gone.append(path)
    return gone


def bring_back_wavs() -> list[str]:
    """After an undo or redo: WAVs put away whose lines are back return to their place."""
    used = wavs_in_use()
    back = []
    for path, kept in list(_put_away.items()):
        if path in used and not os.path.exists(path) and os.path.exists(kept):
            os.replace(kept, path)
            del _put_away[path]
            _retired_wavs.add(path)           # it goes again if its line is removed again
            back.append(path)
    return back


def forget_put_away() -> None:
    """Another file is being opened: no undo can bring those lines back, so their WAVs go for good."""
    for kept in _put_away.values():
        if os.path.exists(kept):
            os.remove(kept)
    _put_away.clear()
    _retired_wavs.clear()


def check_editable(obj: Any) -> None:
    """A LineError when the object's shape keys cannot take a line (linked from a library, not overridden)."""
    key = getattr(obj.data, "shape_keys", None)         # an armature (a bone face rig) has none
    for what, block in (("object", obj), ("mesh", obj.data), ("shape keys", key)):
        library = getattr(block, "library", None)
        if library is not None:
            raise LineError(f"'{obj.name}' is linked from {library.filepath}: its {what} cannot be changed here; "
                            "make it local (Object > Relations > Make Local) or add a library override")
        if not getattr(block, "is_editable", True):
            raise LineError(f"the {what} of '{obj.name}' cannot be edited (a library override that is "
                            "not editable); make it editable or local first")
